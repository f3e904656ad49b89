// lxfs inodes: lookups, attributes, permissions, links and renames. New
// entries are made in LxCreate.cpp, xattrs in LxXattr.cpp.
#include "kernel/fs/lxfs/LxInode.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/vfs/HostFile.h"
#include "kernel/vfs/HostFs.h"
#include "kernel/vfs/HostStat.h"
#include "kernel/vfs/Permission.h"

namespace lx::lxfs {

bool is_host_symlink(const abi::Stat& host_st) { return (host_st.st_mode & S_IFMT) == S_IFLNK; }

Credentials caller_credentials() { return current_credentials().value_or(Credentials{}); }

abi::Stat meta_stat(const Meta& m) {
  abi::Stat st{};
  st.st_uid = m.uid;
  st.st_gid = m.gid;
  st.st_mode = m.mode;
  st.st_rdev = m.rdev;
  return st;
}

LxInode::~LxInode() {
  if (owns_cache_) sb_->cache.clear();
}

std::optional<Meta> LxInode::cached_meta() const {
  if (!cache_) return std::nullopt;
  const uint64_t gen = type_ == S_IFDIR ? sb_->cache.dir_gen() : sb_->cache.file_gen();
  if (gen != cache_gen_ || coarse_now_ns() >= cache_expiry_ns_) return std::nullopt;
  return cache_;
}

void LxInode::remember(const Meta& m, bool in_host) {
  cache_ = m;
  meta_in_host_ = in_host;
  has_fresh_ = false;  // the lookup's read is older than m
  cache_gen_ = type_ == S_IFDIR ? sb_->cache.dir_gen() : sb_->cache.file_gen();
  cache_expiry_ns_ = coarse_now_ns() + LxDirCache::kTtlNs;
}

Result<std::shared_ptr<LxInode>> LxInode::wrap(std::shared_ptr<Super> sb, InodeRef host, bool is_root, int dirfd,
                                               const char* name) {
  const unsigned host_type = host->type();
  std::optional<Meta> m;
  // Host symlinks cannot carry user xattrs; other host types never get ours.
  if (host_type == S_IFREG || host_type == S_IFDIR) {
    m = name ? TRY(read_meta_at(dirfd, name)) : TRY(read_meta(hostfs_fd(*host)));
    if (m && !meta_fits_host(m->mode & S_IFMT, host_type)) m.reset();
  }
  const unsigned type = m ? (m->mode & S_IFMT) : host_type;
  return std::make_shared<LxInode>(std::move(sb), std::move(host), is_root, type, m);
}

int LxInode::fd() const { return hostfs_fd(*host_); }

void LxInode::set_root_host(const abi::Stat& host_st) {
  path_fd_ = false;
  host_dir_plain_ = !(host_st.st_mode & S_ISGID);
}

bool LxInode::same_file(const Inode& other) const {
  const auto* o = dynamic_cast<const LxInode*>(&other);
  return o && host_->same_file(*o->host_);
}

Result<Meta> LxInode::meta() {
  if (std::optional<Meta> c = cached_meta()) return *c;
  abi::Stat st = TRY(guest_stat());
  return Meta{st.st_uid, st.st_gid, st.st_mode, st.st_rdev};
}

Result<abi::Stat> LxInode::guest_stat() {
  abi::Stat st = TRY(host_->stat());
  std::optional<Meta> m = cached_meta();
  const bool cached = m.has_value();
  if (cached) {
    has_fresh_ = false;
  } else if (has_fresh_) {
    m = fresh_;
    has_fresh_ = false;
  } else if (!is_host_symlink(st)) {
    // By (parent, name) where the lookup left them: one getxattrat, where
    // an O_PATH fd alone needs a walk of its /proc link.
    m = parent_host_ ? TRY(read_meta_at(hostfs_fd(*parent_host_), name_.c_str())) : TRY(read_meta(fd(), path_fd_));
  }
  bool in_host = cached && meta_in_host_;
  if (!m || !meta_fits_host(m->mode & S_IFMT, st.st_mode & S_IFMT)) {
    m = host_meta(st, sb_->host_uid, sb_->host_gid);
    in_host = true;
  }
  remember(*m, in_host);
  st.st_uid = m->uid;
  st.st_gid = m->gid;
  st.st_mode = m->mode;
  st.st_rdev = m->rdev;
  return st;
}

Result<abi::Stat> LxInode::owner_stat() { return meta_stat(TRY(meta())); }

Result<void> LxInode::permission(int mask, const Credentials& cred) {
  if (mask == 0) return {};
  return generic_permission(meta_stat(TRY(meta())), mask, cred);
}

Result<InodeRef> LxInode::lookup(std::string_view name, const Credentials& cred) {
  TRY(permission(kMayExec, cred));
  if (reserved(name)) return err(ENOENT);
  if (std::shared_ptr<LxInode> hit = sb_->cache.find(*this, name)) return InodeRef(std::move(hit));
  InodeRef h = TRY(host_->lookup(name, cred));
  std::string n_str(name);
  std::shared_ptr<LxInode> n = TRY(wrap(sb_, std::move(h), false, fd(), n_str.c_str()));
  n->parent_host_ = host_;
  n->name_ = std::move(n_str);
  // Shared by later walks: the lookup's one-shot stats become the cached
  // copy (host_->stat() is the lookup's own fstat: no host call).
  const abi::Stat hs = TRY(n->host_->stat());
  if (n->type_ == S_IFDIR) n->host_dir_plain_ = !(hs.st_mode & S_ISGID);
  if (n->has_fresh_) {
    const bool in_host = !n->fresh_;
    n->remember(in_host ? host_meta(hs, sb_->host_uid, sb_->host_gid) : *n->fresh_, in_host);
  }
  hostfs_forget_lookup_stat(*n->host_);
  sb_->cache.insert(shared_from_this(), name, n, n->type_ != S_IFDIR);
  return InodeRef(std::move(n));
}

Result<InodeRef> LxInode::parent(Inode& mount_root, std::string_view parent_rel) {
  auto* root = dynamic_cast<LxInode*>(&mount_root);
  if (!root) return err(EXDEV);
  InodeRef h = TRY(host_->parent(*root->host_, parent_rel));
  return InodeRef(TRY(wrap(sb_, std::move(h), parent_rel.empty())));
}

Result<void> LxInode::link(std::string_view name, Inode& old_dir, std::string_view old_name, Inode& target) {
  auto* od = dynamic_cast<LxInode*>(&old_dir);
  auto* t = dynamic_cast<LxInode*>(&target);
  if (!od || !t) return err(EXDEV);
  if (reserved(name)) return err(EPERM);
  return host_->link(name, *od->host_, old_name, *t->host_);
}

Result<void> LxInode::unlink(std::string_view name) {
  if (reserved(name)) return err(ENOENT);
  TRY(host_->unlink(name));
  sb_->cache.forget(*this, name);
  return {};
}

Result<void> LxInode::rmdir(std::string_view name) {
  if (reserved(name)) return err(ENOENT);
  TRY(host_->rmdir(name));
  sb_->cache.dir_changed();
  return {};
}

Result<void> LxInode::rename(std::string_view old_name, Inode& new_dir, std::string_view new_name, unsigned flags) {
  auto* nd = dynamic_cast<LxInode*>(&new_dir);
  if (!nd) return err(EXDEV);
  if (reserved(old_name)) return err(ENOENT);
  if (nd->reserved(new_name)) return err(EPERM);
  TRY(host_->rename(old_name, *nd->host_, new_name, flags));
  sb_->cache.forget(*this, old_name);
  sb_->cache.forget(*nd, new_name);
  // Renaming files (the common case: write a temporary, rename it over)
  // moves no cached directory; anything else may have.
  Result<abi::Stat> moved = nd->host_->stat_child(new_name);
  if ((flags & RENAME_EXCHANGE) || !moved.ok() || (moved.value().st_mode & S_IFMT) == S_IFDIR)
    sb_->cache.dir_changed();
  return {};
}

Result<abi::Stat> LxInode::stat_child(std::string_view name) {
  if (type_ != S_IFDIR) return err(ENOSYS);
  TRY(permission(kMayExec, caller_credentials()));
  if (reserved(name)) return err(ENOENT);
  abi::Stat st = TRY(host_->stat_child(name));
  std::optional<Meta> m;
  const unsigned host_type = st.st_mode & S_IFMT;
  if (host_type == S_IFREG || host_type == S_IFDIR) {
    const std::string n(name);
    m = TRY(read_meta_at(fd(), n.c_str()));
  }
  if (!m || !meta_fits_host(m->mode & S_IFMT, host_type)) m = host_meta(st, sb_->host_uid, sb_->host_gid);
  st.st_uid = m->uid;
  st.st_gid = m->gid;
  st.st_mode = m->mode;
  st.st_rdev = m->rdev;
  return st;
}

Result<abi::Timespec> LxInode::birth_time_child(std::string_view name) {
  if (type_ != S_IFDIR) return err(ENOSYS);
  TRY(permission(kMayExec, caller_credentials()));
  if (reserved(name)) return err(ENOENT);
  if (name.size() > 255) return err(ENAMETOOLONG);
  const std::string n(name);
  return statx_btime_at(fd(), n.c_str());
}

Result<std::string> LxInode::readlink() {
  if (type_ != S_IFLNK) return err(EINVAL);
  if (host_->type() == S_IFLNK) return host_->readlink();
  // A link file: the target is its content.
  const int f = retry_eintr([&] { return ::open(fd_proc_path(fd()).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY); });
  if (f < 0) return err(errno);
  HostFd file(f);
  std::string target(abi::kPathMax, '\0');
  size_t got = 0;
  while (got < target.size()) {
    const ssize_t n = retry_eintr([&] { return ::pread(file.get(), target.data() + got, target.size() - got,
                                                      static_cast<off_t>(got)); });
    if (n < 0) return err(errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  target.resize(got);
  return target;
}

Result<OpenFileRef> LxInode::open(int flags) {
  if (!(flags & abi::kOPath)) {
    // Devices are opened by the kernel's device registry, not here; a
    // socket file cannot be opened (ENXIO, as on Linux).
    if (type_ == S_IFCHR || type_ == S_IFBLK || type_ == S_IFSOCK) return err(ENXIO);
  } else {
    // An O_PATH description does no I/O (the syscalls refuse it): it
    // borrows the inode's host fd instead of a dup to close again.
    return make_lx_file(shared_from_this(), make_host_fd_file_borrowed(fd(), flags, host_->type(), host_));
  }
  OpenFileRef f = TRY(host_->open(flags));
  return make_lx_file(shared_from_this(), std::move(f));
}

Result<void> LxInode::setattr(const SetAttr& a) { return setattr_from(nullptr, a); }

Result<void> LxInode::setattr_from(const abi::Stat* current, const SetAttr& a) {
  if (a.mode || a.uid || a.gid) {
    Meta m = current ? Meta{current->st_uid, current->st_gid, current->st_mode, current->st_rdev} : TRY(meta());
    if (a.uid) m.uid = *a.uid;
    if (a.gid) m.gid = *a.gid;
    if (a.uid || a.gid) m.mode = mode_after_chown(m.mode);
    if (a.mode) m.mode = (m.mode & S_IFMT) | (*a.mode & 07777);
    TRY(set_meta(m));
  }
  if (a.atime || a.mtime || a.size) {
    SetAttr h;
    h.atime = a.atime;
    h.mtime = a.mtime;
    h.size = a.size;
    TRY(host_->setattr(h));
  }
  return {};
}

}  // namespace lx::lxfs
