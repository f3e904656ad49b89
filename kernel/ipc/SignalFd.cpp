#include "kernel/ipc/SignalFd.h"

#include <cstring>

#include "kernel/CurrentTask.h"
#include "kernel/Task.h"
#include "kernel/abi/Poll.h"
#include "kernel/ipc/AnonInode.h"

namespace lx {

namespace {

constexpr int kSiSigio = -5;

template <typename T>
T field(const SigInfo& i, size_t off) {
  T v;
  std::memcpy(&v, i.fields + off, sizeof v);
  return v;
}

// The signal of the lowest number in `mask` pending for t, thread-directed
// before process-directed; 0 if none.
int next_signal(Task& t, uint64_t mask, PendingSignals*& from) {
  if (uint64_t own = t.pending.set & mask) {
    from = &t.pending;
    return __builtin_ctzll(own) + 1;
  }
  if (uint64_t shared = t.tg().shared_pending.set & mask) {
    from = &t.tg().shared_pending;
    return __builtin_ctzll(shared) + 1;
  }
  return 0;
}

}  // namespace

SignalfdSiginfo to_signalfd_siginfo(const SigInfo& info) {
  SignalfdSiginfo s{};
  s.ssi_signo = static_cast<uint32_t>(info.signo);
  s.ssi_errno = info.errno_;
  s.ssi_code = info.code;
  // siginfo_layout(): kernel-generated codes (0 < code < SI_KERNEL) are
  // laid out per signal; the rest by code.
  const int sig = info.signo, code = info.code;
  if (code > kSiUser && code < kSiKernel) {
    if (sig == kSigIll || sig == kSigFpe || sig == kSigSegv || sig == kSigBus || sig == kSigTrap) {
      s.ssi_addr = field<uint64_t>(info, 0);
    } else if (sig == kSigChld) {
      s.ssi_pid = field<uint32_t>(info, 0);
      s.ssi_uid = field<uint32_t>(info, 4);
      s.ssi_status = field<int32_t>(info, 8);
      s.ssi_utime = field<uint64_t>(info, 16);
      s.ssi_stime = field<uint64_t>(info, 24);
    } else if (sig == kSigIo) {
      s.ssi_band = static_cast<uint32_t>(field<int64_t>(info, 0));
      s.ssi_fd = field<int32_t>(info, 8);
    } else {
      s.ssi_pid = field<uint32_t>(info, 0);
      s.ssi_uid = field<uint32_t>(info, 4);
    }
  } else if (code == kSiTimer) {
    s.ssi_tid = field<uint32_t>(info, 0);
    s.ssi_overrun = field<uint32_t>(info, 4);
    s.ssi_ptr = field<uint64_t>(info, 8);
    s.ssi_int = field<int32_t>(info, 8);
  } else if (code == kSiSigio) {
    s.ssi_band = static_cast<uint32_t>(field<int64_t>(info, 0));
    s.ssi_fd = field<int32_t>(info, 8);
  } else if (code < 0) {  // SI_QUEUE, SI_TKILL, ...: pid, uid and the value
    s.ssi_pid = field<uint32_t>(info, 0);
    s.ssi_uid = field<uint32_t>(info, 4);
    s.ssi_ptr = field<uint64_t>(info, 8);
    s.ssi_int = field<int32_t>(info, 8);
  } else {  // SI_USER, SI_KERNEL
    s.ssi_pid = field<uint32_t>(info, 0);
    s.ssi_uid = field<uint32_t>(info, 4);
  }
  return s;
}

Result<uint64_t> SignalFd::read(std::span<uint8_t> buf) {
  const size_t count = buf.size() / sizeof(SignalfdSiginfo);
  if (count == 0) return err(EINVAL);
  Task* t = current_task();
  if (!t) return err(EAGAIN);
  size_t n = 0;
  for (; n < count; ++n) {
    PendingSignals* from = nullptr;
    const int sig = next_signal(*t, mask_, from);
    if (!sig) break;
    const SignalfdSiginfo s = to_signalfd_siginfo(from->take(sig));
    std::memcpy(buf.data() + n * sizeof s, &s, sizeof s);
  }
  if (n == 0) return err(EAGAIN);
  return n * sizeof(SignalfdSiginfo);
}

Result<abi::Stat> SignalFd::stat() { return anon_inode_stat(); }

unsigned SignalFd::poll_events() {
  Task* t = current_task();
  if (!t) return 0;
  PendingSignals* from = nullptr;
  return next_signal(*t, mask_, from) ? abi::kPollIn : 0;
}

WaitQueue* SignalFd::wait_queue() {
  Task* t = current_task();
  return t ? &t->tg().signalfd_wait : nullptr;
}

SignalFd* as_signalfd(OpenFile& f) { return dynamic_cast<SignalFd*>(&f); }

}  // namespace lx
