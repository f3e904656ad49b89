#include "kernel/ipc/EventFd.h"

#include <cstring>

#include "kernel/abi/Poll.h"
#include "kernel/ipc/AnonInode.h"

namespace lx {

namespace {
// The counter never reaches this: it is what a write would overflow to
// (ULLONG_MAX is reserved for the POLLERR overflow state).
constexpr uint64_t kMax = UINT64_MAX - 1;
}  // namespace

EventFd::EventFd(uint64_t initial, bool semaphore, int status_flags) : count_(initial), semaphore_(semaphore) {
  set_status_flags(status_flags);
}

Result<uint64_t> EventFd::read(std::span<uint8_t> buf) {
  if (buf.size() < sizeof(uint64_t)) return err(EINVAL);
  if (count_ == 0) return err(EAGAIN);
  const uint64_t v = semaphore_ ? 1 : count_;
  count_ -= v;
  std::memcpy(buf.data(), &v, sizeof v);
  queue_.wake_all();  // room for writers
  return sizeof v;
}

Result<uint64_t> EventFd::write(std::span<const uint8_t> buf) {
  if (buf.size() < sizeof(uint64_t)) return err(EINVAL);
  uint64_t v;
  std::memcpy(&v, buf.data(), sizeof v);
  if (v == UINT64_MAX) return err(EINVAL);
  if (v > kMax - count_) return err(EAGAIN);
  count_ += v;
  // A zero write changes nothing but still wakes, as Linux does (an
  // edge-triggered epoll watcher sees it).
  queue_.wake_all();
  return sizeof v;
}

Result<abi::Stat> EventFd::stat() { return anon_inode_stat(); }

unsigned EventFd::poll_events() {
  unsigned ev = 0;
  if (count_ > 0) ev |= abi::kPollIn;  // eventfd_poll reports neither RDNORM nor WRNORM
  if (count_ < kMax) ev |= abi::kPollOut;
  return ev;
}

}  // namespace lx
