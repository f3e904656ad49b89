// lx_programs_bench: real Debian programs natively and under `lx run --` in
// one run, plus the memory a running guest costs.
//
//   <Native|Lx>/python3_pass     /usr/bin/python3 -c pass (start-up)
//   <Native|Lx>/ls_laR_doc       /bin/ls -laR /usr/share/doc > /dev/null
//   Rss/python3_sleep            lx running python3 -c 'import time; time.sleep(5)':
//                                VmRSS of the provider (the lx process) and of
//                                the guest's host process (its child), read
//                                while the guest sleeps; reported separately.
// Wall time per program run is the manual time. A summary table with the
// lx/native ratios follows.
//
// Own flags (everything else goes to Google Benchmark):
//   --lx=PATH     lx binary (default: the one built alongside)
//   --runs=N      timed runs per benchmark (default 5)
//   --sleep_s=N   guest sleep for the RSS probe (default 5; probe after 1/2 of it)
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef LX_PATH
#define LX_PATH ""
#endif

namespace {

struct Options {
  std::string lx = LX_PATH;
  int runs = 5;
  int sleep_s = 5;
} g_opt;

using Argv = std::vector<std::string>;

// Starts argv with stdout/stderr on /dev/null; returns the pid (-1 on failure).
pid_t spawn(const Argv& argv) {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 1);
    dup2(null, 2);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  return pid;
}

// Seconds of wall time for one run; negative if it failed.
double run_once(const Argv& argv) {
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = spawn(argv);
  if (pid < 0) return -1;
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  auto t1 = std::chrono::steady_clock::now();
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
  return std::chrono::duration<double>(t1 - t0).count();
}

Argv under(const std::string& runner, Argv prog) {
  if (runner == "Native") return prog;
  Argv a{g_opt.lx, "run", "--"};
  a.insert(a.end(), prog.begin(), prog.end());
  return a;
}

const std::map<std::string, Argv>& workloads() {
  static const std::map<std::string, Argv> w{
      {"python3_pass", {"/usr/bin/python3", "-c", "pass"}},
      // stdout is /dev/null for every run (spawn), as `> /dev/null` asks.
      {"ls_laR_doc", {"/bin/ls", "-laR", "/usr/share/doc"}},
  };
  return w;
}

std::map<std::string, double> g_median_ms;  // "Lx/python3_pass" -> ms
std::map<std::string, std::string> g_errors;

void BM_Program(benchmark::State& state, std::string runner, std::string name) {
  Argv prog = workloads().at(name);
  Argv argv = under(runner, prog);
  std::vector<double> times;
  for (auto _ : state) {
    double s = run_once(argv);
    if (s < 0) {
      g_errors[runner + "/" + name] = "exited with an error";
      state.SkipWithError("program failed");
      break;
    }
    times.push_back(s);
    state.SetIterationTime(s);
  }
  if (!times.empty()) {
    std::sort(times.begin(), times.end());
    g_median_ms[runner + "/" + name] = times[times.size() / 2] * 1000;
  }
}

long vm_rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

// The first child of any thread of pid: the provider spawns guest
// processes from a helper thread, not from its main thread.
pid_t first_child(pid_t pid) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  for (const auto& t : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream f(t.path() / "children");
    long c = -1;
    if (f >> c) return static_cast<pid_t>(c);
  }
  return -1;
}

long g_provider_kib = -1, g_guest_kib = -1, g_native_kib = -1;

void BM_Rss(benchmark::State& state) {
  Argv prog{"/usr/bin/python3", "-c", "import time; time.sleep(" + std::to_string(g_opt.sleep_s) + ")"};
  for (auto _ : state) {
    pid_t native = spawn(prog);
    pid_t lx = spawn(under("Lx", prog));
    std::this_thread::sleep_for(std::chrono::milliseconds(g_opt.sleep_s * 500));
    g_native_kib = vm_rss_kib(native);
    g_provider_kib = vm_rss_kib(lx);
    pid_t guest = first_child(lx);
    g_guest_kib = guest > 0 ? vm_rss_kib(guest) : -1;
    kill(native, SIGKILL);
    kill(lx, SIGKILL);
    waitpid(native, nullptr, 0);
    waitpid(lx, nullptr, 0);
    state.SetIterationTime(0.001);
  }
  state.counters["provider_KiB"] = static_cast<double>(g_provider_kib);
  state.counters["guest_KiB"] = static_cast<double>(g_guest_kib);
  state.counters["native_KiB"] = static_cast<double>(g_native_kib);
}

void print_summary() {
  fmt::print("\nlx_programs summary (median wall time of {} run(s))\n", g_opt.runs);
  fmt::print("{:<14} {:>12} {:>12} {:>10}\n", "program", "native ms", "lx ms", "lx/native");
  for (const auto& [name, argv] : workloads()) {
    auto n = g_median_ms.find("Native/" + name), l = g_median_ms.find("Lx/" + name);
    if (n == g_median_ms.end() || l == g_median_ms.end()) {
      fmt::print("{:<14} skipped\n", name);
      continue;
    }
    fmt::print("{:<14} {:>12.1f} {:>12.1f} {:>9.2f}x\n", name, n->second, l->second, l->second / n->second);
  }
  if (g_provider_kib >= 0) {
    fmt::print("\npython3 sleeping: native VmRSS {} KiB; lx provider VmRSS {} KiB, guest host process VmRSS {} KiB",
               g_native_kib, g_provider_kib, g_guest_kib);
    if (g_native_kib > 0 && g_guest_kib > 0)
      fmt::print(" (guest/native {:.2f}x, provider+guest/native {:.2f}x)", double(g_guest_kib) / g_native_kib,
                 double(g_guest_kib + g_provider_kib) / g_native_kib);
    fmt::print("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--lx=", 0) == 0)
      g_opt.lx = a.substr(5);
    else if (a.rfind("--runs=", 0) == 0)
      g_opt.runs = std::max(1, std::atoi(a.c_str() + 7));
    else if (a.rfind("--sleep_s=", 0) == 0)
      g_opt.sleep_s = std::max(1, std::atoi(a.c_str() + 10));
    else
      rest.push_back(argv[i]);
  }
  for (const char* runner : {"Native", "Lx"})
    for (const auto& [name, prog] : workloads())
      benchmark::RegisterBenchmark((std::string(runner) + "/" + name).c_str(), BM_Program, runner, name)
          ->UseManualTime()
          ->Iterations(g_opt.runs)
          ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Rss/python3_sleep", BM_Rss)->UseManualTime()->Iterations(1);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_summary();
  return g_errors.empty() ? 0 : 1;
}
