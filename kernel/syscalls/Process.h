// Process-level setup shared by the loader and the process syscalls.
#pragma once

#include <cstdint>

#include "kernel/Task.h"

namespace lx {

// RLIMIT_* numbers (x86-64 Linux).
enum RlimitResource : int {
  kRlimitCpu = 0, kRlimitFsize, kRlimitData, kRlimitStack, kRlimitCore, kRlimitRss,
  kRlimitNproc, kRlimitNofile, kRlimitMemlock, kRlimitAs, kRlimitLocks, kRlimitSigpending,
  kRlimitMsgqueue, kRlimitNice, kRlimitRtprio, kRlimitRttime,
};
static_assert(kRlimitRttime + 1 == kRlimitCount);

// fs.nr_open: the ceiling for RLIMIT_NOFILE, even for root.
constexpr uint64_t kNrOpen = 1048576;

// Fills tg.rlimits with what a fresh Debian login sees, and sizes the fd
// table to match RLIMIT_NOFILE. Call once when a thread group is created
// from nothing (fork/exec inherit limits instead).
void init_default_rlimits(ThreadGroup& tg);

}  // namespace lx
