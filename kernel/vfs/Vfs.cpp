// hostfs root: every guest path is resolved by the host's openat2 with
// RESOLVE_IN_ROOT against an O_PATH fd of the root directory. The host does
// the walk (symlinks, `..`, ELOOP, ENOTDIR on trailing slashes) exactly as
// Linux does, but treats the root fd as "/", so nothing escapes it.
#include "kernel/vfs/Vfs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/HostFile.h"
#include "kernel/vfs/HostStat.h"

namespace lx {

namespace {

// Guest open flags are passed to the host unchanged, so the values must agree.
static_assert(abi::kOCreat == O_CREAT && abi::kOExcl == O_EXCL && abi::kOTrunc == O_TRUNC &&
              abi::kOAppend == O_APPEND && abi::kONonblock == O_NONBLOCK && abi::kODsync == O_DSYNC &&
              abi::kOAsync == O_ASYNC && abi::kODirect == O_DIRECT && abi::kOLargefile == 0100000 &&
              abi::kODirectory == O_DIRECTORY && abi::kONofollow == O_NOFOLLOW && abi::kONoatime == O_NOATIME &&
              abi::kOCloexec == O_CLOEXEC && abi::kOSync == O_SYNC && abi::kOPath == O_PATH &&
              abi::kOTmpfile == O_TMPFILE && abi::kONoctty == O_NOCTTY);

// The bare O_TMPFILE bit (glibc's __O_TMPFILE already includes O_DIRECTORY).
constexpr int kTmpfileBit = abi::kOTmpfileBit;

// Guest flags the host open sees. Left out: O_DIRECT (our bounce buffers
// are not aligned for it), O_ASYNC (SIGIO would go to the provider),
// O_NOCTTY and O_CLOEXEC (always set: the provider must not gain a
// controlling terminal or leak fds). O_SYNC includes O_DSYNC.
constexpr int kHostPassFlags = O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_SYNC |
                               O_DIRECTORY | O_NOFOLLOW | O_NOATIME | kTmpfileBit;

class HostFd {
 public:
  explicit HostFd(int fd) : fd_(fd) {}
  ~HostFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  HostFd(HostFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  HostFd& operator=(HostFd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  HostFd(const HostFd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

// "/a/b/" -> "a/b/": openat2 takes a path relative to the root fd; "/"
// itself is ".". Trailing slashes stay: they make the host demand a directory.
std::string host_relative(const std::string& abs) {
  size_t i = abs.find_first_not_of('/');
  if (i == std::string::npos) return ".";
  return abs.substr(i);
}

bool has_trailing_slash(const std::string& p) { return p.size() > 1 && p.back() == '/'; }

// The directory part of an absolute guest path ("/a/b/" -> "/a").
std::string parent_of(const std::string& abs) {
  size_t end = abs.find_last_not_of('/');
  if (end == std::string::npos) return "/";
  size_t slash = abs.rfind('/', end);
  if (slash == std::string::npos || slash == 0) return "/";
  return abs.substr(0, slash);
}

Result<HostFd> resolve_in(int root_fd, const std::string& abs, int flags, unsigned mode = 0) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  // openat2, unlike open, rejects a mode when nothing is created.
  const bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
  how.mode = creates ? (mode & 07777) : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const std::string rel = host_relative(abs);
  // EAGAIN: a concurrent rename raced a `..` step; the host asks to retry.
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) return HostFd(static_cast<int>(fd));
    if ((errno == EINTR || errno == EAGAIN) && attempt < 16) continue;
    return err(errno);
  }
}

Result<struct stat> stat_fd(int fd) {
  struct stat st;
  if (::fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) return err(errno);
  return st;
}

// Linux refuses writes on a read-only mount only for these types; devices,
// FIFOs and sockets on it stay writable.
bool is_fs_object(mode_t mode) { return S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode); }

std::string fd_proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<std::string> host_path_of(int fd) {
  char buf[abi::kPathMax + 1];
  ssize_t n = ::readlink(fd_proc_path(fd).c_str(), buf, sizeof buf);
  if (n < 0) return err(errno);
  if (static_cast<size_t>(n) >= sizeof buf) return err(ENAMETOOLONG);
  return std::string(buf, static_cast<size_t>(n));
}

// Lexical "." / ".." / "//" clean-up, used only when the host cannot tell
// us where a directory really is.
std::string normalize_lexically(const std::string& abs) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < abs.size()) {
    size_t j = abs.find('/', i);
    if (j == std::string::npos) j = abs.size();
    std::string c = abs.substr(i, j - i);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(std::move(c));
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

int host_faccess(int fd, int mode) {
  if (::syscall(SYS_faccessat2, fd, "", mode, AT_EMPTY_PATH) == 0) return 0;
  if (errno != ENOSYS) return errno;
  // Hosts older than 5.8: the fd's /proc link names the same inode.
  return ::faccessat(AT_FDCWD, fd_proc_path(fd).c_str(), mode, 0) == 0 ? 0 : errno;
}

}  // namespace

std::string join_guest_path(const std::string& base, const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  // `..` is deliberately not folded here: only the walk knows whether the
  // component before it was a symlink.
  std::string b = base.empty() ? "/" : base;
  if (path.empty()) return b;
  if (b.back() != '/') b += '/';
  return b + path;
}

Result<std::unique_ptr<Vfs>> Vfs::create(const std::string& host_root, bool read_only) {
  int fd = ::open(host_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return err(errno);
  return std::unique_ptr<Vfs>(new Vfs(fd, read_only));
}

Vfs::~Vfs() { ::close(root_fd_); }

namespace {

// The open of a write-intending request on a read-only root. Linux decides
// EROFS only after the walk succeeded and after the type checks that come
// before permission checks, so reproduce that order with an O_PATH probe.
Result<HostFd> open_on_read_only(int root_fd, const std::string& abs, int flags) {
  const int acc = flags & O_ACCMODE;
  const bool creat = flags & O_CREAT;
  const bool excl = creat && (flags & O_EXCL);
  const bool wants_write = acc != O_RDONLY || (flags & O_TRUNC);

  if ((flags & O_TMPFILE) == O_TMPFILE) {
    if (creat || acc == O_RDONLY) return err(EINVAL);
    TRY(resolve_in(root_fd, abs, O_PATH | O_DIRECTORY));
    return err(EROFS);
  }
  if (flags & kTmpfileBit) return err(EINVAL);
  if (creat && (flags & O_DIRECTORY)) return err(EINVAL);
  if (creat && has_trailing_slash(abs)) {
    TRY(resolve_in(root_fd, parent_of(abs), O_PATH | O_DIRECTORY));
    return err(EISDIR);
  }

  // O_CREAT|O_EXCL never follows a final symlink: an existing link is EEXIST.
  const bool nofollow = (flags & O_NOFOLLOW) || excl;
  Result<HostFd> probe = resolve_in(root_fd, abs, O_PATH | (flags & O_DIRECTORY) | (nofollow ? O_NOFOLLOW : 0));
  if (!probe.ok()) {
    if (probe.error() == ENOENT && creat) {
      TRY(resolve_in(root_fd, parent_of(abs), O_PATH | O_DIRECTORY));
      return err(EROFS);  // the file would have to be created
    }
    return err(probe.error());
  }
  struct stat st = TRY(stat_fd(probe.value().get()));
  if (excl) return err(EEXIST);
  if (S_ISLNK(st.st_mode)) return err(ELOOP);  // O_NOFOLLOW on a final symlink
  if (S_ISDIR(st.st_mode) && (creat || wants_write)) return err(EISDIR);
  if (wants_write && is_fs_object(st.st_mode)) return err(EROFS);

  // Nothing is created or truncated: what remains is opening an existing
  // file read-only, or a device/FIFO with write access.
  const int host_flags = (flags & kHostPassFlags & ~(O_CREAT | O_EXCL | O_TRUNC)) | O_NOCTTY;
  HostFd fd = TRY(resolve_in(root_fd, abs, host_flags));
  if (wants_write) {
    // The name may have been re-pointed since the probe; judge what we got.
    struct stat now = TRY(stat_fd(fd.get()));
    if (is_fs_object(now.st_mode)) return err(EROFS);
  }
  return fd;
}

}  // namespace

Result<OpenFileRef> Vfs::open(const std::string& base, const std::string& path, int flags, unsigned mode) {
  if (path.empty()) return err(ENOENT);
  const std::string abs = join_guest_path(base, path);
  int status;
  HostFd fd(-1);
  if (flags & O_PATH) {
    status = flags & abi::kOPathFlagsMask;
    fd = TRY(resolve_in(root_fd_, abs, status));
  } else {
    // open(2) forces O_LARGEFILE on 64-bit, and F_GETFL shows it.
    status = (flags & abi::kStatusFlagsMask) | abi::kOLargefile;  // host O_LARGEFILE may be 0
    const int acc = flags & O_ACCMODE;
    const bool may_modify = acc != O_RDONLY || (flags & (O_TRUNC | O_CREAT | kTmpfileBit));
    if (read_only_ && may_modify)
      fd = TRY(open_on_read_only(root_fd_, abs, flags));
    else
      fd = TRY(resolve_in(root_fd_, abs, (flags & kHostPassFlags) | O_NOCTTY, mode));
  }
  OpenFileRef file = make_host_fd_file(fd.release(), status);
  file->set_guest_path(abs);
  return file;
}

Result<abi::Stat> Vfs::stat(const std::string& base, const std::string& path, bool follow) {
  if (path.empty()) return err(ENOENT);
  HostFd fd = TRY(resolve_in(root_fd_, join_guest_path(base, path), O_PATH | (follow ? 0 : O_NOFOLLOW)));
  struct stat st = TRY(stat_fd(fd.get()));
  return to_abi_stat(st);
}

Result<std::string> Vfs::readlink(const std::string& base, const std::string& path) {
  if (path.empty()) return err(ENOENT);
  HostFd fd = TRY(resolve_in(root_fd_, join_guest_path(base, path), O_PATH | O_NOFOLLOW));
  struct stat st = TRY(stat_fd(fd.get()));
  if (!S_ISLNK(st.st_mode)) return err(EINVAL);
  char buf[abi::kPathMax];
  ssize_t n = ::readlinkat(fd.get(), "", buf, sizeof buf);
  if (n < 0) return err(errno);
  return std::string(buf, static_cast<size_t>(n));
}

Result<void> Vfs::access(const std::string& base, const std::string& path, int mode, bool follow) {
  if (mode & ~(R_OK | W_OK | X_OK)) return err(EINVAL);
  if (path.empty()) return err(ENOENT);
  HostFd fd = TRY(resolve_in(root_fd_, join_guest_path(base, path), O_PATH | (follow ? 0 : O_NOFOLLOW)));
  if (mode == F_OK) return {};
  if ((mode & W_OK) && read_only_) {
    struct stat st = TRY(stat_fd(fd.get()));
    if (is_fs_object(st.st_mode)) return err(EROFS);
  }
  if (int e = host_faccess(fd.get(), mode)) return err(e);
  return {};
}

Result<std::string> Vfs::resolve_directory(const std::string& base, const std::string& path) {
  if (path.empty()) return err(ENOENT);
  const std::string abs = join_guest_path(base, path);
  HostFd fd = TRY(resolve_in(root_fd_, abs, O_PATH | O_DIRECTORY));
  // chdir needs search permission on the directory itself.
  if (int e = host_faccess(fd.get(), X_OK)) return err(e);

  // The host knows where the walk ended; the guest path is that location
  // relative to the root.
  Result<std::string> where = host_path_of(fd.get());
  Result<std::string> root = host_path_of(root_fd_);
  if (!where.ok() || !root.ok()) return normalize_lexically(abs);
  const std::string& w = where.value();
  std::string r = root.value();
  if (r == "/") return w;
  if (w == r) return std::string("/");
  if (w.size() > r.size() && w.compare(0, r.size(), r) == 0 && w[r.size()] == '/') return w.substr(r.size());
  return normalize_lexically(abs);
}

}  // namespace lx
