// select(2) and pselect6(2) on top of the same readiness as poll(2).
#include <bit>
#include <vector>

#include "kernel/Task.h"
#include "kernel/syscalls/PollCommon.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

constexpr unsigned kDefaultPollMask = abi::kPollIn | abi::kPollOut | abi::kPollRdnorm | abi::kPollWrnorm;

// Bits in an fd_set word.
constexpr int kWordBits = 64;

// fdt->max_fds: the size Linux's fd table has grown to, above which select
// ignores set bits. It starts at 64 slots and grows (never shrinks) to
// 128 * 2^k slots to hold the highest fd used.
int linux_table_size(const FdTable& fds) {
  const int highest = fds.extent() - 1;
  if (highest < kWordBits) return kWordBits;
  return static_cast<int>(std::bit_ceil(static_cast<unsigned>(highest / 128 + 1)) * 128);
}

// The three fd sets of one call, as words.
struct FdSets {
  std::vector<uint64_t> in, out, ex;
};

Result<std::vector<uint64_t>> read_set(Task& task, uint64_t addr, size_t words) {
  std::vector<uint64_t> set(words, 0);
  if (addr) TRY(task.mem().copy_in(addr, set.data(), words * sizeof(uint64_t)));
  return set;
}

Result<void> write_set(Task& task, uint64_t addr, const std::vector<uint64_t>& set) {
  if (addr) TRY(task.mem().copy_out(addr, set.data(), set.size() * sizeof(uint64_t)));
  return {};
}

bool bit(const std::vector<uint64_t>& set, int fd) { return (set[fd / kWordBits] >> (fd % kWordBits)) & 1; }
void set_bit(std::vector<uint64_t>& set, int fd) { set[fd / kWordBits] |= uint64_t{1} << (fd % kWordBits); }

// core_sys_select.
Result<long> do_select(Task& task, const SyscallArgs& a, const std::optional<PollTimeout>& timeout) {
  int n = arg_int(a[0]);
  if (n < 0) return err(EINVAL);
  n = std::min(n, linux_table_size(task.fds()));
  const size_t words = (static_cast<size_t>(n) + kWordBits - 1) / kWordBits;
  // One TRY per statement: an early return out of a TRY inside a braced
  // initializer skips the destructors of the members built before it.
  FdSets want;
  want.in = TRY(read_set(task, a[1], words));
  want.out = TRY(read_set(task, a[2], words));
  want.ex = TRY(read_set(task, a[3], words));
  // Every fd named in any set must be open (max_select_fd).
  std::vector<OpenFileRef> files(static_cast<size_t>(n));
  PollWaitSet waits;
  for (int fd = 0; fd < n; ++fd) {
    const bool r = bit(want.in, fd), w = bit(want.out, fd), x = bit(want.ex, fd);
    if (!r && !w && !x) continue;
    OpenFileRef f = TRY(task.fds().get(fd));
    if (!f->is_path()) waits.add(*f, (r ? kSelectIn : 0) | (w ? kSelectOut : 0) | (x ? kSelectEx : 0));
    files[fd] = std::move(f);
  }
  FdSets got;
  long count = 0;
  auto evaluate = [&] {
    got = FdSets{std::vector<uint64_t>(words), std::vector<uint64_t>(words), std::vector<uint64_t>(words)};
    count = 0;
    for (int fd = 0; fd < n; ++fd) {
      if (!files[fd]) continue;
      // An O_PATH file has no poll method: select sees DEFAULT_POLLMASK
      // (while poll(2) says POLLNVAL).
      const unsigned mask = files[fd]->is_path() ? kDefaultPollMask : files[fd]->poll_events();
      if (bit(want.in, fd) && (mask & kSelectIn)) set_bit(got.in, fd), ++count;
      if (bit(want.out, fd) && (mask & kSelectOut)) set_bit(got.out, fd), ++count;
      if (bit(want.ex, fd) && (mask & kSelectEx)) set_bit(got.ex, fd), ++count;
    }
    return count > 0;
  };
  Result<void> waited = waits.wait(task, evaluate, timeout ? timeout->deadline : Deadline::never());
  // Interrupted before anything was ready: the sets are left alone.
  if (!waited.ok() && waited.error() != ETIMEDOUT) return err(waited.error());
  TRY(write_set(task, a[1], got.in));
  TRY(write_set(task, a[2], got.out));
  TRY(write_set(task, a[3], got.ex));
  return count;
}

// poll_select_finish for select's timeval and pselect6's timespec.
template <typename T>
Result<long> finish(Task& task, uint64_t addr, const std::optional<PollTimeout>& timeout, Result<long> ret) {
  if (!timeout || timeout->zero) return ret;
  const abi::Timespec left = remaining(*timeout);
  T out;
  if constexpr (std::is_same_v<T, abi::Timeval>)
    out = {left.tv_sec, left.tv_nsec / 1000};
  else
    out = left;
  if (task.mem().write(UserPtr<T>{addr}, out).ok()) return ret;
  // The remaining time could not be stored: a restart would wait too long.
  if (!ret.ok() && ret.error() == kErestartnohand) return err(EINTR);
  return ret;
}

Result<long> sys_select(Task& task, const SyscallArgs& a) {
  std::optional<PollTimeout> timeout;
  if (a[4]) {
    const abi::Timeval tv = TRY(task.mem().read(UserPtr<abi::Timeval>{a[4]}));
    // Microseconds beyond a second carry into the seconds; negative ones
    // make an invalid timespec.
    timeout = TRY(poll_timeout({tv.tv_sec + tv.tv_usec / 1000000, (tv.tv_usec % 1000000) * 1000}));
  }
  return finish<abi::Timeval>(task, a[4], timeout, do_select(task, a, timeout));
}

Result<long> sys_pselect6(Task& task, const SyscallArgs& a) {
  // The sixth argument points at {const sigset_t *ss; size_t ss_len}.
  struct SigsetArg {
    uint64_t ss;
    uint64_t len;
  };
  SigsetArg sig{0, 0};
  if (a[5]) sig = TRY(task.mem().read(UserPtr<SigsetArg>{a[5]}));
  std::optional<PollTimeout> timeout;
  if (a[4]) timeout = TRY(poll_timeout(TRY(task.mem().read(UserPtr<abi::Timespec>{a[4]}))));
  TempSigmask mask;
  TRY(mask.install(task, sig.ss, sig.len));
  Result<long> ret = do_select(task, a, timeout);
  mask.finish(task, ret);
  return finish<abi::Timespec>(task, a[4], timeout, ret);
}

}  // namespace

void register_select(SyscallTable& t) {
  using A = Arg;
  t.add(23, "select", Support::Full, sys_select, {A::Int, A::Ptr, A::Ptr, A::Ptr, A::Ptr});
  t.add(270, "pselect6", Support::Full, sys_pselect6, {A::Int, A::Ptr, A::Ptr, A::Ptr, A::Ptr, A::Ptr});
}

}  // namespace lx
