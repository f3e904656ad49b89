#include "kernel/exec/Interop.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <memory>

#include "kernel/Kernel.h"
#include "kernel/exec/InteropRelay.h"
#include "kernel/exec/LxEnv.h"
#include "kernel/proc/Lifecycle.h"
#include "kernel/signal/Signal.h"
#include "kernel/vfs/FileWait.h"

namespace lx {

namespace {

// The mount a canonical guest path lies on (the deepest mountpoint above it).
const Mount& covering_mount(const MountNamespace& ns, std::string path) {
  for (;;) {
    if (const Mount* m = ns.mount_at(path)) return *m;
    if (path == "/" || path.empty()) return ns.root();
    path = path_parent(path);
  }
}

const PathMapping* interop_mount_of(Kernel& k, const std::string& canonical) {
  const Mount& m = covering_mount(k.vfs().mounts(), canonical);
  for (const PathMapping& im : k.config().interop_mounts)
    if (im.guest == m.path) return &im;
  return nullptr;
}

// Where the host program starts: the guest cwd's host directory, else /.
std::string host_cwd(Task& t) {
  std::optional<std::string> dir = guest_to_host_path(t.kernel(), t.tg().cwd);
  struct stat st {};
  if (dir && ::stat(dir->c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return *dir;
  return "/";
}

// Forwards the signals the proxy would take to the host program. Returns
// false when the proxy's group is ending (the host program is killed).
bool forward_signals(Task& t, pico::HostProgram& prog) {
  ThreadGroup& tg = t.tg();
  if (t.exited || tg.exiting) {
    prog.signal(kSigKill);
    return false;
  }
  const uint64_t deliverable = (t.pending.set | tg.shared_pending.set) & ~t.sigmask;
  for (int sig = 1; sig <= 64; ++sig) {
    if (!(deliverable & sigbit(sig))) continue;
    if (t.pending.has(sig)) (void)t.pending.take(sig);
    else (void)tg.shared_pending.take(sig);
    if (!signal_ignored(tg, sig)) prog.signal(sig);
  }
  return true;
}

}  // namespace

std::optional<std::string> guest_to_host_path(Kernel& k, const std::string& path) {
  const std::string p = normalize_path(path);
  if (const PathMapping* im = interop_mount_of(k, p)) return map_path({*im}, p, /*to_host=*/true);
  const std::string& root = k.config().root_host_dir;
  if (root.empty() || covering_mount(k.vfs().mounts(), p).path != "/") return std::nullopt;
  return map_path({PathMapping{"/", root}}, p, /*to_host=*/true);
}

Result<std::optional<std::string>> interop_host_path(Task& t, const std::string& path) {
  Kernel& k = t.kernel();
  if (k.config().interop_mounts.empty() || path.empty()) return std::optional<std::string>{};
  const size_t slash = path.rfind('/');
  const std::string base = path.substr(slash == std::string::npos ? 0 : slash + 1);
  if (base.empty() || base == "." || base == "..") return std::optional<std::string>{};
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  // The directory is resolved by the guest's rules (symlinks inside the
  // instance); the final name is the host's to resolve.
  Result<std::string> canonical = k.vfs().resolve_directory(t.tg().cwd, dir);
  if (!canonical.ok()) return std::optional<std::string>{};
  const PathMapping* im = interop_mount_of(k, canonical.value());
  if (!im) return std::optional<std::string>{};
  std::optional<std::string> host = map_path({*im}, path_child(canonical.value(), base), /*to_host=*/true);
  if (!host) return std::optional<std::string>{};
  struct stat st {};
  if (::stat(host->c_str(), &st) < 0) return err(errno);
  if (!S_ISREG(st.st_mode) || ::access(host->c_str(), X_OK) < 0) return err(EACCES);
  return host;
}

Result<void> exec_host_program(Task& t, const std::string& host_path, const std::vector<std::string>& argv,
                               const std::vector<std::string>& envp, const std::function<Result<void>()>& no_return) {
  Kernel& k = t.kernel();
  pico::HostProgramSpec spec;
  spec.path = host_path;
  spec.argv = argv.empty() ? std::vector<std::string>{host_path} : argv;
  spec.envp = merge_environment(k.config().host_environment,
                                crossing_variables(envp, EnvCrossing::GuestToHost,
                                                   [&](const std::string& p) { return guest_to_host_path(k, p); }));
  spec.cwd = host_cwd(t);

  StdioRelays relays;
  TRY(relays.prepare(t, spec.stdio));
  std::unique_ptr<pico::HostProgram> prog = TRY(k.host().spawn_host_program(spec));
  relays.started();
  TRY(no_return());

  // The proxy: relay stdio and forward signals until the program has ended
  // and its output is through.
  std::optional<int> status;
  for (;;) {
    if (!status) status = prog->exit_status();
    relays.pump(status ? RelayPhase::Draining : RelayPhase::Running);
    if (status && relays.done()) break;
    if (t.tg().stopped) {
      // A job-control stop of the proxy stops the host program with it.
      prog->signal(kSigStop);
      while (t.tg().stopped && !t.tg().exiting && !t.exited) t.sleep(Deadline::in(std::chrono::milliseconds(50)));
      prog->signal(kSigCont);
      continue;
    }
    if (t.interrupted() && !forward_signals(t, *prog)) return {};
    std::vector<WaitQueue*> queues;
    std::vector<HostPoll> polls;
    relays.wait_set(queues, polls);
    if (!status) polls.push_back(HostPoll{prog->exit_fd(), POLLIN});
    // A bounded sleep: a guest file without a wait queue still gets pumped.
    sleep_on(t, queues, polls, Deadline::in(std::chrono::milliseconds(200)));
  }
  do_group_exit(t.tg(), *status);
  return {};
}

}  // namespace lx
