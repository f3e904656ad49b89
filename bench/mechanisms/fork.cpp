// g_Fork: what process creation by fork costs with lxcore's Linux backend,
// at the host level (no personality): Thread::fork_process + the child's
// first run up to its first trapped syscall + kill, against a native fork of
// the benchmark process whose child exits at once, both reaped. `mib` is
// private memory the parent has touched, so page-table copying shows.
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "common.h"
#include "pico/linux/LinuxHost.h"

namespace lxbench {
namespace {

constexpr uint64_t kCode = 0x10000000;
constexpr uint64_t kHeap = 0x20000000;
constexpr uint64_t kMiB = 1 << 20;

void BM_NativeFork(benchmark::State& state) {
  const uint64_t bytes = static_cast<uint64_t>(state.range(0)) * kMiB;
  void* mem = nullptr;
  if (bytes) {
    mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
      fail(state, "mmap failed");
      return;
    }
    std::memset(mem, 1, bytes);
  }
  for (auto _ : state) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
      fail(state, "fork/wait failed");
      break;
    }
  }
  if (mem) munmap(mem, bytes);
}

void BM_PicoFork(benchmark::State& state) {
  const uint64_t bytes = static_cast<uint64_t>(state.range(0)) * kMiB;
  auto host = pico::LinuxHost::create();
  if (!host.ok()) {
    fail(state, "LinuxHost::create failed");
    return;
  }
  auto created = host.value()->create_process();
  if (!created.ok()) {
    fail(state, "create_process failed");
    return;
  }
  pico::Process& proc = *created.value();
  pico::Thread& t = proc.main_thread();
  // mov $57,%eax; syscall; mov $39,%eax; syscall; jmp .
  const uint8_t code[] = {0xb8, 57, 0, 0, 0, 0x0f, 0x05, 0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xfe};
  bool ok = t.map_anonymous(kCode, 0x1000, pico::kProtRead | pico::kProtWrite).ok() &&
            proc.write_memory(kCode, code, sizeof code).ok() &&
            t.protect(kCode, 0x1000, pico::kProtRead | pico::kProtExec).ok();
  if (ok && bytes) {
    ok = t.map_anonymous(kHeap, bytes, pico::kProtRead | pico::kProtWrite).ok();
    std::string ones(kMiB, '\1');
    for (uint64_t off = 0; ok && off < bytes; off += kMiB) ok = proc.write_memory(kHeap + off, ones.data(), kMiB).ok();
  }
  t.regs() = {};
  t.regs().rip = kCode;
  pico::Event ev = ok ? t.run() : pico::Event{};
  if (!ok || ev.kind != pico::EventKind::Syscall || ev.syscall_nr != 57) {
    fail(state, "guest setup failed");
    return;
  }
  for (auto _ : state) {
    auto child = t.fork_process();
    if (!child.ok()) {
      fail(state, "fork_process: " + std::string(strerror(child.error())));
      break;
    }
    pico::Thread& ct = child.value()->main_thread();
    ct.regs().rax = 0;
    ev = ct.run();
    if (ev.kind != pico::EventKind::Syscall || ev.syscall_nr != 39) {
      fail(state, "the child did not reach its first syscall");
      break;
    }
    child.value()->kill();
  }
}

}  // namespace

BENCHMARK(BM_NativeFork)->Name("g_Fork/native")->ArgName("mib")->Arg(0)->Arg(64)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PicoFork)->Name("g_Fork/pico")->ArgName("mib")->Arg(0)->Arg(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace lxbench
