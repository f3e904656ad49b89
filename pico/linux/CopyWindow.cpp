#include "pico/linux/CopyWindow.h"

#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace pico {
namespace {

// Writes of at most this size are queued; bigger ones go straight to guest
// memory (the copy then dominates, not the syscall).
constexpr size_t kMaxQueuedWrite = 16384;

bool contains(const lx_copy_rec& r, uint64_t addr, size_t len) {
  return addr >= r.addr && addr - r.addr <= r.len && len <= r.len - (addr - r.addr);
}

}  // namespace

CopyWindow::CopyWindow(lx_mailbox* mb) : mb_(mb) {}

char* CopyWindow::in_base() const { return reinterpret_cast<char*>(mb_) + LX_IN_AREA_OFFSET; }
char* CopyWindow::out_base() const { return reinterpret_cast<char*>(mb_) + LX_OUT_AREA_OFFSET; }

void CopyWindow::reset(bool open) {
  open_ = open;
  out_count_ = 0;
  out_used_ = 0;
  in_count_ = 0;
}

void CopyWindow::open() {
  reset(true);
  const auto* area = reinterpret_cast<const lx_copy_area*>(in_base());
  uint32_t n = __atomic_load_n(&area->count, __ATOMIC_RELAXED);
  if (n > LX_IN_MAX_RECS) n = LX_IN_MAX_RECS;
  for (uint32_t i = 0; i < n; ++i) {
    lx_copy_rec r;
    std::memcpy(&r, &area->rec[i], sizeof r);
    if (r.off < LX_COPY_DATA_OFFSET || r.off > LX_IN_AREA_SIZE || r.len > LX_IN_AREA_SIZE - r.off ||
        r.len == 0 || r.addr + r.len < r.addr)
      continue;
    in_[in_count_++] = r;
  }
}

void CopyWindow::publish() {
  auto* area = reinterpret_cast<lx_copy_area*>(out_base());
  std::memcpy(area->rec, out_, out_count_ * sizeof(lx_copy_rec));
  area->count = out_count_;
  reset(false);
}

const lx_copy_rec* CopyWindow::find_in(uint64_t addr) const {
  for (uint32_t i = 0; i < in_count_; ++i)
    if (addr >= in_[i].addr && addr - in_[i].addr < in_[i].len) return &in_[i];
  return nullptr;
}

bool CopyWindow::read(uint64_t addr, void* dst, size_t len) const {
  if (!open_ || len == 0 || overlaps_queued(addr, len)) return false;
  const lx_copy_rec* r = find_in(addr);
  if (!r || !contains(*r, addr, len)) return false;
  std::memcpy(dst, in_base() + r->off + (addr - r->addr), len);
  return true;
}

size_t CopyWindow::read_partial(uint64_t addr, void* dst, size_t len) const {
  if (!open_ || len == 0) return 0;
  const lx_copy_rec* r = find_in(addr);
  if (!r) return 0;
  // Less than asked is only an answer if the record holds the string's NUL;
  // a buffer record that ends early says nothing about the bytes after it.
  const size_t avail = r->len - (addr - r->addr);
  const char* src = in_base() + r->off + (addr - r->addr);
  size_t n = len;
  if (avail < len) {
    if (std::memchr(src, 0, avail) == nullptr) return 0;
    n = avail;
  }
  if (overlaps_queued(addr, n)) return 0;
  std::memcpy(dst, src, n);
  return n;
}

bool CopyWindow::overlaps_queued(uint64_t addr, size_t len) const {
  for (uint32_t i = 0; i < out_count_; ++i)
    if (addr < out_[i].addr + out_[i].len && out_[i].addr < addr + len) return true;
  return false;
}

bool CopyWindow::queue_write(uint64_t addr, const void* src, size_t len) {
  if (!open_ || len == 0 || len > kMaxQueuedWrite || out_count_ >= LX_OUT_MAX_RECS) return false;
  const size_t room = LX_OUT_AREA_SIZE - LX_COPY_DATA_OFFSET - out_used_;
  if (len > room || addr + len < addr) return false;
  const auto off = static_cast<uint32_t>(LX_COPY_DATA_OFFSET + out_used_);
  std::memcpy(out_base() + off, src, len);
  out_[out_count_++] = lx_copy_rec{addr, off, static_cast<uint32_t>(len)};
  out_used_ += static_cast<uint32_t>((len + 7) & ~size_t{7});
  return true;
}

lx::Result<void> CopyWindow::flush(pid_t pid) {
  if (out_count_ == 0) return {};
  iovec local[LX_OUT_MAX_RECS], remote[LX_OUT_MAX_RECS];
  size_t total = 0;
  for (uint32_t i = 0; i < out_count_; ++i) {
    local[i] = {out_base() + out_[i].off, out_[i].len};
    remote[i] = {reinterpret_cast<void*>(out_[i].addr), out_[i].len};
    total += out_[i].len;
  }
  const uint32_t n = out_count_;
  out_count_ = 0;
  out_used_ = 0;
  // Order matters only for overlapping records, which process_vm_writev
  // also writes in iovec order.
  ssize_t done = process_vm_writev(pid, local, n, remote, n, 0);
  if (done < 0 || static_cast<size_t>(done) != total) return lx::err(EFAULT);
  return {};
}

}  // namespace pico
