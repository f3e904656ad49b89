// tmpfs file data: a sparse map of 4 KiB pages. Holes read as zeros and
// cost nothing; every allocated page counts against the instance's limit.
#include <algorithm>
#include <cstring>
#include <limits>

#include "kernel/vfs/TmpfsNode.h"

namespace lx::tmpfs {

namespace {

constexpr int kFallocKeepSize = 0x01;
constexpr int kFallocPunchHole = 0x02;
constexpr auto kMaxFileSize = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// Reading a file updates atime only when it is older than the last change
// or a day old (relatime, Linux's default).
bool relatime_due(const abi::Timespec& a, const abi::Timespec& m, const abi::Timespec& c, const abi::Timespec& t) {
  auto le = [](const abi::Timespec& x, const abi::Timespec& y) {
    return x.tv_sec < y.tv_sec || (x.tv_sec == y.tv_sec && x.tv_nsec <= y.tv_nsec);
  };
  return le(a, m) || le(a, c) || t.tv_sec - a.tv_sec >= int64_t{24} * 3600;
}

}  // namespace

int64_t Node::size() {
  std::lock_guard lock(sb_->mu);
  return static_cast<int64_t>(size_);
}

void Node::free_pages_from(uint64_t first_page) {
  auto it = pages_.lower_bound(first_page);
  const auto n = static_cast<uint64_t>(std::distance(it, pages_.end()));
  pages_.erase(it, pages_.end());
  sb_->used_pages.fetch_sub(n);
}

Result<void> Node::resize(uint64_t size) {
  if (size > kMaxFileSize) return err(EFBIG);
  if (size < size_) {
    free_pages_from((size + kPageSize - 1) / kPageSize);
    // The tail of the last kept page must read as zeros if the file grows again.
    if (size % kPageSize) {
      auto it = pages_.find(size / kPageSize);
      if (it != pages_.end()) std::memset(it->second->data() + size % kPageSize, 0, kPageSize - size % kPageSize);
    }
  }
  size_ = size;
  return {};
}

Result<uint64_t> Node::read_at(std::span<uint8_t> buf, int64_t off) {
  if (type() == abi::kSIfdir) return err(EISDIR);
  std::lock_guard lock(sb_->mu);
  const abi::Timespec t = now();
  if (relatime_due(atime_, mtime_, ctime_, t)) atime_ = t;
  const auto start = static_cast<uint64_t>(off);
  if (start >= size_) return 0;
  const uint64_t n = std::min<uint64_t>(buf.size(), size_ - start);
  for (uint64_t done = 0; done < n;) {
    const uint64_t pos = start + done;
    const uint64_t in_page = pos % kPageSize;
    const uint64_t chunk = std::min(n - done, kPageSize - in_page);
    auto it = pages_.find(pos / kPageSize);
    if (it == pages_.end())
      std::memset(buf.data() + done, 0, chunk);
    else
      std::memcpy(buf.data() + done, it->second->data() + in_page, chunk);
    done += chunk;
  }
  return n;
}

Result<uint64_t> Node::write_at(std::span<const uint8_t> buf, int64_t off, bool append, int64_t* end) {
  std::lock_guard lock(sb_->mu);
  const uint64_t start = append ? size_ : static_cast<uint64_t>(off);
  if (buf.empty()) {
    *end = static_cast<int64_t>(start);
    return 0;
  }
  if (start >= kMaxFileSize) return err(EFBIG);
  const uint64_t n = std::min<uint64_t>(buf.size(), kMaxFileSize - start);
  uint64_t done = 0;
  while (done < n) {
    const uint64_t pos = start + done;
    const uint64_t in_page = pos % kPageSize;
    const uint64_t chunk = std::min(n - done, kPageSize - in_page);
    auto& page = pages_[pos / kPageSize];
    if (!page) {
      if (sb_->used_pages.load() >= sb_->max_pages) {
        pages_.erase(pos / kPageSize);
        break;  // ENOSPC, unless some bytes went in already
      }
      page = std::make_unique<Page>();
      page->fill(0);
      sb_->used_pages.fetch_add(1);
    }
    std::memcpy(page->data() + in_page, buf.data() + done, chunk);
    done += chunk;
  }
  if (done == 0) return err(ENOSPC);
  size_ = std::max(size_, start + done);
  mtime_ = ctime_ = now();
  // Writing drops set-user-ID (and group-executable set-group-ID), as Linux's file_remove_privs.
  mode_ &= ~static_cast<unsigned>(S_ISUID);
  if (mode_ & S_IXGRP) mode_ &= ~static_cast<unsigned>(S_ISGID);
  *end = static_cast<int64_t>(start + done);
  return done;
}

Result<int64_t> Node::seek_data(int64_t off, bool hole) {
  std::lock_guard lock(sb_->mu);
  const auto pos = static_cast<uint64_t>(off);
  if (pos >= size_) return err(ENXIO);
  uint64_t page = pos / kPageSize;
  if (!hole) {
    auto it = pages_.lower_bound(page);
    if (it == pages_.end() || it->first * kPageSize >= size_) return err(ENXIO);
    return static_cast<int64_t>(std::max(pos, it->first * kPageSize));
  }
  while (pages_.count(page)) ++page;
  return static_cast<int64_t>(std::min(size_, std::max(pos, page * kPageSize)));
}

Result<void> Node::allocate(int mode, int64_t offset, int64_t len) {
  if (type() == abi::kSIfdir) return err(EISDIR);
  if (type() != abi::kSIfreg) return err(ENODEV);
  if (mode & ~(kFallocKeepSize | kFallocPunchHole)) return err(EOPNOTSUPP);
  if ((mode & kFallocPunchHole) && !(mode & kFallocKeepSize)) return err(EINVAL);
  const auto start = static_cast<uint64_t>(offset);
  const auto count = static_cast<uint64_t>(len);
  if (start + count > kMaxFileSize || start + count < start) return err(EFBIG);
  std::lock_guard lock(sb_->mu);
  const uint64_t end = start + count;
  if (mode & kFallocPunchHole) {
    const uint64_t stop = std::min(end, size_);
    for (uint64_t pos = start; pos < stop;) {
      const uint64_t in_page = pos % kPageSize;
      const uint64_t chunk = std::min(stop - pos, kPageSize - in_page);
      auto it = pages_.find(pos / kPageSize);
      if (it != pages_.end()) {
        if (chunk == kPageSize) {
          pages_.erase(it);
          sb_->used_pages.fetch_sub(1);
        } else {
          std::memset(it->second->data() + in_page, 0, chunk);
        }
      }
      pos += chunk;
    }
    mtime_ = ctime_ = now();
    return {};
  }
  const uint64_t first = start / kPageSize, last = (end + kPageSize - 1) / kPageSize;
  uint64_t missing = 0;
  for (uint64_t p = first; p < last; ++p) missing += pages_.count(p) ? 0 : 1;
  if (sb_->used_pages.load() + missing > sb_->max_pages) return err(ENOSPC);
  for (uint64_t p = first; p < last; ++p) {
    auto& page = pages_[p];
    if (!page) {
      page = std::make_unique<Page>();
      page->fill(0);
      sb_->used_pages.fetch_add(1);
    }
  }
  if (!(mode & kFallocKeepSize) && end > size_) size_ = end;
  ctime_ = now();
  return {};
}

Result<OpenFileRef> Node::open(int flags) {
  const unsigned t = type();
  const bool path_only = flags & abi::kOPath;
  if (!path_only) {
    // Pipes and sockets have no I/O yet: a FIFO opened on tmpfs would need
    // the pipe implementation, and a socket inode cannot be opened at all.
    if (t == abi::kSIfsock) return err(ENXIO);
    if (t != abi::kSIfreg && t != abi::kSIfdir) return err(ENXIO);
  }
  if (!path_only && (flags & abi::kOTrunc) && t == abi::kSIfreg) {
    // Linux truncates even with O_RDONLY (having required write permission).
    std::lock_guard lock(sb_->mu);
    TRY(resize(0));
    mtime_ = ctime_ = now();
  }
  return make_file(std::static_pointer_cast<Node>(shared_from_this()), flags);
}

}  // namespace lx::tmpfs
