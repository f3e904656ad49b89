#include "kernel/vfs/HostFs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>

#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/HostFd.h"
#include "kernel/vfs/HostFile.h"
#include "kernel/vfs/HostStat.h"

namespace lx {

namespace {

// Guest open flags are passed to the host unchanged, so the values must agree.
static_assert(abi::kOCreat == O_CREAT && abi::kOExcl == O_EXCL && abi::kOTrunc == O_TRUNC &&
              abi::kOAppend == O_APPEND && abi::kONonblock == O_NONBLOCK && abi::kODsync == O_DSYNC &&
              abi::kOAsync == O_ASYNC && abi::kODirect == O_DIRECT && abi::kODirectory == O_DIRECTORY &&
              abi::kONofollow == O_NOFOLLOW && abi::kONoatime == O_NOATIME && abi::kOCloexec == O_CLOEXEC &&
              abi::kOSync == O_SYNC && abi::kOPath == O_PATH && abi::kOTmpfile == O_TMPFILE &&
              abi::kONoctty == O_NOCTTY);

// Guest flags a host open sees. Left out: O_DIRECT (our bounce buffers are
// not aligned for it), O_ASYNC (SIGIO would go to the provider), O_NOCTTY
// and O_CLOEXEC (always set: the provider must not gain a controlling
// terminal or leak fds), and the creation flags, which the VFS handled.
constexpr int kReopenFlags = O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_SYNC | O_DIRECTORY | O_NOATIME;

// A run lookup the host does for us: no symlinks (ELOOP, the walk then
// steps and follows them itself), no magic links, never above the start.
constexpr uint64_t kRunResolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

char g_hostfs_id;

// Targets of recently followed host symlinks (programs stat /etc/localtime
// and the like over and over), keyed by what the host's fstat identifies.
class LinkCache {
 public:
  std::optional<std::string> find(const struct stat& st) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key(st));
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  void insert(const struct stat& st, const std::string& target) {
    std::lock_guard lock(mu_);
    if (map_.size() >= kMaxEntries) map_.clear();  // crude but bounded
    map_[key(st)] = target;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  using Key = std::tuple<uint64_t, uint64_t, int64_t, int64_t, int64_t>;
  static Key key(const struct stat& st) {
    return {st.st_dev, st.st_ino, st.st_ctim.tv_sec, st.st_ctim.tv_nsec, st.st_size};
  }
  std::mutex mu_;
  std::map<Key, std::string> map_;
};
LinkCache g_link_cache;  // fs_id() of every hostfs inode: mounts, not this, decide EXDEV

Result<HostFd> openat2_fd(int dirfd, const char* path, uint64_t flags, uint64_t resolve) {
  struct open_how how = {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = resolve;
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0) return HostFd(static_cast<int>(fd));
    // EAGAIN: a concurrent rename raced the walk; the host asks to retry.
    if ((errno == EINTR || errno == EAGAIN) && attempt < 16) continue;
    return err(errno);
  }
}

// A single component as a C string, without a heap allocation.
constexpr size_t kNameBuf = 256;
Result<void> copy_name(std::string_view name, char (&out)[kNameBuf]) {
  if (name.size() >= kNameBuf) return err(ENAMETOOLONG);
  std::memcpy(out, name.data(), name.size());
  out[name.size()] = '\0';
  return {};
}

// getxattrat(2) (Linux 6.13): xattrs of a name in a directory fd without
// the /proc round trip. Its argument block, struct xattr_args:
struct XattrArgs {
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};
constexpr long kSysGetxattrat = 464;
std::atomic<bool> g_no_getxattrat{false};

// The xattr `xname` of entry `name` (one plain component) of directory
// dirfd, a symlink's own if it is one.
Result<uint64_t> getxattr_nofollow(int dirfd, const char* name, const char* xname, std::span<uint8_t> value) {
  if (!g_no_getxattrat.load(std::memory_order_relaxed)) {
    XattrArgs args{reinterpret_cast<uint64_t>(value.data()), static_cast<uint32_t>(value.size()), 0};
    long n = ::syscall(kSysGetxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW, xname, &args, sizeof args);
    if (n >= 0) return static_cast<uint64_t>(n);
    if (errno != ENOSYS) return err(errno);
    g_no_getxattrat.store(true, std::memory_order_relaxed);
  }
  // Older hosts: the directory's /proc link, then the one name, not followed.
  const std::string path = fd_proc_path(dirfd) + "/" + name;
  ssize_t n = ::lgetxattr(path.c_str(), xname, value.data(), value.size());
  if (n < 0) return err(errno);
  return static_cast<uint64_t>(n);
}

constexpr long kSysListxattrat = 465;
std::atomic<bool> g_no_listxattrat{false};

// llistxattr of entry `name` (one plain component) of directory dirfd.
Result<uint64_t> listxattr_nofollow(int dirfd, const char* name, std::span<uint8_t> list) {
  if (!g_no_listxattrat.load(std::memory_order_relaxed)) {
    long n = ::syscall(kSysListxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW, list.data(), list.size());
    if (n >= 0) return static_cast<uint64_t>(n);
    if (errno != ENOSYS) return err(errno);
    g_no_listxattrat.store(true, std::memory_order_relaxed);
  }
  const std::string path = fd_proc_path(dirfd) + "/" + name;
  ssize_t n = ::llistxattr(path.c_str(), reinterpret_cast<char*>(list.data()), list.size());
  if (n < 0) return err(errno);
  return static_cast<uint64_t>(n);
}

class HostInode final : public Inode {
 public:
  HostInode(HostFd fd, const struct stat& st)
      : fd_(std::move(fd)), type_(st.st_mode & S_IFMT), id_known_(true), dev_(st.st_dev), ino_(st.st_ino),
        fresh_(st) {}
  // A file its maker just created: the identity is asked of the host only
  // if something compares it (creating needs no fstat).
  HostInode(HostFd fd, unsigned type) : fd_(std::move(fd)), type_(type & S_IFMT) {}

  // keep_stat: the inode serves one operation (a lookup result), so its
  // first stat() may use this fstat; long-lived inodes (mount roots) may not.
  static Result<InodeRef> from_fd(HostFd fd, bool keep_stat = true) {
    struct stat st;
    if (::fstatat(fd.get(), "", &st, AT_EMPTY_PATH) < 0) return err(errno);
    auto inode = std::make_shared<HostInode>(std::move(fd), st);
    if (!keep_stat) inode->fresh_.reset();
    return InodeRef(std::move(inode));
  }

  int fd() const { return fd_.get(); }

  unsigned type() const override { return type_; }
  bool same_file(const Inode& other) const override {
    const auto* h = dynamic_cast<const HostInode*>(&other);
    return h && h->identity() == identity();
  }
  const void* fs_id() const override { return &g_hostfs_id; }

  Result<abi::Stat> stat() override {
    // The lookup that made this inode just fstat'ed it: a stat right after
    // (stat(2) is lookup + stat) uses that instead of asking the host again.
    if (fresh_) {
      abi::Stat s = to_abi_stat(*fresh_);
      fresh_.reset();
      return s;
    }
    struct stat st;
    if (::fstatat(fd(), "", &st, AT_EMPTY_PATH) < 0) return err(errno);
    return to_abi_stat(st);
  }

  Result<void> permission(int mask, const Credentials&) override {
    if (mask == 0) return {};
    if (::syscall(SYS_faccessat2, fd(), "", mask, AT_EMPTY_PATH) == 0) return {};
    if (errno != ENOSYS) return err(errno);
    // Hosts older than 5.8: the fd's /proc link names the same inode.
    return host_void(::faccessat(AT_FDCWD, fd_proc_path(fd()).c_str(), mask, 0));
  }

  Result<InodeRef> lookup(std::string_view name, const Credentials&) override {
    const std::string n(name);
    int f = retry_eintr([&] { return ::openat(fd(), n.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC); });
    if (f < 0) return err(errno);
    return from_fd(HostFd(f));
  }

  Result<InodeRef> lookup_run(std::string_view rel_path) override {
    const std::string rel(rel_path);
    HostFd f = TRY(openat2_fd(fd(), rel.c_str(), O_PATH | O_NOFOLLOW, kRunResolve));
    return from_fd(std::move(f));
  }

  Result<abi::Stat> stat_child(std::string_view name) override {
    char n[kNameBuf];
    TRY(copy_name(name, n));
    struct stat st;
    if (::fstatat(fd(), n, &st, AT_SYMLINK_NOFOLLOW) < 0) return err(errno);
    return to_abi_stat(st);
  }

  Result<abi::Timespec> birth_time_child(std::string_view name) override {
    char n[kNameBuf];
    TRY(copy_name(name, n));
    return statx_btime_at(fd(), n);
  }

  Result<uint64_t> getxattr_child(std::string_view name, const std::string& xname, std::span<uint8_t> value) override {
    char n[kNameBuf];
    TRY(copy_name(name, n));
    return getxattr_nofollow(fd(), n, xname.c_str(), value);
  }

  Result<uint64_t> listxattr_child(std::string_view name, std::span<uint8_t> list) override {
    char n[kNameBuf];
    TRY(copy_name(name, n));
    return listxattr_nofollow(fd(), n, list);
  }

  void forget_lookup_stat() { fresh_.reset(); }

  Result<InodeRef> parent(Inode& mount_root, std::string_view parent_rel) override {
    // Re-resolved from the mount's root with the host forbidding escapes,
    // rather than the host's "..", which a host-side rename could move above it.
    const auto* root = dynamic_cast<const HostInode*>(&mount_root);
    if (!root) return err(EXDEV);
    const std::string rel = parent_rel.empty() ? std::string(".") : std::string(parent_rel);
    HostFd f = TRY(openat2_fd(root->fd(), rel.c_str(), O_PATH | O_DIRECTORY, kRunResolve));
    return from_fd(std::move(f));
  }

  Result<OpenFileRef> create(std::string_view name, unsigned mode, int flags, const Credentials&) override {
    const std::string n(name);
    const int host_flags = (flags & (kReopenFlags & ~O_DIRECTORY)) | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;
    int f = retry_eintr([&] { return ::openat(fd(), n.c_str(), host_flags, mode & 07777); });
    if (f < 0) return err(errno);
    return make_host_fd_file(f, flags);
  }

  Result<OpenFileRef> tmpfile(unsigned mode, int flags, const Credentials&) override {
    const int host_flags = (flags & kReopenFlags & ~O_DIRECTORY) | O_TMPFILE | O_NOCTTY | O_CLOEXEC;
    int f = retry_eintr([&] { return ::openat(fd(), ".", host_flags, mode & 07777); });
    if (f < 0) return err(errno);
    return make_host_fd_file(f, flags);
  }

  Result<void> mkdir(std::string_view name, unsigned mode, const Credentials&) override {
    return host_void(::mkdirat(fd(), std::string(name).c_str(), mode & 07777));
  }
  Result<void> mknod(std::string_view name, unsigned mode, const Credentials&) override {
    return host_void(::mknodat(fd(), std::string(name).c_str(), mode, 0));
  }
  Result<void> symlink(std::string_view name, const std::string& target, const Credentials&) override {
    return host_void(::symlinkat(target.c_str(), fd(), std::string(name).c_str()));
  }
  Result<void> link(std::string_view name, Inode& old_dir, std::string_view old_name, Inode&) override {
    const auto* od = dynamic_cast<const HostInode*>(&old_dir);
    if (!od) return err(EXDEV);
    return host_void(::linkat(od->fd(), std::string(old_name).c_str(), fd(), std::string(name).c_str(), 0));
  }
  Result<void> unlink(std::string_view name) override {
    return host_void(::unlinkat(fd(), std::string(name).c_str(), 0));
  }
  Result<void> rmdir(std::string_view name) override {
    return host_void(::unlinkat(fd(), std::string(name).c_str(), AT_REMOVEDIR));
  }
  Result<void> rename(std::string_view old_name, Inode& new_dir, std::string_view new_name, unsigned flags) override {
    const auto* nd = dynamic_cast<const HostInode*>(&new_dir);
    if (!nd) return err(EXDEV);
    return host_void(::syscall(SYS_renameat2, fd(), std::string(old_name).c_str(), nd->fd(),
                               std::string(new_name).c_str(), flags));
  }

  Result<std::string> readlink() override {
    if (type_ != S_IFLNK) return err(EINVAL);  // the host says ENOENT for an fd's non-link
    // A symlink's text never changes; an inode number reused for a new link
    // comes with a new ctime. So the lookup's fstat validates a cached target.
    if (fresh_)
      if (auto hit = g_link_cache.find(*fresh_)) return std::move(*hit);
    char buf[abi::kPathMax];
    ssize_t n = ::readlinkat(fd(), "", buf, sizeof buf);
    if (n < 0) return err(errno);
    std::string target(buf, static_cast<size_t>(n));
    if (fresh_) g_link_cache.insert(*fresh_, target);
    return target;
  }

  Result<OpenFileRef> open(int flags) override {
    const auto [dev, ino] = identity();
    const HostFileIdentity id{type_, dev, ino};
    if (flags & O_PATH) {
      int f = ::fcntl(fd(), F_DUPFD_CLOEXEC, 0);
      if (f < 0) return err(errno);
      return make_host_fd_file(f, flags, id);
    }
    // Reopening through /proc makes the host check access to the inode
    // again, exactly as an open by name would, without a name.
    const int host_flags = (flags & kReopenFlags) | O_NOCTTY | O_CLOEXEC;
    int f = retry_eintr([&] { return ::open(fd_proc_path(fd()).c_str(), host_flags); });
    if (f < 0) return err(errno);
    return make_host_fd_file(f, flags, id);
  }

  // One openat of the name plus one fstat, where lookup + open take four
  // host calls. O_NONBLOCK keeps a FIFO (or a device) from blocking the
  // provider in the host's open; such a file is closed again and left to
  // the normal path (FIFOs are kernel pipes). On the regular files and
  // directories kept, the host ignores O_NONBLOCK.
  Result<OpenFileRef> open_child(std::string_view name, int flags) override {
    char n[kNameBuf];
    if (!copy_name(name, n).ok()) return err(ENOSYS);
    const int host_flags = (flags & kReopenFlags) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    HostFd f(retry_eintr([&] { return ::openat(fd(), n, host_flags); }));
    if (f.get() < 0) return err(errno == ENOENT ? ENOENT : ENOSYS);
    struct stat st;
    if (::fstat(f.get(), &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) return err(ENOSYS);
    return make_host_fd_file(f.release(), flags, HostFileIdentity{st.st_mode, st.st_dev, st.st_ino});
  }

  Result<void> setattr(const SetAttr& a) override;
  Result<abi::StatFs> statfs() override;

  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override {
    ssize_t n = ::getxattr(fd_proc_path(fd()).c_str(), name.c_str(), value.data(), value.size());
    if (n < 0) return err(errno);
    return static_cast<uint64_t>(n);
  }
  Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) override {
    return host_void(::setxattr(fd_proc_path(fd()).c_str(), name.c_str(), value.data(), value.size(), flags));
  }
  Result<uint64_t> listxattr(std::span<uint8_t> list) override {
    ssize_t n = ::listxattr(fd_proc_path(fd()).c_str(), reinterpret_cast<char*>(list.data()), list.size());
    if (n < 0) return err(errno);
    return static_cast<uint64_t>(n);
  }
  Result<void> removexattr(const std::string& name) override {
    return host_void(::removexattr(fd_proc_path(fd()).c_str(), name.c_str()));
  }

 private:
  // (st_dev, st_ino); (0, 0) if the host cannot say (a closed-over fd cannot fail fstat).
  std::pair<uint64_t, uint64_t> identity() const {
    if (!id_known_) {
      struct stat st;
      if (::fstat(fd(), &st) < 0) return {0, 0};
      dev_ = st.st_dev;
      ino_ = st.st_ino;
      id_known_ = true;
    }
    return {dev_, ino_};
  }

  HostFd fd_;
  unsigned type_;
  mutable bool id_known_ = false;
  mutable uint64_t dev_ = 0, ino_ = 0;
  std::optional<struct stat> fresh_;  // the lookup's own fstat, good for one stat()
};

Result<void> HostInode::setattr(const SetAttr& a) {
  // Built only where needed: futimens (tar's every file) does without.
  std::string proc;
  const auto proc_path = [&]() -> const char* {
    if (proc.empty()) proc = fd_proc_path(fd());
    return proc.c_str();
  };
  if (a.uid || a.gid) {
    const uid_t uid = a.uid.value_or(static_cast<uid_t>(-1));
    const gid_t gid = a.gid.value_or(static_cast<gid_t>(-1));
    TRY(host_void(::fchownat(fd(), "", uid, gid, AT_EMPTY_PATH)));
  }
  if (a.mode) TRY(host_void(::chmod(proc_path(), *a.mode & 07777)));
  if (a.atime || a.mtime) {
    struct timespec ts[2];
    ts[0] = a.atime ? timespec{a.atime->tv_sec, a.atime->tv_nsec} : timespec{0, UTIME_OMIT};
    ts[1] = a.mtime ? timespec{a.mtime->tv_sec, a.mtime->tv_nsec} : timespec{0, UTIME_OMIT};
    if (::utimensat(fd(), "", ts, AT_EMPTY_PATH) < 0) {
      if (errno != EINVAL && errno != ENOENT) return err(errno);
      // Hosts without AT_EMPTY_PATH for utimensat: through /proc.
      TRY(host_void(::utimensat(AT_FDCWD, proc_path(), ts, 0)));
    }
  }
  if (a.size) TRY(host_void(retry_eintr([&] { return ::truncate(proc_path(), *a.size); })));
  return {};
}

Result<abi::StatFs> HostInode::statfs() {
  struct statfs s;
  if (::fstatfs(fd(), &s) < 0) return err(errno);
  return to_abi_statfs(s);
}

}  // namespace

Result<InodeRef> make_hostfs_root(const std::string& host_dir) {
  int f = ::open(host_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (f < 0) return err(errno);
  return HostInode::from_fd(HostFd(f), /*keep_stat=*/false);
}

Result<InodeRef> make_hostfs_inode(int host_fd) {
  return HostInode::from_fd(HostFd(host_fd), /*keep_stat=*/false);
}

Result<InodeRef> make_hostfs_inode(int host_fd, const struct stat& st) {
  auto inode = std::make_shared<HostInode>(HostFd(host_fd), st);
  inode->forget_lookup_stat();  // long-lived, like make_hostfs_inode(int)'s
  return InodeRef(std::move(inode));
}

InodeRef make_hostfs_inode_created(int host_fd, unsigned type) {
  return std::make_shared<HostInode>(HostFd(host_fd), type);
}

int hostfs_fd(const Inode& inode) {
  const auto* h = dynamic_cast<const HostInode*>(&inode);
  return h ? h->fd() : -1;
}

void hostfs_forget_lookup_stat(Inode& inode) {
  if (auto* h = dynamic_cast<HostInode*>(&inode)) h->forget_lookup_stat();
}

}  // namespace lx
