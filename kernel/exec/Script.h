// "#!" scripts (binfmt_script): the first line names an interpreter and at
// most one argument; the kernel runs the interpreter on the script instead.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernel/base/Result.h"

namespace lx {

// Linux looks at this many bytes of the file (BINPRM_BUF_SIZE).
constexpr size_t kScriptHeaderSize = 256;

struct ScriptLine {
  std::string interpreter;
  std::optional<std::string> arg;  // everything after the interpreter, one argument
};

// nullopt if `head` does not start with "#!"; ENOEXEC if the line names no
// interpreter or the name is cut off by the header size.
Result<std::optional<ScriptLine>> parse_script_line(std::span<const uint8_t> head);

// argv for running `script_path` through `line`: interpreter, arg,
// script_path, then the original arguments after argv[0].
std::vector<std::string> script_argv(const ScriptLine& line, const std::string& script_path,
                                     const std::vector<std::string>& argv);

}  // namespace lx
