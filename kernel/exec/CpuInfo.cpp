#include "kernel/exec/CpuInfo.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace lx {

uint64_t cpu_hwcap() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d)) return d;
#endif
  return 0;
}

uint64_t cpu_min_sigstack_size() {
  // Without xsave the FPU state is the 512-byte fxsave image. The frame
  // overhead (ucontext, siginfo, return address, alignment slack) is what
  // Linux 6.x adds on top of the xstate size; it matches the host kernel's
  // AT_MINSIGSTKSZ on the machines we checked.
  constexpr uint64_t kFrameOverhead = 944;
  uint64_t xstate = 512;
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  constexpr unsigned kOsXsave = 1u << 27;
  if (__get_cpuid(1, &a, &b, &c, &d) && (c & kOsXsave) && __get_cpuid_max(0, nullptr) >= 0xd) {
    __cpuid_count(0xd, 0, a, b, c, d);
    if (b != 0) xstate = b;
  }
#endif
  return (xstate + kFrameOverhead + 15) & ~uint64_t{15};
}

}  // namespace lx
