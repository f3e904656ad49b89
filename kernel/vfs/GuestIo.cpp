#include "kernel/vfs/GuestIo.h"

#include <algorithm>

#include "kernel/net/SocketIo.h"
#include "kernel/vfs/FileWait.h"
#include "kernel/vfs/FsNotify.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

Result<std::vector<abi::Iovec>> read_guest_iovec(const GuestMemory& mem, uint64_t addr, uint64_t count_arg) {
  // The kernel narrows the segment count to unsigned int: 2^40 means zero.
  const uint64_t count = static_cast<uint32_t>(count_arg);
  if (count > static_cast<uint64_t>(abi::kIovMax)) return err(EINVAL);
  std::vector<abi::Iovec> iov(count);
  TRY(mem.copy_in(addr, iov.data(), count * sizeof(abi::Iovec)));
  uint64_t total = 0;
  for (auto& v : iov) {
    if (v.len > abi::kMaxRwCount - total) {
      if (static_cast<int64_t>(v.len) < 0) return err(EINVAL);
      v.len = abi::kMaxRwCount - total;
    }
    total += v.len;
  }
  return iov;
}

uint64_t iovec_total(std::span<const abi::Iovec> iov) {
  uint64_t total = 0;
  for (const auto& v : iov) total += v.len;
  return total;
}

namespace {

// Walks an iovec array a byte count at a time.
class IovCursor {
 public:
  explicit IovCursor(std::span<const abi::Iovec> iov) : iov_(iov) {}

  // Copies `data` out to the guest; returns how many bytes landed before the
  // first fault (pieces are all-or-nothing).
  uint64_t scatter(const GuestMemory& mem, std::span<const uint8_t> data) {
    uint64_t done = 0;
    while (done < data.size()) {
      skip_empty();
      if (i_ >= iov_.size()) break;
      uint64_t n = std::min<uint64_t>(iov_[i_].len - off_, data.size() - done);
      if (!mem.copy_out(iov_[i_].base + off_, data.data() + done, n).ok()) break;
      advance(n);
      done += n;
    }
    return done;
  }

  // Copies up to out.size() bytes in from the guest; returns how many were
  // readable before the first fault.
  uint64_t gather(const GuestMemory& mem, std::span<uint8_t> out) {
    uint64_t done = 0;
    while (done < out.size()) {
      skip_empty();
      if (i_ >= iov_.size()) break;
      uint64_t n = std::min<uint64_t>(iov_[i_].len - off_, out.size() - done);
      if (!mem.copy_in(iov_[i_].base + off_, out.data() + done, n).ok()) break;
      advance(n);
      done += n;
    }
    return done;
  }

 private:
  void skip_empty() {
    while (i_ < iov_.size() && off_ == iov_[i_].len) {
      ++i_;
      off_ = 0;
    }
  }
  void advance(uint64_t n) { off_ += n; }

  std::span<const abi::Iovec> iov_;
  size_t i_ = 0;
  uint64_t off_ = 0;
};

}  // namespace

namespace {

Result<uint64_t> read_data(Task& task, OpenFile& file, std::span<const abi::Iovec> iov, std::optional<int64_t> pos,
                           bool host_io) {
  // Sockets move their data to the guest themselves: a datagram is read
  // whole by one read(2), never split or merged by the bounce buffer.
  if (Socket* s = as_socket(file); s && !pos) {
    if (iovec_total(iov) == 0) return 0;  // sock_read_iter: nothing is consumed
    MsgData data(task.mem(), std::vector<abi::Iovec>(iov.begin(), iov.end()));
    return TRY(recv_waiting(task, *s, data, 0, host_io ? HostIoMode::kAllowed : HostIoMode::kNever)).len;
  }
  const GuestMemory& mem = task.mem();
  const uint64_t total = iovec_total(iov);
  std::vector<uint8_t> bounce(std::min(total, kBounceSize));
  IovCursor cursor(iov);
  uint64_t done = 0;
  do {
    std::span<uint8_t> chunk(bounce.data(), std::min<uint64_t>(total - done, bounce.size()));
    const std::optional<int64_t> at = pos ? std::optional(*pos + static_cast<int64_t>(done)) : std::nullopt;
    // Only the first read may sleep: once data arrived the call returns it.
    Result<uint64_t> got = done == 0 ? read_waiting(task, file, chunk, at) : (at ? file.pread(chunk, *at) : file.read(chunk));
    if (!got.ok()) {
      if (done > 0) return done;  // as Linux: bytes already delivered win over a later error
      return err(got.error());
    }
    const uint64_t n = got.value();
    const uint64_t landed = cursor.scatter(mem, std::span<const uint8_t>(chunk.data(), n));
    if (landed < n) {
      // The guest buffer faulted midway. For a file with an offset, give
      // back what did not land so the next read sees it, as Linux would.
      if (!pos && file.is_regular()) (void)file.seek(-static_cast<int64_t>(n - landed), abi::kSeekCur);
      // Bytes consumed from a stream that did not land are lost, as when
      // Linux faults copying pipe data out; the guest hears EFAULT only if
      // nothing at all was delivered.
      if (done + landed > 0) return done + landed;
      return err(EFAULT);
    }
    done += n;
    if (n < chunk.size()) break;
    // A kernel stream (pipe) is read as far as it holds data, as one
    // pipe_read would; a host stream could block on a second read.
    if (!file.is_regular() && file.wait_queue() == nullptr) break;
  } while (done < total);
  return done;
}

Result<uint64_t> write_data(Task& task, OpenFile& file, std::span<const abi::Iovec> iov, std::optional<int64_t> pos,
                            bool host_io) {
  const GuestMemory& mem = task.mem();
  const uint64_t total = iovec_total(iov);
  if (file.discards_writes()) return total;
  if (Socket* s = as_socket(file); s && !pos) {
    // One write(2) is one datagram, however large (or EMSGSIZE).
    MsgData data(task.mem(), std::vector<abi::Iovec>(iov.begin(), iov.end()));
    MsgControl control;
    control.creds = abi::Ucred{task.tg().pid(), task.tg().uid, task.tg().gid};
    return send_waiting(task, *s, data, 0, nullptr, control, host_io ? HostIoMode::kAllowed : HostIoMode::kNever);
  }
  std::vector<uint8_t> bounce(std::min(total, kBounceSize));
  IovCursor cursor(iov);
  uint64_t done = 0;
  do {
    const uint64_t want = std::min<uint64_t>(total - done, bounce.size());
    const uint64_t have = cursor.gather(mem, std::span<uint8_t>(bounce.data(), want));
    if (have == 0 && want > 0) {
      if (done > 0) return done;
      return err(EFAULT);
    }
    std::span<const uint8_t> chunk(bounce.data(), have);
    const std::optional<int64_t> at = pos ? std::optional(*pos + static_cast<int64_t>(done)) : std::nullopt;
    Result<uint64_t> put = write_waiting(task, file, chunk, at);
    if (!put.ok()) {
      if (done > 0) return done;
      return err(put.error());
    }
    done += put.value();
    // A short write (non-blocking stream, full disk) or a fault in the guest
    // buffer ends the call with what was written.
    if (put.value() < have || have < want) break;
  } while (done < total);
  return done;
}

}  // namespace

// vfs_read / vfs_write: a transfer of at least one byte is IN_ACCESS / IN_MODIFY.
Result<uint64_t> read_into_guest(Task& task, OpenFile& file, std::span<const abi::Iovec> iov,
                                 std::optional<int64_t> pos, bool host_io) {
  const uint64_t n = TRY(read_data(task, file, iov, pos, host_io));
  if (n > 0 && file.notify()) file.notify()->event(in::kAccess);
  return n;
}

Result<uint64_t> write_from_guest(Task& task, OpenFile& file, std::span<const abi::Iovec> iov,
                                  std::optional<int64_t> pos, bool host_io) {
  const uint64_t n = TRY(write_data(task, file, iov, pos, host_io));
  if (n > 0 && file.notify()) file.notify()->event(in::kModify);
  return n;
}

}  // namespace lx
