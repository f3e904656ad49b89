// poll(2)/epoll(7) event bits as the x86-64 ABI defines them (the POLL* and
// EPOLL* values coincide for the bits below), and select(2)'s fd_set size.
#pragma once

#include <cstdint>

namespace lx::abi {

constexpr unsigned kPollIn = 0x0001;
constexpr unsigned kPollPri = 0x0002;
constexpr unsigned kPollOut = 0x0004;
constexpr unsigned kPollErr = 0x0008;
constexpr unsigned kPollHup = 0x0010;
constexpr unsigned kPollNval = 0x0020;
constexpr unsigned kPollRdnorm = 0x0040;
constexpr unsigned kPollRdband = 0x0080;
constexpr unsigned kPollWrnorm = 0x0100;
constexpr unsigned kPollWrband = 0x0200;
constexpr unsigned kPollMsg = 0x0400;
constexpr unsigned kPollRdhup = 0x2000;

// What "readable" and "writable" mean to a blocked read or write.
constexpr unsigned kPollReadable = kPollIn | kPollRdnorm | kPollHup | kPollErr;
constexpr unsigned kPollWritable = kPollOut | kPollWrnorm | kPollErr;

struct PollFd {  // struct pollfd
  int32_t fd;
  int16_t events;
  int16_t revents;
};
static_assert(sizeof(PollFd) == 8);

struct Timeval {  // struct timeval
  int64_t tv_sec;
  int64_t tv_usec;
};

}  // namespace lx::abi
