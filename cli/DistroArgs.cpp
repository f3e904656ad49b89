// `lx`'s distro options (wsl.exe's): parsed with CLI11 after the guest
// command (after "--" or "-e") is split off, so guest options are never ours.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/Daemon.h"
#include "cli/DistroCommands.h"
#include "cli/Run.h"

namespace lx::cli {

namespace {

constexpr char kFooter[] = R"(Commands in a distro:
  lx [-d NAME] [-u USER] [--cd DIR]        the user's login shell
  lx [-d NAME] [-u USER] [--cd DIR] -- CMD [ARGS...]   CMD through the user's shell
  lx [-d NAME] [-u USER] [--cd DIR] -e CMD [ARGS...]   CMD directly, no shell
One-shot instance on the host's root (no distro):
  lx run [--root DIR | --lxfs DIR] [--bind HOST:GUEST[:ro]]... [--net=host|none] [--trace[=FILE]] -- PROG [ARGS...]
                                           --net=none: only a loopback of the instance's own
  lx syscalls                              the syscall table with support levels
Instances (the lx daemon, started on demand, one per user):
  lx -t|--terminate NAME | --shutdown | --status | -l --running
  An instance stays up while a session is attached and LX_IDLE_TIMEOUT seconds
  (default 15) after the last one; LX_NO_DAEMON=1 runs one-shot instead.
Registry: $LX_HOME (default $XDG_DATA_HOME/lx or ~/.local/share/lx)/registry.ini;
installed roots in $LX_HOME/distros/NAME/rootfs. Per-distro settings: /etc/lx.conf
([network] mode=none: the instance's own loopback only, as lx run --net=none).
Exit status: the command's own in a distro (128+N if killed by signal N, 127 not
found, 126 not executable); 0 success, 1 error (unknown distro, bad archive,
registry or host error), 2 bad options.)";

}  // namespace

int distro_main(int argc, char** argv) {
  // The guest command starts after "--" or "-e"/"--exec".
  std::vector<std::string> ours;
  DistroRunRequest req;
  bool has_command = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--" || a == "-e" || a == "--exec") {
      req.exec = a != "--";
      req.command.assign(argv + i + 1, argv + argc);
      has_command = true;
      break;
    }
    ours.push_back(a);
  }

  CLI::App app{"lx: run Linux distros on the lxcore Linux personality"};
  app.set_version_flag("--version", "lx 0.1.0");
  app.footer(kFooter);
  std::string install, from_tar, from_debootstrap, export_name, unregister, set_default;
  std::vector<std::string> import_args, export_args;
  bool list = false, running = false, verbose = false, yes = false, quiet = false;
  auto* o_install = app.add_option("--install", install, "Install distro NAME (with --from-tar or --from-debootstrap)");
  app.add_option("--from-tar", from_tar, "Root filesystem tarball for --install (- for stdin)")->needs(o_install);
  app.add_option("--from-debootstrap", from_debootstrap, "Debian suite for --install: a minbase root made by mmdebstrap (network; cached in $LX_CACHE)")
      ->needs(o_install);
  auto* o_import = app.add_option("--import", import_args, "Register NAME with its root in DIR/rootfs from TARFILE|-")
                       ->expected(3)->type_name("NAME DIR TARFILE");
  auto* o_export = app.add_option("--export", export_args, "Write NAME's root as a tarball (guest owners, modes, devices) to TARFILE|-")
                       ->expected(2)->type_name("NAME TARFILE");
  auto* o_unreg = app.add_option("--unregister", unregister, "Unregister NAME and delete its root (asks unless --yes)");
  app.add_flag("--yes", yes, "Do not ask for confirmation");
  auto* o_list = app.add_flag("-l,--list", list, "List the distros");
  app.add_flag("--running", running, "With --list: only running distros")->needs(o_list);
  app.add_flag("-v,--verbose", verbose, "With --list: state, default user and directory")->needs(o_list);
  auto* o_default = app.add_option("-s,--set-default", set_default, "Make NAME the default distro");
  std::string terminate;
  bool shutdown = false, status = false;
  auto* o_terminate = app.add_option("-t,--terminate", terminate, "Stop the running instance of NAME (its sessions end)");
  app.add_flag("--shutdown", shutdown, "Stop every running instance and the lx daemon");
  app.add_flag("--status", status, "Show the lx daemon and its running instances");
  app.add_flag("-q,--quiet", quiet, "No progress bar or messages");
  app.add_option("-d,--distribution", req.distro, "Run in distro NAME instead of the default");
  app.add_option("-u,--user", req.user, "Run as guest USER (name or uid) of the distro");
  app.add_option("--cd", req.cd, "Start in guest directory DIR (~: the user's home)");
  std::reverse(ours.begin(), ours.end());  // CLI11's vector form takes arguments in reverse
  try {
    app.parse(ours);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kStatusUsage;
  }
  const int actions = static_cast<int>(o_install->count() > 0) + static_cast<int>(o_import->count() > 0) +
                      static_cast<int>(o_export->count() > 0) + static_cast<int>(o_unreg->count() > 0) +
                      static_cast<int>(list) + static_cast<int>(o_default->count() > 0) +
                      static_cast<int>(o_terminate->count() > 0) + static_cast<int>(shutdown) + static_cast<int>(status);
  if (actions > 1 || (actions == 1 && (has_command || !req.distro.empty() || !req.user.empty() || !req.cd.empty()))) {
    std::fprintf(stderr, "lx: give one of --install, --import, --export, --unregister, --list, --set-default, "
                         "--terminate, --shutdown, --status, "
                         "or a command to run (see lx --help)\n");
    return kStatusUsage;
  }
  if (o_install->count() > 0) {
    if (!from_debootstrap.empty() && !from_tar.empty()) {
      std::fprintf(stderr, "lx: give one of --from-tar and --from-debootstrap\n");
      return kStatusUsage;
    }
    if (!from_debootstrap.empty()) return install_debootstrap(install, from_debootstrap, quiet);
    if (from_tar.empty()) {
      std::fprintf(stderr, "lx: --install needs --from-tar FILE (or --from-debootstrap SUITE)\n");
      return kStatusUsage;
    }
    return install_distro(install, from_tar, quiet);
  }
  if (o_import->count() > 0) return import_distro(import_args[0], import_args[1], import_args[2], quiet);
  if (o_export->count() > 0) return export_distro(export_args[0], export_args[1], quiet);
  if (o_unreg->count() > 0) return unregister_distro(unregister, yes);
  if (list) return list_distros(running, verbose);
  if (o_default->count() > 0) return set_default_distro(set_default);
  if (o_terminate->count() > 0) return terminate_distro(terminate);
  if (shutdown) return shutdown_daemon();
  if (status) return daemon_status();
  if (has_command && req.command.empty()) {
    std::fprintf(stderr, "lx: %s needs a command\n", req.exec ? "-e" : "--");
    return kStatusUsage;
  }
  return run_in_distro(req);
}

}  // namespace lx::cli
