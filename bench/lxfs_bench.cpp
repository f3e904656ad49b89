// lxfs_bench: file-tree work natively on the host and under lx on an lxfs
// root (`lx run --lxfs`), the same commands in both:
//
//   <Native|Lx>/untar_10k      tar xf of a 10,000-file tree (500 dirs x 20 files of
//                              0-4 KiB, one symlink per directory among them)
//   <Native|Lx>/find_xargs_stat  cd tree && find . | xargs stat > /dev/null
//
// Each untar goes to a fresh directory (native: a host directory; lx: a new
// lxfs root, host /usr bound read-only, host /dev bound, the tarball's
// directory bound at /src); find|stat walks the tree the last untar made. Wall time per run is
// the manual time; a summary with the lx/native ratios follows (issue 5's
// target: <= 3x).
//
// Own flags: --lx=PATH (default: the lx built alongside), --runs=N (5),
// --lx-before=PATH (an older lx, run as <Before|...> in the same run, for
// before/after figures),
// --files=N (10000, rounded to whole directories of 20).
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
  std::string lx_before;  // optional: a second lx to compare against
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

// The tarball, made once natively: g_work/src/tree.tar. Each directory
// holds 19 files of 0-4 KiB (sizes vary with the name) and one symlink.
// Python writes the tree (a shell loop would fork 10,000 times).
bool make_tarball() {
  const int dirs = std::max(1, g_opt.files / 20);
  return sh(fmt::format(
      "set -e; cd '{0}'; mkdir -p src gen; /usr/bin/python3 -c '\n"
      "import os\n"
      "blob = os.urandom(4096)\n"
      "for d in range(1, {1} + 1):\n"
      "    os.mkdir(\"gen/t%d\" % d)\n"
      "    for f in range(1, 20):\n"
      "        with open(\"gen/t%d/f%d\" % (d, f), \"wb\") as o: o.write(blob[:(d * 19 + f) * 211 % 4097])\n"
      "    os.symlink(\"f1\", \"gen/t%d/link\" % d)\n"
      "'; cd gen; tar cf ../src/tree.tar .; cd ..; rm -rf gen",
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

// Which program runs the workload.
enum class Runner { Native, Lx, Before };
const char* runner_name(Runner r) { return r == Runner::Native ? "Native" : r == Runner::Lx ? "Lx" : "Before"; }

Argv lx_argv(Runner r, const std::string& root, const std::string& script) {
  // The host's /dev for /dev/null (lx has no devfs of its own yet).
  return {r == Runner::Before ? g_opt.lx_before : g_opt.lx, "run", "--lxfs", root, "--bind", "/usr:/usr:ro", "--bind", "/dev:/dev", "--bind",
          g_work + "/src:/src:ro", "--",
          "/bin/sh", "-c", script};
}

std::map<Runner, std::string> g_tree;  // where each runner's last untar went (lx: the lxfs root)
std::map<std::string, double> g_median_ms;
std::map<std::string, std::string> g_errors;

void record(benchmark::State& state, const std::string& key, const std::vector<double>& times) {
  if (times.empty()) return;
  std::vector<double> t = times;
  std::sort(t.begin(), t.end());
  g_median_ms[key] = t[t.size() / 2] * 1000;
  state.counters["files"] = g_opt.files;
}

void BM_Untar(benchmark::State& state, Runner r) {
  std::vector<double> times;
  const std::string name = runner_name(r);
  for (auto _ : state) {
    Argv argv;
    if (r != Runner::Native) {
      g_tree[r] = new_lxfs_root();
      argv = lx_argv(r, g_tree[r], "tar xf /src/tree.tar -C /w");
    } else {
      g_tree[r] = fmt::format("{}/native{}", g_work, g_serial++);
      sh("mkdir -p '" + g_tree[r] + "'");
      argv = {"/bin/sh", "-c", "tar xf '" + g_work + "/src/tree.tar' -C '" + g_tree[r] + "'"};
    }
    const double s = run_once(argv);
    if (s < 0) {
      g_errors[name + "/untar"] = "failed";
      state.SkipWithError("untar failed");
      break;
    }
    times.push_back(s);
    state.SetIterationTime(s);
  }
  record(state, name + "/untar_10k", times);
}

void BM_FindStat(benchmark::State& state, Runner r) {
  std::vector<double> times;
  const std::string name = runner_name(r);
  const std::string script = "cd {} && find . | xargs stat > /dev/null";
  for (auto _ : state) {
    const Argv argv = r != Runner::Native ? lx_argv(r, g_tree[r], fmt::format(fmt::runtime(script), "/w"))
                                          : Argv{"/bin/sh", "-c", fmt::format(fmt::runtime(script), g_tree[r])};
    const double s = run_once(argv);
    if (s < 0) {
      g_errors[name + "/find"] = "failed";
      state.SkipWithError("find | xargs stat failed");
      break;
    }
    times.push_back(s);
    state.SetIterationTime(s);
  }
  record(state, name + "/find_xargs_stat", times);
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
    auto b = g_median_ms.find(std::string("Before/") + name);
    if (b != g_median_ms.end())
      fmt::print("{:<18} {:>12.1f} {:>12.1f} {:>9.2f}x  (--lx-before)\n", "", n->second, b->second,
                 b->second / n->second);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--lx=", 0) == 0)
      g_opt.lx = a.substr(5);
    else if (a.rfind("--lx-before=", 0) == 0)
      g_opt.lx_before = a.substr(12);
    else if (a.rfind("--runs=", 0) == 0)
      g_opt.runs = std::max(1, std::atoi(a.c_str() + 7));
    else if (a.rfind("--files=", 0) == 0)
      g_opt.files = std::max(20, std::atoi(a.c_str() + 8)) / 20 * 20;
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
  std::vector<Runner> runners{Runner::Native, Runner::Lx};
  if (!g_opt.lx_before.empty()) runners.push_back(Runner::Before);
  for (Runner r : runners) {
    const std::string name = runner_name(r);
    benchmark::RegisterBenchmark((name + "/untar_10k").c_str(), BM_Untar, r)->UseManualTime()->Iterations(g_opt.runs)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((name + "/find_xargs_stat").c_str(), BM_FindStat, r)->UseManualTime()
        ->Iterations(g_opt.runs)->Unit(benchmark::kMillisecond);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_summary();
  sh("rm -rf '" + g_work + "'");
  return g_errors.empty() ? 0 : 1;
}
