// A signalfd (signalfd(2)): reading it dequeues pending signals in its mask
// from the reading task (thread-directed first, then process-directed) as
// signalfd_siginfo records. Like Linux, readiness and reads are relative to
// the task looking (the current task), not to the creator; the file only
// holds the mask. Wake-ups come from the group's signalfd_wait queue, which
// signal generation (signal/Send.cpp) wakes. Guarded by the big lock.
#pragma once

#include <cstdint>

#include "kernel/signal/SigInfo.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

struct SignalfdSiginfo {  // struct signalfd_siginfo (128 bytes)
  uint32_t ssi_signo;
  int32_t ssi_errno;
  int32_t ssi_code;
  uint32_t ssi_pid;
  uint32_t ssi_uid;
  int32_t ssi_fd;
  uint32_t ssi_tid;
  uint32_t ssi_band;
  uint32_t ssi_overrun;
  uint32_t ssi_trapno;
  int32_t ssi_status;
  int32_t ssi_int;
  uint64_t ssi_ptr;
  uint64_t ssi_utime;
  uint64_t ssi_stime;
  uint64_t ssi_addr;
  uint16_t ssi_addr_lsb;
  uint8_t pad[46];
};
static_assert(sizeof(SignalfdSiginfo) == 128);

// signalfd_copyinfo: the fields Linux fills for the siginfo's layout.
SignalfdSiginfo to_signalfd_siginfo(const SigInfo& info);

class SignalFd final : public OpenFile {
 public:
  SignalFd(uint64_t mask, int status_flags) : mask_(mask) { set_status_flags(status_flags); }

  void set_mask(uint64_t mask) { mask_ = mask; }

  Result<uint64_t> read(std::span<uint8_t> buf) override;
  Result<abi::Stat> stat() override;
  unsigned poll_events() override;
  WaitQueue* wait_queue() override;

 private:
  uint64_t mask_;  // never holds SIGKILL/SIGSTOP
};

SignalFd* as_signalfd(OpenFile& f);

}  // namespace lx
