// lx_mechanism_bench: per-syscall round trip of each candidate trap
// mechanism, all emulating getppid. The benchmarks register themselves
// from the per-mechanism files; main only adds the exit status.
#include "common.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Google Benchmark exits 0 even when a benchmark errored; a broken
  // mechanism must fail the smoke test instead of rotting quietly.
  return lxbench::any_failed() ? 1 : 0;
}
