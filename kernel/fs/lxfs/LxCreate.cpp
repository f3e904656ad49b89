// lxfs: making new entries. Crash safety rests on one rule: a name the
// guest can see only ever appears by a host rename of a complete file
// (data and metadata written) from the staging directory, and a metadata
// change is one setxattr. A crash therefore leaves either the old state or
// the new one, plus maybe an orphan in the staging directory, which the
// guest never sees and the next mount removes.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "kernel/fs/lxfs/LxInode.h"
#include "kernel/vfs/HostFile.h"
#include "kernel/vfs/HostFs.h"
#include "kernel/vfs/Permission.h"

namespace lx::lxfs {

namespace {

std::atomic<uint64_t> g_next_tmp{0};

// Host flags a new regular file is opened with: the guest's access mode and
// status flags (creation was ours).
constexpr int kCreateOpenFlags = O_ACCMODE | O_APPEND | O_NONBLOCK | O_SYNC | O_NOATIME;

Result<HostFd> open_new_file(int staging, const char* tmp, int flags) {
  const int f = retry_eintr([&] {
    return ::openat(staging, tmp, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
  });
  if (f < 0) return err(errno);
  return HostFd(f);
}

Result<void> write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = retry_eintr([&] { return ::write(fd, data.data() + done, data.size() - done); });
    if (n < 0) return err(errno);
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

Result<HostFd> LxInode::create_entry(int dirfd, std::string_view name, const Meta& m, unsigned rename_flags,
                                     const std::function<Result<HostFd>(int staging, const char* tmp)>& make) {
  if (reserved(name) && dirfd == fd()) return err(EPERM);
  if (name.size() > 255) return err(ENAMETOOLONG);
  const int staging = sb_->staging_fd.get();
  char tmp[64];
  std::snprintf(tmp, sizeof tmp, "n%ld.%llu", sb_->pid,
                static_cast<unsigned long long>(g_next_tmp.fetch_add(1)));
  auto discard = [&](int e) -> Result<HostFd> {
    if (::unlinkat(staging, tmp, 0) < 0 && errno == EISDIR) (void)::unlinkat(staging, tmp, AT_REMOVEDIR);
    return err(e);
  };
  Result<HostFd> made = make(staging, tmp);
  if (!made.ok()) return discard(made.error());
  HostFd f = std::move(made.value());
  if (Result<void> w = write_meta(f.get(), m); !w.ok()) return discard(w.error());
  const std::string n(name);
  if (::syscall(SYS_renameat2, staging, tmp, dirfd, n.c_str(), rename_flags) < 0) return discard(errno);
  return f;
}

Result<Meta> LxInode::new_meta(unsigned mode, uint64_t rdev, const Credentials& cred) {
  const abi::Stat dir = meta_stat(TRY(meta()));
  TRY(may_create(dir, cred));
  const NewOwner o = new_inode_owner(dir, mode, cred);
  return Meta{o.uid, o.gid, o.mode, rdev};
}

bool LxInode::host_creates(const Meta& m) const {
  const unsigned type = m.mode & S_IFMT;
  const unsigned owner_bits = type == S_IFDIR ? 0700u : type == S_IFREG ? 0600u : 0u;
  // Our host user (uid/gid 0 in host_meta) in a directory that hands out
  // our group; bits the host's mode holds as they are, the provider's own
  // access intact, and none the umask would take away.
  return host_dir_plain_ && owner_bits != 0 && m.uid == 0 && m.gid == 0 && m.rdev == 0 &&
         (m.mode & 07000) == 0 && (m.mode & owner_bits) == owner_bits && (m.mode & sb_->host_umask & 0777) == 0;
}

Result<OpenFileRef> LxInode::create(std::string_view name, unsigned mode, int flags, const Credentials& cred) {
  const Meta m = TRY(new_meta(S_IFREG | (mode & 07777), 0, cred));
  const bool in_host = host_creates(m);
  HostFd f;
  if (in_host) {
    // The name appears with its final mode in one host call: nothing to
    // stage (an O_EXCL create is as atomic as the rename).
    if (reserved(name)) return err(EPERM);
    const std::string n(name);
    const int h = retry_eintr([&] {
      return ::openat(fd(), n.c_str(), (flags & kCreateOpenFlags) | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                      m.mode & 0777);
    });
    if (h < 0) return err(errno);
    f = HostFd(h);
  } else {
    f = TRY(create_entry(fd(), name, m, RENAME_NOREPLACE, [&](int staging, const char* tmp) {
      return open_new_file(staging, tmp, flags & kCreateOpenFlags);
    }));
  }
  // One host fd serves the inode and the open file, and nobody asks the
  // host for the new file's type or identity unless it is compared.
  const int host_fd = f.release();
  InodeRef h = make_hostfs_inode_created(host_fd, S_IFREG);
  auto inode = std::make_shared<LxInode>(sb_, h, false, S_IFREG, m);
  inode->path_fd_ = false;
  inode->remember(m, in_host);  // tar's fchown, fchmod and futimens follow: no host reads for them
  return make_lx_file(std::move(inode), make_host_fd_file_borrowed(host_fd, flags, S_IFREG, std::move(h)));
}

Result<void> LxInode::mkdir(std::string_view name, unsigned mode, const Credentials& cred) {
  const Meta m = TRY(new_meta(S_IFDIR | (mode & 07777), 0, cred));
  if (host_creates(m)) {
    if (reserved(name)) return err(EPERM);
    const std::string n(name);
    TRY(host_void(::mkdirat(fd(), n.c_str(), m.mode & 0777)));
    // Walks into it follow (tar extracts into every directory it makes):
    // cached now with what we know, one O_PATH open instead of a lookup's
    // open, fstat and xattr read.
    const int h = ::openat(fd(), n.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (h < 0) return {};  // made; a later lookup finds it
    auto dir = std::make_shared<LxInode>(sb_, make_hostfs_inode_created(h, S_IFDIR), false, S_IFDIR, m);
    dir->host_dir_plain_ = true;  // made by us in a plain directory, without set-id bits
    dir->remember(m, true);
    dir->parent_host_ = host_;
    dir->name_ = n;
    sb_->cache.insert(shared_from_this(), name, std::move(dir));
    return {};
  }
  TRY(create_entry(fd(), name, m, RENAME_NOREPLACE, [](int staging, const char* tmp) -> Result<HostFd> {
    if (::mkdirat(staging, tmp, 0755) < 0) return err(errno);
    // Not O_PATH: fsetxattr works on this fd directly (no /proc detour).
    const int f = ::openat(staging, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0) return err(errno);
    return HostFd(f);
  }));
  return {};
}

Result<void> LxInode::mknod(std::string_view name, unsigned mode, const Credentials& cred) {
  return mknod_device(name, mode, 0, cred);
}

Result<void> LxInode::mknod_device(std::string_view name, unsigned mode, uint64_t rdev, const Credentials& cred) {
  // Every non-directory type is a regular host file; the type is ours.
  const Meta m = TRY(new_meta(mode, rdev, cred));
  HostFd f = TRY(create_entry(fd(), name, m, RENAME_NOREPLACE,
                              [](int staging, const char* tmp) { return open_new_file(staging, tmp, O_WRONLY); }));
  cache_new_file(name, std::move(f), m);
  return {};
}

Result<void> LxInode::symlink(std::string_view name, const std::string& target, const Credentials& cred) {
  // A link file: a regular host file holding the target (README.md: why not a host symlink).
  const Meta m = TRY(new_meta(S_IFLNK | 0777, 0, cred));
  HostFd f = TRY(create_entry(fd(), name, m, RENAME_NOREPLACE, [&](int staging, const char* tmp) -> Result<HostFd> {
    HostFd w = TRY(open_new_file(staging, tmp, O_WRONLY));
    TRY(write_all(w.get(), target));
    return w;
  }));
  cache_new_file(name, std::move(f), m);
  return {};
}

void LxInode::cache_new_file(std::string_view name, HostFd f, const Meta& m) {
  // Its fd (open, not O_PATH) serves the lookups that follow (tar's lchown,
  // utimensat and O_PATH open of a symlink it made): no host lookup.
  auto inode = std::make_shared<LxInode>(sb_, make_hostfs_inode_created(f.release(), S_IFREG), false,
                                         m.mode & S_IFMT, m);
  inode->path_fd_ = false;
  inode->remember(m);
  inode->parent_host_ = host_;
  inode->name_ = std::string(name);
  sb_->cache.insert(shared_from_this(), name, std::move(inode), true);
}

Result<void> LxInode::host_chmod(unsigned perm) {
  if (!path_fd_) return host_void(::fchmod(fd(), perm));
  // fchmodat2 (6.6) takes an O_PATH fd with AT_EMPTY_PATH; older hosts go through /proc.
  constexpr long kSysFchmodat2 = 452;
  if (::syscall(kSysFchmodat2, fd(), "", perm, AT_EMPTY_PATH) == 0) return {};
  if (errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return err(errno);
  return host_void(::chmod(fd_proc_path(fd()).c_str(), perm));
}

Result<void> LxInode::set_meta(const Meta& m) {
  if (host_->type() != S_IFLNK) {
    const std::optional<Meta> cur = cached_meta();
    // Nothing changes (tar's fchown to the owner it created as): no write.
    if (cur && *cur == m) return {};
    const auto bump = [&] {
      if (type_ == S_IFDIR)
        sb_->cache.dir_meta_changed();
      else
        sb_->cache.file_meta_changed();  // other hard links' copies
    };
    // No xattr and only permission bits change: the host's mode says it,
    // one host call as atomic as a setxattr.
    const unsigned owner_bits = type_ == S_IFDIR ? 0700u : 0600u;
    if (cur && meta_in_host_ && (type_ == S_IFREG || type_ == S_IFDIR) && cur->uid == m.uid && cur->gid == m.gid &&
        (m.mode & S_IFMT) == (cur->mode & S_IFMT) && (m.mode & 07000) == 0 && (m.mode & owner_bits) == owner_bits) {
      if (host_chmod(m.mode & 0777).ok()) {
        bump();
        remember(m, true);
        return {};
      }
    }
    TRY(write_meta(fd(), m, path_fd_));
    bump();
    remember(m);
    return {};
  }
  // A host symlink (from a host-side extraction) cannot hold a user xattr:
  // replace it, in one rename, by the equivalent link file.
  if (!parent_host_) return err(EPERM);
  const std::string target = TRY(host_->readlink());
  HostFd f = TRY(create_entry(hostfs_fd(*parent_host_), name_, m, 0, [&](int staging, const char* tmp) -> Result<HostFd> {
    HostFd w = TRY(open_new_file(staging, tmp, O_WRONLY));
    TRY(write_all(w.get(), target));
    return w;
  }));
  host_ = TRY(make_hostfs_inode(f.release()));
  path_fd_ = false;
  sb_->cache.file_meta_changed();
  remember(m);
  return {};
}

}  // namespace lx::lxfs
