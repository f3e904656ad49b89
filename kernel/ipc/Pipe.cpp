#include "kernel/ipc/Pipe.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>

#include "kernel/abi/Poll.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

// pipefs is an anonymous filesystem: one device number for every pipe and
// inode numbers from a counter, as get_next_ino() hands them out.
constexpr uint64_t kPipefsDev = 0xf;
std::atomic<uint64_t> next_pipe_ino{1 << 20};

abi::Timespec now() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

}  // namespace

Pipe::Pipe(uint32_t uid, uint32_t gid) : ino_(next_pipe_ino.fetch_add(1)), uid_(uid), gid_(gid) {
  atime_ = mtime_ = ctime_ = now();
}

Result<uint64_t> Pipe::read(std::span<uint8_t> out) {
  if (out.empty()) return 0;
  uint64_t done = 0;
  while (done < out.size() && !bufs_.empty()) {
    Buffer& b = bufs_.front();
    const uint64_t n = std::min<uint64_t>(b.len, out.size() - done);
    std::memcpy(out.data() + done, b.page->data() + b.offset, n);
    done += n;
    b.offset += static_cast<uint32_t>(n);
    b.len -= static_cast<uint32_t>(n);
    const bool packet = b.packet;
    // A packet is consumed by one read; what did not fit is dropped.
    if (packet || b.len == 0) bufs_.pop_front();
    if (packet) break;
  }
  if (done == 0) {
    if (writers_ == 0) return 0;
    return err(EAGAIN);
  }
  atime_ = now();
  queue_.wake_all();
  return done;
}

Result<uint64_t> Pipe::write(std::span<const uint8_t> data, bool packet) {
  if (data.empty()) return 0;  // checked before the reader count, as Linux does
  if (readers_ == 0) return err(EPIPE);
  uint64_t done = 0;
  // The part that is not a page multiple tops up the last buffer if it fits
  // there entirely; the rest then fills whole pages.
  const uint64_t head = data.size() % kPipePage;
  if (head != 0 && !bufs_.empty()) {
    Buffer& last = bufs_.back();
    if (!last.packet && last.offset + last.len + head <= kPipePage) {
      std::memcpy(last.page->data() + last.offset + last.len, data.data(), head);
      last.len += static_cast<uint32_t>(head);
      done = head;
    }
  }
  while (done < data.size() && !full()) {
    const uint64_t n = std::min<uint64_t>(kPipePage, data.size() - done);
    Buffer b;
    b.page = std::make_unique<std::array<uint8_t, kPipePage>>();
    std::memcpy(b.page->data(), data.data() + done, n);
    b.len = static_cast<uint32_t>(n);
    b.packet = packet;
    bufs_.push_back(std::move(b));
    done += n;
  }
  if (done == 0) return err(EAGAIN);
  mtime_ = ctime_ = now();
  queue_.wake_all();
  return done;
}

unsigned Pipe::poll(bool reader, bool writer, uint64_t hup_after) const {
  unsigned mask = 0;
  if (reader) {
    if (!bufs_.empty()) mask |= abi::kPollIn | abi::kPollRdnorm;
    if (writers_ == 0 && writer_opens_ != hup_after) mask |= abi::kPollHup;
  }
  if (writer) {
    if (!full()) mask |= abi::kPollOut | abi::kPollWrnorm;
    if (readers_ == 0) mask |= abi::kPollErr;
  }
  return mask;
}

uint64_t Pipe::bytes() const {
  uint64_t n = 0;
  for (const Buffer& b : bufs_) n += b.len;
  return n;
}

Result<uint64_t> Pipe::set_capacity(uint64_t size, bool privileged) {
  if (size > (uint64_t{1} << 31)) return err(EINVAL);
  // POSIX wants at least one page; above that a power of two of pages.
  const uint64_t rounded = std::max(kPipePage, std::bit_ceil(size));
  const uint64_t slots = rounded / kPipePage;
  if (slots > slots_ && rounded > kPipeMaxSize && !privileged) return err(EPERM);
  if (bufs_.size() > slots) return err(EBUSY);
  slots_ = slots;
  queue_.wake_all();  // a larger pipe may have room for a waiting writer
  return capacity();
}

void Pipe::attach(bool reader, bool writer) {
  if (reader) {
    ++readers_;
    ++reader_opens_;
  }
  if (writer) {
    ++writers_;
    ++writer_opens_;
  }
  queue_.wake_all();
}

void Pipe::detach(bool reader, bool writer) {
  if (reader) --readers_;
  if (writer) --writers_;
  queue_.wake_all();
}

abi::Stat Pipe::stat() const {
  abi::Stat st{};
  st.st_dev = kPipefsDev;
  st.st_ino = ino_;
  st.st_nlink = 1;
  st.st_mode = abi::kSIfifo | 0600;
  st.st_uid = uid_;
  st.st_gid = gid_;
  st.st_blksize = static_cast<int64_t>(kPipePage);
  st.st_atime_sec = atime_.tv_sec;
  st.st_atime_nsec = atime_.tv_nsec;
  st.st_mtime_sec = mtime_.tv_sec;
  st.st_mtime_nsec = mtime_.tv_nsec;
  st.st_ctime_sec = ctime_.tv_sec;
  st.st_ctime_nsec = ctime_.tv_nsec;
  return st;
}

}  // namespace lx
