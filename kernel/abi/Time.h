// Linux x86-64 time structures used by sleeps, itimers and POSIX timers
// (struct timespec itself is abi::Timespec in Linux.h).
#pragma once

#include <cstdint>

#include "kernel/abi/Linux.h"

namespace lx::abi {

struct Timeval {
  int64_t tv_sec;
  int64_t tv_usec;
};

struct Itimerval {  // setitimer/getitimer: the interval comes first
  Timeval it_interval;
  Timeval it_value;
};
static_assert(sizeof(Itimerval) == 32);

struct Itimerspec {  // timer_settime/timer_gettime
  Timespec it_interval;
  Timespec it_value;
};
static_assert(sizeof(Itimerspec) == 32);

struct Sigevent {  // struct sigevent (64 bytes); only the members the kernel reads
  uint64_t value;     // sigev_value
  int32_t signo;      // sigev_signo
  int32_t notify;     // sigev_notify
  int32_t thread_id;  // sigev_notify_thread_id (SIGEV_THREAD_ID)
  uint8_t pad[44];
};
static_assert(sizeof(Sigevent) == 64);

constexpr int kSigevSignal = 0, kSigevNone = 1, kSigevThread = 2, kSigevThreadId = 4;
constexpr int kTimerAbstime = 1;

}  // namespace lx::abi
