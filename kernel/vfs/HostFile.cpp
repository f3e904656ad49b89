#include "kernel/vfs/HostFile.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <optional>

#include "kernel/Task.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/HostStat.h"

namespace lx {

namespace {

// The guest ABI constants are the host's on a Linux host; the ioctl
// forwarding below relies on it.
static_assert(abi::kTcgets == TCGETS && abi::kTcsets == TCSETS && abi::kTcsetsw == TCSETSW &&
              abi::kTcsetsf == TCSETSF && abi::kTiocgwinsz == TIOCGWINSZ && abi::kFionread == FIONREAD);
static_assert(abi::kOAppend == O_APPEND && abi::kONonblock == O_NONBLOCK);

// Host calls are restarted after a signal meant for the provider: the guest
// never asked to be interrupted.
template <typename F>
auto retry_eintr(F f) {
  for (;;) {
    auto rc = f();
    if (rc >= 0 || errno != EINTR) return rc;
  }
}

class HostFile final : public OpenFile {
 public:
  HostFile(int fd, int status_flags) : fd_(fd) { set_status_flags(status_flags); }
  HostFile(int fd, int status_flags, const HostFileIdentity& id)
      : fd_(fd), mode_(id.mode), id_(std::pair<uint64_t, uint64_t>{id.dev, id.ino}) {
    set_status_flags(status_flags);
  }
  // Borrows fd from `owner` (kept alive as long as the file) instead of owning it.
  HostFile(int fd, int status_flags, unsigned mode, std::shared_ptr<const void> owner)
      : fd_(fd), mode_(mode), owner_(std::move(owner)) {
    set_status_flags(status_flags);
  }
  ~HostFile() override {
    if (!owner_) ::close(fd_);
  }

  Result<abi::Timespec> birth_time() override {
    struct statx x;
    if (::statx(fd_, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BTIME, &x) < 0) return err(errno);
    if (!(x.stx_mask & STATX_BTIME)) return err(ENODATA);
    return abi::Timespec{x.stx_btime.tv_sec, x.stx_btime.tv_nsec};
  }
  HostFile(const HostFile&) = delete;
  HostFile& operator=(const HostFile&) = delete;

  Result<uint64_t> read(std::span<uint8_t> buf) override {
    if (is_stream()) return stream_io(buf.data(), buf.size(), false);
    return to_u64(retry_eintr([&] { return ::read(fd_, buf.data(), buf.size()); }));
  }
  Result<uint64_t> write(std::span<const uint8_t> buf) override {
    if (is_stream()) return stream_io(const_cast<uint8_t*>(buf.data()), buf.size(), true);
    return to_u64(retry_eintr([&] { return ::write(fd_, buf.data(), buf.size()); }));
  }
  int host_poll_fd() const override { return is_stream() ? fd_ : -1; }
  unsigned poll_events() override;
  Result<uint64_t> pread(std::span<uint8_t> buf, int64_t off) override {
    return to_u64(retry_eintr([&] { return ::pread(fd_, buf.data(), buf.size(), off); }));
  }
  Result<uint64_t> pwrite(std::span<const uint8_t> buf, int64_t off) override {
    return to_u64(retry_eintr([&] { return ::pwrite(fd_, buf.data(), buf.size(), off); }));
  }
  Result<int64_t> seek(int64_t off, int whence) override {
    off_t rc = ::lseek(fd_, off, whence);
    if (rc < 0) return err(errno);
    return static_cast<int64_t>(rc);
  }
  Result<abi::Stat> stat() override {
    struct stat st;
    if (::fstat(fd_, &st) < 0) return err(errno);
    mode_ = st.st_mode;
    id_ = {st.st_dev, st.st_ino};
    return to_abi_stat(st);
  }
  // Host and guest share the linux_dirent64 format, and d_off values are the
  // host filesystem's cookies, so offsets stay valid across calls and lseek.
  Result<uint64_t> getdents64(std::span<uint8_t> buf) override {
    if (!is_directory()) return err(ENOTDIR);
    return to_u64(retry_eintr([&] { return ::syscall(SYS_getdents64, fd_, buf.data(), buf.size()); }));
  }
  Result<long> ioctl(Task& task, unsigned cmd, uint64_t arg) override;
  Result<void> update_status_flags(int flags) override;

  bool is_directory() const override { return (mode() & S_IFMT) == S_IFDIR; }
  bool is_regular() const override { return (mode() & S_IFMT) == S_IFREG; }
  bool positional() const override;
  bool discards_writes() const override;
  int host_fd_for_mmap() const override { return fd_; }

  // fd-based metadata operations: the host's own f*() calls on our fd, so
  // an O_PATH description fails them (EBADF) exactly as on Linux.
  Result<void> chmod(unsigned mode) override { return void_rc(::fchmod(fd_, mode & 07777)); }
  Result<void> chown(uint32_t uid, uint32_t gid) override { return void_rc(::fchown(fd_, uid, gid)); }
  Result<void> utimens(const abi::Timespec times[2]) override {
    if (!times) return void_rc(::futimens(fd_, nullptr));
    const struct timespec ts[2] = {{times[0].tv_sec, times[0].tv_nsec}, {times[1].tv_sec, times[1].tv_nsec}};
    return void_rc(::futimens(fd_, ts));
  }
  Result<void> truncate(int64_t length) override {
    return void_rc(retry_eintr([&] { return ::ftruncate(fd_, length); }));
  }
  Result<void> allocate(int mode, int64_t offset, int64_t len) override {
    return void_rc(retry_eintr([&] { return ::fallocate(fd_, mode, offset, len); }));
  }
  Result<void> sync(bool data_only) override {
    return void_rc(retry_eintr([&] { return data_only ? ::fdatasync(fd_) : ::fsync(fd_); }));
  }
  Result<abi::StatFs> statfs() override;
  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override {
    return to_u64(::fgetxattr(fd_, name.c_str(), value.data(), value.size()));
  }
  Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) override {
    return void_rc(::fsetxattr(fd_, name.c_str(), value.data(), value.size(), flags));
  }
  Result<uint64_t> listxattr(std::span<uint8_t> list) override {
    return to_u64(::flistxattr(fd_, reinterpret_cast<char*>(list.data()), list.size()));
  }
  Result<void> removexattr(const std::string& name) override { return void_rc(::fremovexattr(fd_, name.c_str())); }
  std::pair<uint64_t, uint64_t> file_id() override {
    if (!id_) {
      struct stat st;
      if (::fstat(fd_, &st) < 0) return {0, 0};
      id_ = {st.st_dev, st.st_ino};
    }
    return *id_;
  }

 private:
  static Result<void> void_rc(long rc) {
    if (rc < 0) return err(errno);
    return {};
  }
  static Result<uint64_t> to_u64(long rc) {
    if (rc < 0) return err(errno);
    return static_cast<uint64_t>(rc);
  }
  // The file type, learned once: it cannot change for an open description.
  unsigned mode() const {
    if (!mode_) {
      struct stat st;
      mode_ = ::fstat(fd_, &st) == 0 ? st.st_mode : 0;
    }
    return *mode_;
  }

  // Pipes, sockets and character devices (terminals): their reads and
  // writes can block, which the provider must never do holding the big lock.
  bool is_stream() const {
    const unsigned type = mode() & S_IFMT;
    return type == S_IFIFO || type == S_IFSOCK || type == S_IFCHR;
  }
  Result<uint64_t> stream_io(uint8_t* data, size_t len, bool write);

  int fd_;
  bool nowait_unsupported_ = false;  // the host refused RWF_NOWAIT on this fd
  mutable std::optional<unsigned> mode_;
  std::optional<std::pair<uint64_t, uint64_t>> id_;  // (st_dev, st_ino): fixed for the description
  mutable std::optional<bool> positional_;
  mutable std::optional<bool> discards_;
  std::shared_ptr<const void> owner_;  // set: fd_ is owner_'s, not ours to close
};

// Host readiness, for poll/select and for the generic layer's waits.
unsigned HostFile::poll_events() {
  if (!is_stream()) return OpenFile::poll_events();
  pollfd p{fd_, POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDHUP, 0};
  if (retry_eintr([&] { return ::poll(&p, 1, 0); }) < 0) return POLLERR;
  return static_cast<uint16_t>(p.revents);
}

// One transfer that fails EAGAIN instead of blocking (the generic layer then
// waits on host_poll_fd() with the big lock released). RWF_NOWAIT makes
// that exact per call without touching the host fd's O_NONBLOCK, which the
// host shares with other processes (the user's terminal); where the host
// refuses it (terminals), a zero-timeout poll decides, and a read that
// loses a race with another reader of the same terminal can still block.
Result<uint64_t> HostFile::stream_io(uint8_t* data, size_t len, bool write) {
  if (len == 0) return 0;
  iovec v{data, len};
  if (!nowait_unsupported_) {
    long rc = retry_eintr([&] {
      return write ? ::pwritev2(fd_, &v, 1, -1, RWF_NOWAIT) : ::preadv2(fd_, &v, 1, -1, RWF_NOWAIT);
    });
    if (rc >= 0 || errno != EOPNOTSUPP) return to_u64(rc);
    nowait_unsupported_ = true;
  }
  pollfd p{fd_, static_cast<short>(write ? POLLOUT : POLLIN), 0};
  if (retry_eintr([&] { return ::poll(&p, 1, 0); }) == 0) return err(EAGAIN);
  return to_u64(retry_eintr([&] { return write ? ::write(fd_, data, len) : ::read(fd_, data, len); }));
}

Result<abi::StatFs> HostFile::statfs() {
  struct statfs s;
  if (::fstatfs(fd_, &s) < 0) return err(errno);
  return to_abi_statfs(s);
}

bool HostFile::positional() const {
  if (!positional_) {
    unsigned type = mode() & S_IFMT;
    // Pipes, sockets and terminals are streams; for other character devices
    // the host knows whether they seek.
    if (type == S_IFREG || type == S_IFDIR || type == S_IFBLK)
      positional_ = true;
    else if (type == S_IFIFO || type == S_IFSOCK)
      positional_ = false;
    else
      positional_ = ::lseek(fd_, 0, SEEK_CUR) >= 0 || errno != ESPIPE;
  }
  return *positional_;
}

bool HostFile::discards_writes() const {
  if (!discards_) {
    struct stat st;
    // Character devices 1:3 (null) and 1:5 (zero) accept and drop any write.
    discards_ = ::fstat(fd_, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
                (minor(st.st_rdev) == 3 || minor(st.st_rdev) == 5);
  }
  return *discards_;
}

Result<long> HostFile::ioctl(Task& task, unsigned cmd, uint64_t arg) {
  GuestMemory& mem = task.mem();
  switch (cmd) {
    case abi::kTcgets: {
      abi::Termios t;
      if (::ioctl(fd_, TCGETS, &t) < 0) return err(errno);
      TRY(mem.write(UserPtr<abi::Termios>{arg}, t));
      return 0;
    }
    case abi::kTcsets:
    case abi::kTcsetsw:
    case abi::kTcsetsf: {
      // Only a terminal may be configured; checking first keeps a bad
      // pointer on a non-tty reporting ENOTTY as Linux does.
      if (!::isatty(fd_)) return err(ENOTTY);
      abi::Termios t = TRY(mem.read(UserPtr<abi::Termios>{arg}));
      if (retry_eintr([&] { return ::ioctl(fd_, cmd, &t); }) < 0) return err(errno);
      return 0;
    }
    case abi::kTiocgwinsz: {
      abi::Winsize w;
      if (::ioctl(fd_, TIOCGWINSZ, &w) < 0) return err(errno);
      TRY(mem.write(UserPtr<abi::Winsize>{arg}, w));
      return 0;
    }
    case abi::kFionread: {
      int n = 0;
      if (::ioctl(fd_, FIONREAD, &n) < 0) return err(errno);
      TRY(mem.write(UserPtr<int>{arg}, n));
      return 0;
    }
    default:
      return err(ENOTTY);
  }
}

Result<void> HostFile::update_status_flags(int flags) {
  // O_APPEND and O_NONBLOCK change what host I/O does; the other settable
  // flags (O_DIRECT, O_NOATIME, O_ASYNC) are only recorded.
  int host = ::fcntl(fd_, F_GETFL);
  if (host < 0) return err(errno);
  int want = (host & ~(O_APPEND | O_NONBLOCK)) | (flags & (O_APPEND | O_NONBLOCK));
  if (want != host && ::fcntl(fd_, F_SETFL, want) < 0) return err(errno);
  set_status_flags(flags);
  return {};
}

}  // namespace

OpenFileRef make_host_fd_file(int host_fd, int status_flags) {
  return std::make_shared<HostFile>(host_fd, status_flags);
}

OpenFileRef make_host_fd_file(int host_fd, int status_flags, const HostFileIdentity& id) {
  return std::make_shared<HostFile>(host_fd, status_flags, id);
}

OpenFileRef make_host_fd_file_borrowed(int host_fd, int status_flags, unsigned mode,
                                       std::shared_ptr<const void> owner) {
  return std::make_shared<HostFile>(host_fd, status_flags, mode, std::move(owner));
}

}  // namespace lx
