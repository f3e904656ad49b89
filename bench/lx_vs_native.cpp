// lx_bench: runs the static guest bench/guest/syscall_loop natively, under
// `lx run --` and under the peers (PRoot, gVisor runsc) when installed, and
// reports the guest's own ns/op as each benchmark's manual time. Modes:
// getppid, openreadclose, forkwait (fork + exit + wait4), forkexec (fork +
// execve /bin/true + wait4), pipepingpong (1-byte round trip between two
// processes), unixpingpong (the same over a unix socketpair), futexpingpong (FUTEX_WAIT/WAKE round trip between two threads),
// epollwake (eventfd write + epoll_wait wake-up round trip between two
// processes: "epoll_wait wake-up latency"),
// tcprr (1 KiB request/response over TCP loopback between two processes),
// tcpstream (1 MiB sent + 1-byte ack over TCP loopback), and the per-file
// calls of `ls -laR`: statx (of /usr/share/doc/bash/copyright), lgetxattr and
// getxattr of it (ENODATA), getdents (lseek + getdents64 of a small
// directory). A summary
// table with per-op microseconds and the ratio to native follows, all from
// the same run.
//
// Own flags (everything else goes to Google Benchmark):
//   --lx=PATH         lx binary (default: the one built alongside)
//   --guest=PATH      syscall_loop binary (default: the one built alongside)
//   --runs=N          timed guest runs per benchmark (default 3)
//   --target_ms=N     guest loop length per run (default 200)
//   --timeout_s=N     a runner taking longer is killed (default 120)
//   --require=A,B     runners (e.g. Native,Lx) whose failure or absence makes
//                     lx_bench exit 1; others are only reported as skipped
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef LX_PATH
#define LX_PATH ""
#endif
#ifndef SYSCALL_LOOP_PATH
#define SYSCALL_LOOP_PATH ""
#endif

namespace {

struct Options {
  std::string lx = LX_PATH;
  std::string guest = SYSCALL_LOOP_PATH;
  int runs = 3;
  double target_ms = 200;
  int timeout_s = 120;
  std::string require;  // comma-separated runner names
} g_opt;

bool required(const std::string& runner) {
  return ("," + g_opt.require + ",").find("," + runner + ",") != std::string::npos;
}

// How one runner launches the guest: prefix + guest + mode + N.
struct Runner {
  std::string name;   // benchmark prefix and table label
  std::string what;   // for messages: "lx exited with status 1"
  std::vector<std::string> prefix;
  std::string unavailable;  // non-empty: why this runner is skipped
};

struct Outcome {
  bool ok = false;
  double ns_per_op = 0;
  std::string error;  // when !ok
};

// Per benchmark: the median of its timed runs, or why it was skipped.
std::map<std::string, Outcome> g_results;

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

std::string first_line(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > 160) line = line.substr(0, 160) + "...";
  return line;
}

// Runs argv with stdout/stderr captured, killing its process group after
// the timeout. The runner's own exit is what ends the wait (its pidfd),
// not EOF: sandbox helpers may keep the pipes open after it is done.
Outcome run_guest(const Runner& r, const std::vector<std::string>& args) {
  Outcome out;
  int pout[2], perr[2];
  if (pipe2(pout, O_CLOEXEC) != 0) return {false, 0, "pipe failed"};
  if (pipe2(perr, O_CLOEXEC) != 0) {
    close(pout[0]);
    close(pout[1]);
    return {false, 0, "pipe failed"};
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(pout[1], 1);
    dup2(perr[1], 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pout[1]);
  close(perr[1]);
  if (pid < 0) {
    close(pout[0]);
    close(perr[0]);
    return {false, 0, "fork failed"};
  }
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  std::string text[2];
  int fds[2] = {pout[0], perr[0]};
  bool open_fd[2] = {true, true};
  int64_t deadline = now_ms() + int64_t{g_opt.timeout_s} * 1000;
  bool exited = false, timed_out = false;
  auto drain = [&](int i) {
    char buf[4096];
    ssize_t n = read(fds[i], buf, sizeof buf);
    if (n > 0)
      text[i].append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR)
      open_fd[i] = false;
  };
  while (!exited && (open_fd[0] || open_fd[1] || pidfd >= 0)) {
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p[3] = {{open_fd[0] ? fds[0] : -1, POLLIN, 0},
                   {open_fd[1] ? fds[1] : -1, POLLIN, 0},
                   {pidfd, POLLIN, 0}};
    // Without a pidfd, fall back to EOF on both pipes.
    if (pidfd < 0 && !open_fd[0] && !open_fd[1]) break;
    int n = poll(p, 3, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i)
      if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) drain(i);
    if (p[2].revents & POLLIN) exited = true;
  }
  if (timed_out) kill(-pid, SIGKILL);
  // What the runner wrote before exiting is already in the pipe.
  for (int i = 0; i < 2; ++i) {
    fcntl(fds[i], F_SETFL, O_NONBLOCK);
    while (open_fd[i]) {
      char buf[4096];
      ssize_t n = read(fds[i], buf, sizeof buf);
      if (n <= 0) break;
      text[i].append(buf, static_cast<size_t>(n));
    }
    close(fds[i]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (pidfd >= 0) close(pidfd);

  if (timed_out) return {false, 0, fmt::format("{} timed out after {} s", r.what, g_opt.timeout_s)};
  std::string err = first_line(text[1]);
  if (!err.empty()) err = ": " + err;
  if (WIFSIGNALED(status))
    return {false, 0, fmt::format("{} killed by signal {}{}", r.what, WTERMSIG(status), err)};
  if (WEXITSTATUS(status) == 127 && text[0].empty())
    return {false, 0, fmt::format("cannot execute {}{}", args[0], err)};
  if (WEXITSTATUS(status) != 0)
    return {false, 0, fmt::format("{} exited with status {}{}", r.what, WEXITSTATUS(status), err)};
  auto at = text[0].find("ns_per_op=");
  if (at == std::string::npos)
    return {false, 0, fmt::format("{} exited with status 0 but printed no ns_per_op{}", r.what, err)};
  char* end = nullptr;
  out.ns_per_op = std::strtod(text[0].c_str() + at + 10, &end);
  if (end == text[0].c_str() + at + 10 || !(out.ns_per_op > 0))
    return {false, 0, fmt::format("{} printed a malformed ns_per_op", r.what)};
  out.ok = true;
  return out;
}

std::vector<std::string> guest_args(const Runner& r, const std::string& mode, uint64_t n) {
  std::vector<std::string> a = r.prefix;
  a.push_back(g_opt.guest);
  a.push_back(mode);
  a.push_back(std::to_string(n));
  return a;
}

void skip(benchmark::State& state, const std::string& key, const std::string& why) {
  g_results[key] = {false, 0, why};
  state.SkipWithError(("skipped: " + why).c_str());
}

void BM_Runner(benchmark::State& state, const Runner& r, const std::string& mode) {
  const std::string key = r.name + "/" + mode;
  if (!r.unavailable.empty()) {
    skip(state, key, r.unavailable);
    for (auto _ : state) {
    }
    return;
  }
  // A short calibration run picks N so that one timed run lasts about
  // --target_ms whatever the runner's speed (0.2 us native, ~100 us ptrace).
  // Process creation (and a 1 MiB tcpstream op) costs 0.1-10 ms, so those modes calibrate with
  // fewer ops and may run fewer (keeps the smoke test in seconds).
  const bool heavy = mode == "forkwait" || mode == "forkexec" || mode == "tcpstream";
  const uint64_t calibration_ops = heavy ? 20 : 1000;
  const double min_ops = heavy ? 10 : 50;
  Outcome cal = run_guest(r, guest_args(r, mode, calibration_ops));
  if (!cal.ok) {
    skip(state, key, cal.error);
    for (auto _ : state) {
    }
    return;
  }
  double want = g_opt.target_ms * 1e6 / cal.ns_per_op;
  auto n = static_cast<uint64_t>(std::clamp(want, min_ops, 1e8));

  std::vector<double> samples;
  for (auto _ : state) {
    Outcome o = run_guest(r, guest_args(r, mode, n));
    if (!o.ok) {
      skip(state, key, o.error);
      break;
    }
    samples.push_back(o.ns_per_op);
    state.SetIterationTime(o.ns_per_op * 1e-9);
  }
  state.counters["ops_per_run"] = static_cast<double>(n);
  if (samples.empty()) return;
  std::sort(samples.begin(), samples.end());
  g_results[key] = {true, samples[samples.size() / 2], ""};
}

std::string find_in_path(const std::string& prog) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    auto colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + prog;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::vector<Runner> make_runners() {
  std::vector<Runner> runners;
  runners.push_back({"Native", "native guest", {}, ""});

  Runner lx{"Lx", "lx", {g_opt.lx, "run", "--"}, ""};
  if (g_opt.lx.empty() || access(g_opt.lx.c_str(), X_OK) != 0)
    lx.unavailable = "lx binary not found (" + (g_opt.lx.empty() ? "no --lx" : g_opt.lx) + ")";
  runners.push_back(lx);

  Runner proot{"Proot", "proot", {find_in_path("proot")}, ""};
  if (proot.prefix[0].empty()) proot.unavailable = "proot not installed (apt-get install proot)";
  runners.push_back(proot);

  // As root, runsc can set up its sandbox without --rootless; host
  // networking and cgroups are not needed for a syscall loop.
  Runner runsc{"Runsc", "runsc", {find_in_path("runsc")}, ""};
  if (runsc.prefix[0].empty()) {
    runsc.unavailable = "runsc not installed (apt-get install runsc)";
  } else {
    if (geteuid() != 0) runsc.prefix.push_back("--rootless");
    for (const char* f : {"--network=none", "--ignore-cgroups", "do"}) runsc.prefix.push_back(f);
  }
  runners.push_back(runsc);
  return runners;
}

bool take_flag(std::string_view arg, std::string_view name, std::string& value) {
  if (arg.size() <= name.size() + 3 || arg.substr(0, 2) != "--" || arg.substr(2, name.size()) != name ||
      arg[2 + name.size()] != '=')
    return false;
  value = std::string(arg.substr(name.size() + 3));
  return true;
}

void print_summary(const std::vector<Runner>& runners, const std::vector<std::string>& modes) {
  if (g_results.empty()) return;
  fmt::print("\nlx_bench summary (guest-reported time per op, median of {} run(s))\n", g_opt.runs);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3)
    fmt::print("load average at the end of the run: {:.2f} {:.2f} {:.2f} ({} CPUs)\n", load[0], load[1], load[2],
               sysconf(_SC_NPROCESSORS_ONLN));
  fmt::print("{:<15} {:<8} {:>12} {:>12} {:>12}\n", "mode", "runner", "us/op", "vs native", "vs lx");
  for (const auto& mode : modes) {
    auto native = g_results.find("Native/" + mode);
    auto lx = g_results.find("Lx/" + mode);
    for (const auto& r : runners) {
      auto it = g_results.find(r.name + "/" + mode);
      if (it == g_results.end()) continue;  // filtered out
      const Outcome& o = it->second;
      if (!o.ok) {
        fmt::print("{:<15} {:<8} skipped: {}\n", mode, r.name, o.error);
        continue;
      }
      std::string ratio = "n/a";
      if (native != g_results.end() && native->second.ok)
        ratio = fmt::format("{:.1f}x", o.ns_per_op / native->second.ns_per_op);
      std::string vs_lx = "n/a";
      if (lx != g_results.end() && lx->second.ok)
        vs_lx = fmt::format("{:.2f}x", o.ns_per_op / lx->second.ns_per_op);
      fmt::print("{:<15} {:<8} {:>12.3f} {:>12} {:>12}\n", mode, r.name, o.ns_per_op / 1000, ratio, vs_lx);
    }
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (take_flag(argv[i], "lx", v)) g_opt.lx = v;
    else if (take_flag(argv[i], "guest", v)) g_opt.guest = v;
    else if (take_flag(argv[i], "runs", v)) g_opt.runs = std::max(1, std::atoi(v.c_str()));
    else if (take_flag(argv[i], "target_ms", v)) g_opt.target_ms = std::max(0.1, std::atof(v.c_str()));
    else if (take_flag(argv[i], "timeout_s", v)) g_opt.timeout_s = std::max(1, std::atoi(v.c_str()));
    else if (take_flag(argv[i], "require", v)) g_opt.require = v;
    else rest.push_back(argv[i]);
  }
  if (g_opt.guest.empty() || access(g_opt.guest.c_str(), X_OK) != 0) {
    fmt::print(stderr, "lx_bench: guest program not found ({}); pass --guest=PATH\n", g_opt.guest);
    return 2;
  }

  const std::vector<std::string> modes = {"getppid",  "openreadclose", "forkwait",
                                          "forkexec", "pipepingpong",  "unixpingpong", "futexpingpong",
                                          "epollwake", "tcprr",        "tcpstream",
                                          "statx",     "lgetxattr",    "getxattr",     "getdents"};
  const std::vector<Runner> runners = make_runners();
  for (const auto& mode : modes)
    for (const auto& r : runners)
      benchmark::RegisterBenchmark((r.name + "/" + mode).c_str(), BM_Runner, r, mode)
          ->UseManualTime()
          ->Iterations(g_opt.runs)
          ->Unit(benchmark::kMicrosecond);

  int bargc = static_cast<int>(rest.size());
  rest.push_back(nullptr);
  benchmark::Initialize(&bargc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(bargc, rest.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_summary(runners, modes);
  int status = 0;
  for (const auto& [key, outcome] : g_results)
    if (!outcome.ok && required(key.substr(0, key.find('/')))) {
      fmt::print(stderr, "lx_bench: required runner failed: {}: {}\n", key, outcome.error);
      status = 1;
    }
  return status;
}
