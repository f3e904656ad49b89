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
  std::snprintf(tmp, sizeof tmp, "n%d.%llu", static_cast<int>(::getpid()),
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

Result<OpenFileRef> LxInode::create(std::string_view name, unsigned mode, int flags, const Credentials& cred) {
  const Meta m = TRY(new_meta(S_IFREG | (mode & 07777), 0, cred));
  HostFd f = TRY(create_entry(fd(), name, m, RENAME_NOREPLACE, [&](int staging, const char* tmp) {
    return open_new_file(staging, tmp, flags & kCreateOpenFlags);
  }));
  // One fstat serves the inode and the open file (whose first write would
  // otherwise ask for the file's type).
  struct stat st;
  if (::fstat(f.get(), &st) < 0) return err(errno);
  const int dup = ::fcntl(f.get(), F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return err(errno);
  InodeRef h = TRY(make_hostfs_inode(dup, st));
  auto inode = std::make_shared<LxInode>(sb_, std::move(h), false, S_IFREG, m);
  inode->remember(m);  // tar's fchown, fchmod and futimens follow: no host reads for them
  return make_lx_file(std::move(inode),
                      make_host_fd_file(f.release(), flags, HostFileIdentity{st.st_mode, st.st_dev, st.st_ino}));
}

Result<void> LxInode::mkdir(std::string_view name, unsigned mode, const Credentials& cred) {
  const Meta m = TRY(new_meta(S_IFDIR | (mode & 07777), 0, cred));
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
  TRY(create_entry(fd(), name, m, RENAME_NOREPLACE,
                   [](int staging, const char* tmp) { return open_new_file(staging, tmp, O_WRONLY); }));
  return {};
}

Result<void> LxInode::symlink(std::string_view name, const std::string& target, const Credentials& cred) {
  // A link file: a regular host file holding the target (README.md: why not a host symlink).
  const Meta m = TRY(new_meta(S_IFLNK | 0777, 0, cred));
  TRY(create_entry(fd(), name, m, RENAME_NOREPLACE, [&](int staging, const char* tmp) -> Result<HostFd> {
    HostFd f = TRY(open_new_file(staging, tmp, O_WRONLY));
    TRY(write_all(f.get(), target));
    return f;
  }));
  return {};
}

Result<void> LxInode::set_meta(const Meta& m) {
  if (host_->type() != S_IFLNK) {
    TRY(write_meta(fd(), m));
    if (type_ == S_IFDIR)
      sb_->cache.dir_meta_changed();
    else
      sb_->cache.file_meta_changed();  // other hard links' copies
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
  sb_->cache.file_meta_changed();
  remember(m);
  return {};
}

}  // namespace lx::lxfs
