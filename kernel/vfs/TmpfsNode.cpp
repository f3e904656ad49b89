// tmpfs inodes: creation, attributes, permissions, xattrs, statfs.
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "kernel/vfs/TmpfsNode.h"
#include "kernel/vfs/Permission.h"

namespace lx::tmpfs {

namespace {

std::atomic<uint64_t> g_next_dev{0x00100000};  // distinct st_dev per instance (anonymous-device style)

uint64_t half_of_ram_pages() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return uint64_t{1} << 18;  // 1 GiB if the host will not say
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / kPageSize / 2;
}

// Linux accepts xattrs on tmpfs only in these namespaces (security.* is
// the LSM's; system.* would be ACLs, which we do not model).
bool supported_namespace(const std::string& name) {
  return name.rfind("user.", 0) == 0 || name.rfind("trusted.", 0) == 0;
}

constexpr size_t kXattrNameMax = 255;
constexpr size_t kXattrSizeMax = 65536;

}  // namespace

abi::Timespec now() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return abi::Timespec{ts.tv_sec, ts.tv_nsec};
}

Node::Node(std::shared_ptr<Super> sb, unsigned mode, const Credentials& cred)
    : sb_(std::move(sb)), ino_(sb_->next_ino++), mode_(mode), uid_(cred.uid), gid_(cred.gid),
      nlink_(type() == abi::kSIfdir ? 2 : 1) {
  atime_ = mtime_ = ctime_ = now();
}

Node::~Node() {
  // Runs when the last name and the last open file are gone (possibly with
  // the instance mutex held by whoever dropped the reference): only atomics here.
  sb_->used_pages.fetch_sub(pages_.size());
  sb_->used_inodes.fetch_sub(1);
}

Result<NodeRef> Node::new_node(unsigned mode, const Credentials& cred) {
  if (sb_->used_inodes >= sb_->max_inodes) return err(ENOSPC);
  ++sb_->used_inodes;
  auto n = std::make_shared<Node>(sb_, mode, cred);
  abi::Stat dir{};
  dir.st_mode = mode_;
  dir.st_gid = gid_;
  const NewOwner o = new_inode_owner(dir, mode, cred);
  n->gid_ = o.gid;
  n->mode_ = o.mode;
  return n;
}

void Node::check_access(int mask, const Credentials& cred, int* error) const {
  abi::Stat st{};
  st.st_mode = mode_;
  st.st_uid = uid_;
  st.st_gid = gid_;
  Result<void> r = generic_permission(st, mask, cred);
  *error = r.ok() ? 0 : r.error();
}

Result<void> Node::permission(int mask, const Credentials& cred) {
  std::lock_guard lock(sb_->mu);
  int e;
  check_access(mask, cred, &e);
  if (e) return err(e);
  return {};
}

Result<abi::Stat> Node::stat() {
  std::lock_guard lock(sb_->mu);
  abi::Stat s{};
  s.st_dev = sb_->dev;
  s.st_ino = ino_;
  s.st_nlink = nlink_;
  s.st_mode = mode_;
  s.st_uid = uid_;
  s.st_gid = gid_;
  s.st_rdev = rdev_;
  s.st_blksize = kPageSize;
  if (type() == abi::kSIfreg) {
    s.st_size = static_cast<int64_t>(size_);
    s.st_blocks = static_cast<int64_t>(pages_.size() * (kPageSize / 512));
  } else if (type() == abi::kSIflnk) {
    s.st_size = static_cast<int64_t>(target_.size());
  } else if (type() == abi::kSIfdir) {
    // tmpfs reports a directory's size as BOGO_DIRENT_SIZE (20) per entry.
    s.st_size = static_cast<int64_t>((entries_.size() + 2) * 20);
  }
  s.st_atime_sec = atime_.tv_sec;
  s.st_atime_nsec = atime_.tv_nsec;
  s.st_mtime_sec = mtime_.tv_sec;
  s.st_mtime_nsec = mtime_.tv_nsec;
  s.st_ctime_sec = ctime_.tv_sec;
  s.st_ctime_nsec = ctime_.tv_nsec;
  return s;
}

Result<std::string> Node::readlink() {
  if (type() != abi::kSIflnk) return err(EINVAL);
  std::lock_guard lock(sb_->mu);
  atime_ = now();
  return target_;
}

Result<void> Node::setattr(const SetAttr& a) {
  std::lock_guard lock(sb_->mu);
  const abi::Timespec t = now();
  if (a.size) {
    if (type() == abi::kSIfdir) return err(EISDIR);
    if (type() != abi::kSIfreg) return err(EINVAL);
    if (*a.size < 0) return err(EINVAL);
    if (static_cast<uint64_t>(*a.size) != size_) {
      TRY(resize(static_cast<uint64_t>(*a.size)));
      mtime_ = t;
    }
    ctime_ = t;
  }
  if (a.uid || a.gid) {
    if (a.uid) uid_ = *a.uid;
    if (a.gid) gid_ = *a.gid;
    // chown drops set-user-ID, and set-group-ID when it means "group may execute".
    if (type() != abi::kSIfdir) {
      mode_ &= ~static_cast<unsigned>(S_ISUID);
      if (mode_ & S_IXGRP) mode_ &= ~static_cast<unsigned>(S_ISGID);
    }
    ctime_ = t;
  }
  if (a.mode) {
    mode_ = (mode_ & abi::kSIfmt) | (*a.mode & 07777);
    ctime_ = t;
  }
  if (a.atime || a.mtime) {
    if (a.atime) atime_ = a.atime->tv_nsec == kUtimeNow ? t : *a.atime;
    if (a.mtime) mtime_ = a.mtime->tv_nsec == kUtimeNow ? t : *a.mtime;
    ctime_ = t;
  }
  return {};
}

Result<abi::StatFs> Node::statfs() {
  abi::StatFs s{};
  s.f_type = kTmpfsMagic;
  s.f_bsize = kPageSize;
  s.f_frsize = kPageSize;
  s.f_blocks = sb_->max_pages;
  const uint64_t used = sb_->used_pages.load();
  s.f_bfree = s.f_bavail = used >= s.f_blocks ? 0 : s.f_blocks - used;
  s.f_files = sb_->max_inodes;
  const uint64_t inodes = sb_->used_inodes.load();
  s.f_ffree = inodes >= s.f_files ? 0 : s.f_files - inodes;
  s.f_fsid[0] = static_cast<int32_t>(sb_->dev);
  s.f_namelen = 255;
  s.f_flags = 0x20;  // ST_RELATIME
  return s;
}

// ---- xattrs ----------------------------------------------------------------

Result<uint64_t> Node::getxattr(const std::string& name, std::span<uint8_t> value) {
  if (name.empty() || name.size() > kXattrNameMax) return err(ERANGE);
  if (!supported_namespace(name)) return err(EOPNOTSUPP);
  std::lock_guard lock(sb_->mu);
  auto it = xattrs_.find(name);
  if (it == xattrs_.end()) return err(ENODATA);
  if (value.empty()) return it->second.size();
  if (value.size() < it->second.size()) return err(ERANGE);
  if (!it->second.empty()) std::memcpy(value.data(), it->second.data(), it->second.size());
  return it->second.size();
}

Result<void> Node::setxattr(const std::string& name, std::span<const uint8_t> value, int flags) {
  if (flags & ~(kXattrCreate | kXattrReplace)) return err(EINVAL);
  if (name.empty() || name.size() > kXattrNameMax) return err(ERANGE);
  if (value.size() > kXattrSizeMax) return err(E2BIG);
  if (!supported_namespace(name)) return err(EOPNOTSUPP);
  // user.* lives only on regular files and directories (sticky dirs aside).
  if (name.rfind("user.", 0) == 0 && type() != abi::kSIfreg && type() != abi::kSIfdir) return err(EPERM);
  std::lock_guard lock(sb_->mu);
  auto it = xattrs_.find(name);
  if ((flags & kXattrCreate) && it != xattrs_.end()) return err(EEXIST);
  if ((flags & kXattrReplace) && it == xattrs_.end()) return err(ENODATA);
  xattrs_[name].assign(value.begin(), value.end());
  ctime_ = now();
  return {};
}

Result<uint64_t> Node::listxattr(std::span<uint8_t> list) {
  std::lock_guard lock(sb_->mu);
  uint64_t need = 0;
  for (const auto& [name, v] : xattrs_) need += name.size() + 1;
  if (list.empty()) return need;
  if (list.size() < need) return err(ERANGE);
  uint8_t* p = list.data();
  for (const auto& [name, v] : xattrs_) {
    std::memcpy(p, name.c_str(), name.size() + 1);
    p += name.size() + 1;
  }
  return need;
}

Result<void> Node::removexattr(const std::string& name) {
  if (name.empty() || name.size() > kXattrNameMax) return err(ERANGE);
  if (!supported_namespace(name)) return err(EOPNOTSUPP);
  std::lock_guard lock(sb_->mu);
  if (xattrs_.erase(name) == 0) return err(ENODATA);
  ctime_ = now();
  return {};
}

}  // namespace lx::tmpfs

namespace lx {

InodeRef make_tmpfs(const TmpfsOptions& opts) {
  auto sb = std::make_shared<tmpfs::Super>();
  sb->dev = tmpfs::g_next_dev.fetch_add(1);
  sb->max_pages = opts.size_bytes ? (opts.size_bytes + tmpfs::kPageSize - 1) / tmpfs::kPageSize
                                  : tmpfs::half_of_ram_pages();
  sb->max_inodes = opts.max_inodes ? opts.max_inodes : tmpfs::half_of_ram_pages();
  sb->used_inodes = 1;
  auto root = std::make_shared<tmpfs::Node>(sb, abi::kSIfdir | (opts.root_mode & 07777), opts.owner);
  root->parent_ = root;  // `..` of the root is itself
  return root;
}

}  // namespace lx
