// lx: the command-line front end (wsl.exe's counterpart).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/Daemon.h"
#include "cli/DistroCommands.h"
#include "cli/Run.h"
#include "cli/SignalForwarder.h"
#include "kernel/syscalls/Table.h"

namespace {

using lx::cli::kStatusProviderError;
using lx::cli::kStatusUsage;
using lx::cli::RunOptions;

// Prints the syscall table (like gVisor's compatibility table): every number
// we have a handler for, with its support level and what is missing.
int list_syscalls() {
  static const char* const kLevels[] = {"unimplemented", "stub", "partial", "full"};
  const auto& table = lx::SyscallTable::instance();
  int counts[4] = {};
  for (size_t nr = 0; nr < table.entries().size(); ++nr) {
    const lx::SyscallEntry& e = table.entries()[nr];
    if (!e.handler) continue;
    auto level = static_cast<size_t>(e.support);
    ++counts[level];
    std::printf("%3zu  %-20s %-8s %s\n", nr, e.name, kLevels[level], e.note ? e.note : "");
  }
  std::printf("\n%d full, %d partial, %d stub; every other number returns ENOSYS (logged once)\n", counts[3],
              counts[2], counts[1]);
  return 0;
}

// Splits `lx run` arguments into lx's own options and PROG [ARGS...]: the
// command starts at "--" or at the first word that is not an option, so the
// guest's own options are never parsed as ours.
void split_run_args(int argc, char** argv, int first, std::vector<std::string>& ours,
                    std::vector<std::string>& command) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      command.assign(argv + i + 1, argv + argc);
      return;
    }
    if (a.empty() || a[0] != '-') {
      command.assign(argv + i, argv + argc);
      return;
    }
    ours.push_back(a);
    if ((a == "--root" || a == "--bind" || a == "--lxfs" || a == "--net") && i + 1 < argc) ours.emplace_back(argv[++i]);
  }
}

int lx_main(int argc, char** argv) {
  // A guest writing to a closed pipe must get EPIPE (and its own SIGPIPE),
  // not kill the provider.
  signal(SIGPIPE, SIG_IGN);
  lx::cli::block_forwarded_signals();
  if (argc == 2 && std::strcmp(argv[1], "--daemon") == 0) return lx::cli::daemon_main();
  // `lx run` and `lx syscalls` are the host-root modes; everything else is
  // about distros.
  if (argc < 2 || (std::strcmp(argv[1], "run") != 0 && std::strcmp(argv[1], "syscalls") != 0))
    return lx::cli::distro_main(argc, argv);
  CLI::App app{"lx: run Linux programs on the lxcore Linux personality"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lx 0.1.0");
  RunOptions opts;
  CLI::App* run_cmd = app.add_subcommand("run", "Run PROG [ARGS...] in a fresh one-shot instance (no daemon)");
  run_cmd->add_option("--root", opts.root, "Host directory used as the guest's / (read-only)")
      ->check(CLI::ExistingDirectory);
  run_cmd->add_option("--lxfs", opts.lxfs,
                      "Host directory used as the guest's / read-write, with guest owners, modes and devices kept "
                      "in xattrs (lxfs)")
      ->check(CLI::ExistingDirectory);
  run_cmd->add_option("--bind", opts.binds,
                      "Mount host directory HOST at guest directory GUEST (HOST:GUEST[:ro]; repeatable; GUEST must exist)")
      ->allow_extra_args(false);
  CLI::Option* trace_opt =
      run_cmd->add_option("--trace", opts.trace_file, "Print each guest syscall in strace format (stderr or =FILE)")
          ->expected(0, 1);
  bool no_pty = false;
  run_cmd->add_flag("--no-pty", no_pty,
                    "Give the guest the host terminal's fds as they are instead of an instance pty relayed to "
                    "the terminal (no guest job control)");
  run_cmd->add_option("--net", opts.net,
                      "host: share the host's network and loopback (default, as WSL1); none: only a loopback of "
                      "the instance's own")
      ->check(CLI::IsMember({"host", "none"}));
  CLI::App* syscalls_cmd = app.add_subcommand("syscalls", "List the syscall table and each syscall's support level");

  // CLI11 sees everything but the guest command.
  std::vector<std::string> args;
  int i = 1;
  for (; i < argc; ++i) {
    args.emplace_back(argv[i]);
    if (args.back() == "run") break;
  }
  std::vector<std::string> command;
  if (i < argc) split_run_args(argc, argv, i + 1, args, command);
  std::reverse(args.begin(), args.end());  // CLI11's vector form takes arguments in reverse
  try {
    app.parse(args);
    if (run_cmd->parsed() && command.empty()) throw CLI::RequiredError("PROG");
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kStatusUsage;
  }
  if (syscalls_cmd->parsed()) return list_syscalls();
  opts.trace = trace_opt->count() > 0;
  opts.pty = !no_pty;
  opts.root_given = run_cmd->get_option("--root")->count() > 0;
  if (run_cmd->get_option("--lxfs")->count() > 0) {
    if (opts.root_given) {
      std::fprintf(stderr, "lx: --root and --lxfs both name the root; give one\n");
      return kStatusUsage;
    }
    opts.root = opts.lxfs;
    opts.root_given = true;
  }
  opts.command = std::move(command);
  return lx::cli::run(opts);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return lx_main(argc, argv);
  } catch (const std::exception& e) {
    // Only CLI11 and the standard library throw; the kernel never does.
    std::fprintf(stderr, "lx: %s\n", e.what());
    return kStatusProviderError;
  }
}
