// lxfs_bench: file-tree work natively on the host and under lx on an lxfs
// root (`lx run --lxfs`), the same commands in both:
//
//   <Native|Lx>/untar_10k      tar xf of a 10,000-file tree (100 dirs x 100 files)
//   <Native|Lx>/find_xargs_stat  cd tree && find . | xargs stat > /dev/null
//
// Each untar goes to a fresh directory (native: a host directory; lx: a new
// lxfs root, host /usr bound read-only, host /dev bound, the tarball's
// directory bound at /src); find|stat walks the tree the last untar made. Wall time per run is
// the manual time; a summary with the lx/native ratios follows (issue 5's
// target: <= 3x).
//
// Own flags: --lx=PATH (default: the lx built alongside), --runs=N (5),
// --files=N (10000, rounded to whole directories of 100).
#include <benchmark/benchmark.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <string>
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
  int files = 10000;
} g_opt;

using Argv = std::vector<std::string>;

std::string g_work;  // scratch directory holding everything
int g_serial = 0;

bool sh(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }

double run_once(const Argv& argv) {
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 1);
    dup2(null, 2);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  const auto t1 = std::chrono::steady_clock::now();
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
  return std::chrono::duration<double>(t1 - t0).count();
}

// The tarball, made once: g_work/src/tree.tar.
bool make_tarball() {
  const int dirs = std::max(1, g_opt.files / 100);
  return sh(fmt::format(
      "set -e; cd '{0}'; mkdir -p src gen; cd gen; for d in $(seq 1 {1}); do mkdir t$d; "
      "for f in $(seq 1 100); do echo \"file $d $f\" > t$d/f$f; done; done; "
      "tar cf ../src/tree.tar .; cd ..; rm -rf gen",
      g_work, dirs));
}

// A fresh lxfs root for the guest; returns its host path.
std::string new_lxfs_root() {
  const std::string r = fmt::format("{}/lxfs{}", g_work, g_serial++);
  sh(fmt::format("set -e; mkdir -p '{0}'/usr '{0}'/src '{0}'/tmp '{0}'/w '{0}'/dev; chmod 755 '{0}'; "
                 "for d in bin lib lib64 sbin; do ln -s usr/$d '{0}'/$d; done",
                 r));
  return r;
}

Argv lx_argv(const std::string& root, const std::string& script) {
  // The host's /dev for /dev/null (lx has no devfs of its own yet).
  return {g_opt.lx, "run", "--lxfs", root, "--bind", "/usr:/usr:ro", "--bind", "/dev:/dev", "--bind",
          g_work + "/src:/src:ro", "--",
          "/bin/sh", "-c", script};
}

std::string g_native_tree, g_lx_root;  // where the last untar went
std::map<std::string, double> g_median_ms;
std::map<std::string, std::string> g_errors;

void record(benchmark::State& state, const std::string& key, const std::vector<double>& times) {
  if (times.empty()) return;
  std::vector<double> t = times;
  std::sort(t.begin(), t.end());
  g_median_ms[key] = t[t.size() / 2] * 1000;
  state.counters["files"] = g_opt.files;
}

void BM_Untar(benchmark::State& state, bool lx) {
  std::vector<double> times;
  for (auto _ : state) {
    Argv argv;
    if (lx) {
      g_lx_root = new_lxfs_root();
      argv = lx_argv(g_lx_root, "tar xf /src/tree.tar -C /w");
    } else {
      g_native_tree = fmt::format("{}/native{}", g_work, g_serial++);
      sh("mkdir -p '" + g_native_tree + "'");
      argv = {"/bin/sh", "-c", "tar xf '" + g_work + "/src/tree.tar' -C '" + g_native_tree + "'"};
    }
    const double s = run_once(argv);
    if (s < 0) {
      g_errors[lx ? "Lx/untar" : "Native/untar"] = "failed";
      state.SkipWithError("untar failed");
      break;
    }
    times.push_back(s);
    state.SetIterationTime(s);
  }
  record(state, lx ? "Lx/untar_10k" : "Native/untar_10k", times);
}

void BM_FindStat(benchmark::State& state, bool lx) {
  std::vector<double> times;
  const std::string script = "cd {} && find . | xargs stat > /dev/null";
  for (auto _ : state) {
    const Argv argv = lx ? lx_argv(g_lx_root, fmt::format(fmt::runtime(script), "/w"))
                         : Argv{"/bin/sh", "-c", fmt::format(fmt::runtime(script), g_native_tree)};
    const double s = run_once(argv);
    if (s < 0) {
      g_errors[lx ? "Lx/find" : "Native/find"] = "failed";
      state.SkipWithError("find | xargs stat failed");
      break;
    }
    times.push_back(s);
    state.SetIterationTime(s);
  }
  record(state, lx ? "Lx/find_xargs_stat" : "Native/find_xargs_stat", times);
}

void print_summary() {
  fmt::print("\nlxfs summary ({} files, median wall time of {} run(s))\n", g_opt.files, g_opt.runs);
  fmt::print("{:<18} {:>12} {:>12} {:>10}\n", "workload", "native ms", "lx ms", "lx/native");
  for (const char* name : {"untar_10k", "find_xargs_stat"}) {
    auto n = g_median_ms.find(std::string("Native/") + name), l = g_median_ms.find(std::string("Lx/") + name);
    if (n == g_median_ms.end() || l == g_median_ms.end()) {
      fmt::print("{:<18} skipped\n", name);
      continue;
    }
    fmt::print("{:<18} {:>12.1f} {:>12.1f} {:>9.2f}x\n", name, n->second, l->second, l->second / n->second);
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
    else if (a.rfind("--files=", 0) == 0)
      g_opt.files = std::max(100, std::atoi(a.c_str() + 8)) / 100 * 100;
    else
      rest.push_back(argv[i]);
  }
  char tmpl[] = "/tmp/lxfs-bench.XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  g_work = tmpl;
  if (!make_tarball()) {
    fmt::print(stderr, "lxfs_bench: cannot make the tarball in {}\n", g_work);
    return 1;
  }
  // Order matters: each find|stat walks the tree its untar made.
  benchmark::RegisterBenchmark("Native/untar_10k", BM_Untar, false)->UseManualTime()->Iterations(g_opt.runs)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Native/find_xargs_stat", BM_FindStat, false)->UseManualTime()
      ->Iterations(g_opt.runs)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Lx/untar_10k", BM_Untar, true)->UseManualTime()->Iterations(g_opt.runs)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("Lx/find_xargs_stat", BM_FindStat, true)->UseManualTime()->Iterations(g_opt.runs)
      ->Unit(benchmark::kMillisecond);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_summary();
  sh("rm -rf '" + g_work + "'");
  return g_errors.empty() ? 0 : 1;
}
