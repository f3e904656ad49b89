// What the auxiliary vector reports about the CPU: the values x86-64 Linux
// derives from cpuid for AT_HWCAP and AT_MINSIGSTKSZ.
#pragma once

#include <cstdint>

namespace lx {

// CPUID.1:EDX, which x86 Linux passes through as AT_HWCAP.
uint64_t cpu_hwcap();
// Bytes a signal frame needs: the xsave area plus the rt_sigframe around it.
uint64_t cpu_min_sigstack_size();

}  // namespace lx
