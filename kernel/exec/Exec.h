// execve(2)'s loader half: replaces a task's address space with a program
// image and sets its registers to start it. Used for a process's first
// program (Kernel::run_program) and, later, by the execve syscall.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kernel/Task.h"
#include "kernel/base/Result.h"

namespace lx {

struct ExecRequest {
  std::string path;  // guest path, relative to the task's cwd unless absolute
  std::vector<std::string> argv, envp;
};

// Errors before the old image is torn down leave the task untouched:
// ENOENT/ENOTDIR (no such program), EACCES (not a regular file, no execute
// permission), ENOEXEC (not a program we can run), ELIBBAD (broken
// PT_INTERP), E2BIG (arguments too large), ELOOP (#! nested too deeply).
// Later errors (host out of memory) leave the task without an image.
// `replace_mm`, if given, runs at the point of no return instead of
// unmapping the old image in place: execve uses it to give the task a fresh
// address space (and to end the group's other threads first).
Result<void> exec_image(Task& task, const ExecRequest& req,
                        const std::function<Result<void>(Task&)>& replace_mm = nullptr);

// A shell's exit status for a program that could not be started: 127 if
// it is missing, 126 if it exists but cannot be run.
int exec_failure_status(int error);

}  // namespace lx
