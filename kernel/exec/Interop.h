// Interop (issue 6, WSL's :WSLInterop: binfmt entry): an executable reached
// through an interop mount (KernelConfig::interop_mounts, the distro's
// host automount when [interop] enabled=true) is a host program. execve of
// one starts it on the host (pico::Host::spawn_host_program) and the
// calling process becomes its proxy: it passes the exec's point of no
// return like any exec, then waits for the host program (big lock released,
// its stdio relayed), forwards the signals it receives, and exits with the
// host program's wait status.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernel/Task.h"
#include "kernel/base/Result.h"

namespace lx {

// The host path `path` (a guest exec path, relative to the task's cwd)
// names when its directory lies on an interop mount; nullopt when it is an
// ordinary guest path (or its directory cannot be resolved: the normal exec
// reports that). ENOENT / EACCES when the host file is missing or is not an
// executable regular file for the host.
Result<std::optional<std::string>> interop_host_path(Task& t, const std::string& path);

// A guest path (absolute, lexical) as the host sees it, through the interop
// mounts or the root's host directory; nullopt when it has no host path.
std::optional<std::string> guest_to_host_path(Kernel& k, const std::string& path);

// Starts the host program and proxies it. `no_return` is exec's point of no
// return (old image gone, fds closed on exec, dispositions reset), run once
// the host program has started: an error before it leaves the task as it
// was. Afterwards the task's group exits with the host program's status.
Result<void> exec_host_program(Task& t, const std::string& host_path, const std::vector<std::string>& argv,
                               const std::vector<std::string>& envp, const std::function<Result<void>()>& no_return);

}  // namespace lx
