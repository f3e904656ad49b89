// read/write and friends, open/close, lseek, dup*, fcntl. Checks come in the
// order Linux makes them (fd, then access mode, then the buffer), since
// programs and tests observe which errno wins.
#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/ipc/Fifo.h"
#include "kernel/ipc/PipeFile.h"
#include "kernel/syscalls/FileLocks.h"
#include "kernel/syscalls/Seals.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/FileWait.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/GuestIo.h"
#include "kernel/vfs/PathLookup.h"

namespace lx {

namespace {

Result<OpenFileRef> readable_file(Task& task, uint64_t fd) {
  OpenFileRef f = TRY(task.fds().get(arg_int(fd)));
  if (!f->readable()) return err(EBADF);
  return f;
}

Result<OpenFileRef> writable_file(Task& task, uint64_t fd) {
  OpenFileRef f = TRY(task.fds().get(arg_int(fd)));
  if (!f->writable()) return err(EBADF);
  return f;
}

// The one-buffer case of the vectored helpers. Linux validates the whole
// user range before clamping the count to MAX_RW_COUNT.
Result<abi::Iovec> single_buffer(Task& task, uint64_t buf, uint64_t count) {
  TRY(task.mem().check_range(buf, count));
  return abi::Iovec{buf, std::min(count, abi::kMaxRwCount)};
}

// ---- read / write -------------------------------------------------------------

Result<long> sys_read(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(readable_file(task, a[0]));
  abi::Iovec iov = TRY(single_buffer(task, a[1], a[2]));
  return static_cast<long>(TRY(read_into_guest(task, *f, {&iov, 1}, std::nullopt, true)));
}

Result<long> sys_write(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(writable_file(task, a[0]));
  abi::Iovec iov = TRY(single_buffer(task, a[1], a[2]));
  return static_cast<long>(TRY(write_from_guest(task, *f, {&iov, 1}, std::nullopt, true)));
}

Result<long> sys_readv(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(readable_file(task, a[0]));
  std::vector<abi::Iovec> iov = TRY(read_guest_iovec(task.mem(), a[1], a[2]));
  if (iovec_total(iov) == 0) return 0;
  return static_cast<long>(TRY(read_into_guest(task, *f, iov, std::nullopt, true)));
}

Result<long> sys_writev(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(writable_file(task, a[0]));
  std::vector<abi::Iovec> iov = TRY(read_guest_iovec(task.mem(), a[1], a[2]));
  if (iovec_total(iov) == 0) return 0;
  return static_cast<long>(TRY(write_from_guest(task, *f, iov, std::nullopt, true)));
}

// Positional I/O: a negative offset is EINVAL before the fd is even looked
// at; streams are ESPIPE.
Result<OpenFileRef> positional_file(Task& task, uint64_t fd, int64_t pos, bool for_write) {
  if (pos < 0) return err(EINVAL);
  OpenFileRef f = TRY(for_write ? writable_file(task, fd) : readable_file(task, fd));
  if (!f->positional()) return err(ESPIPE);
  return f;
}

Result<long> sys_pread64(Task& task, const SyscallArgs& a) {
  const auto pos = static_cast<int64_t>(a[3]);
  OpenFileRef f = TRY(positional_file(task, a[0], pos, false));
  abi::Iovec iov = TRY(single_buffer(task, a[1], a[2]));
  return static_cast<long>(TRY(read_into_guest(task, *f, {&iov, 1}, pos)));
}

Result<long> sys_pwrite64(Task& task, const SyscallArgs& a) {
  const auto pos = static_cast<int64_t>(a[3]);
  OpenFileRef f = TRY(positional_file(task, a[0], pos, true));
  abi::Iovec iov = TRY(single_buffer(task, a[1], a[2]));
  return static_cast<long>(TRY(write_from_guest(task, *f, {&iov, 1}, pos)));
}

Result<long> sys_preadv(Task& task, const SyscallArgs& a) {
  const auto pos = static_cast<int64_t>(a[3]);
  OpenFileRef f = TRY(positional_file(task, a[0], pos, false));
  std::vector<abi::Iovec> iov = TRY(read_guest_iovec(task.mem(), a[1], a[2]));
  if (iovec_total(iov) == 0) return 0;
  return static_cast<long>(TRY(read_into_guest(task, *f, iov, pos)));
}

Result<long> sys_pwritev(Task& task, const SyscallArgs& a) {
  const auto pos = static_cast<int64_t>(a[3]);
  OpenFileRef f = TRY(positional_file(task, a[0], pos, true));
  std::vector<abi::Iovec> iov = TRY(read_guest_iovec(task.mem(), a[1], a[2]));
  if (iovec_total(iov) == 0) return 0;
  return static_cast<long>(TRY(write_from_guest(task, *f, iov, pos)));
}

// ---- sendfile -----------------------------------------------------------------

// Copies through the bounce buffer in the provider; nothing reaches guest
// memory except the updated offset.
Result<long> sys_sendfile(Task& task, const SyscallArgs& a) {
  OpenFileRef out = TRY(writable_file(task, a[0]));
  OpenFileRef in = TRY(readable_file(task, a[1]));
  if (out->status_flags() & abi::kOAppend) return err(EINVAL);
  const UserPtr<int64_t> off_ptr{a[2]};
  std::optional<int64_t> pos;
  if (!off_ptr.is_null()) {
    pos = TRY(task.mem().read(off_ptr));
    if (*pos < 0) return err(EINVAL);
    if (!in->positional()) return err(ESPIPE);
  }
  const uint64_t count = std::min(a[3], abi::kMaxRwCount);
  std::vector<uint8_t> bounce(std::min(count, kBounceSize));
  uint64_t done = 0;
  int error = 0;
  while (done < count) {
    std::span<uint8_t> chunk(bounce.data(), std::min<uint64_t>(count - done, bounce.size()));
    const std::optional<int64_t> at = pos ? std::optional(*pos + static_cast<int64_t>(done)) : std::nullopt;
    // Only an empty-handed call sleeps for input; output waits for room.
    Result<uint64_t> got = done == 0 ? read_waiting(task, *in, chunk, at) : (at ? in->pread(chunk, *at) : in->read(chunk));
    if (!got.ok()) {
      error = got.error();
      break;
    }
    if (got.value() == 0) break;
    Result<uint64_t> put = write_waiting(task, *out, std::span<const uint8_t>(chunk.data(), got.value()), std::nullopt);
    const uint64_t written = put.ok() ? put.value() : 0;
    done += written;
    if (written < got.value()) {
      // Data read but not written must be read again by the next call.
      if (!pos && in->is_regular()) (void)in->seek(-static_cast<int64_t>(got.value() - written), abi::kSeekCur);
      if (!put.ok()) error = put.error();
      break;
    }
    if (got.value() < chunk.size() || !in->is_regular()) break;
  }
  if (pos) TRY(task.mem().write(off_ptr, *pos + static_cast<int64_t>(done)));
  if (done == 0 && error) return err(error);
  return static_cast<long>(done);
}

// ---- open / close ---------------------------------------------------------------

Result<long> do_openat(Task& task, int dirfd, uint64_t path_addr, int flags, unsigned mode) {
  std::string path = TRY(read_guest_path(task, path_addr));
  // Linux takes the fd slot before walking the path.
  TRY(task.fds().check_free_slot());
  if (path.empty()) return err(ENOENT);
  std::string base = TRY(at_base(task, dirfd, path));
  const bool creates = (flags & abi::kOCreat) || (flags & abi::kOTmpfile) == abi::kOTmpfile;
  if (creates) mode &= 07777 & ~task.tg().umask;
  OpenFileRef file = TRY(task.kernel().vfs().open(base, path, flags, mode));
  TRY(wait_fifo_partner(task, *file));  // a FIFO end may have to wait for the other side
  return TRY(task.fds().install(std::move(file), (flags & abi::kOCloexec) != 0));
}

Result<long> sys_open(Task& task, const SyscallArgs& a) {
  return do_openat(task, abi::kAtFdCwd, a[0], arg_int(a[1]), static_cast<unsigned>(a[2]));
}

Result<long> sys_openat(Task& task, const SyscallArgs& a) {
  return do_openat(task, arg_int(a[0]), a[1], arg_int(a[2]), static_cast<unsigned>(a[3]));
}

Result<long> sys_close(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  TRY(task.fds().close(arg_int(a[0])));
  release_posix_locks(task, f);  // closing any fd drops the process's record locks on the file
  return 0;
}

// ---- lseek ------------------------------------------------------------------------

Result<long> sys_lseek(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  if (f->is_path()) return err(EBADF);
  const unsigned whence = static_cast<unsigned>(a[2]);
  if (whence > static_cast<unsigned>(abi::kSeekHole)) return err(EINVAL);
  return TRY(f->seek(static_cast<int64_t>(a[1]), static_cast<int>(whence)));
}

// ---- dup family ---------------------------------------------------------------------

Result<long> sys_dup(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  return TRY(task.fds().install(std::move(f), false));
}

Result<long> do_dup3(Task& task, int oldfd, int newfd, int flags) {
  if (flags & ~abi::kOCloexec) return err(EINVAL);
  if (oldfd == newfd) return err(EINVAL);
  if (newfd < 0 || newfd >= task.fds().max_fds()) return err(EBADF);
  OpenFileRef f = TRY(task.fds().get(oldfd));
  TRY(task.fds().install_at(newfd, std::move(f), (flags & abi::kOCloexec) != 0));
  return newfd;
}

Result<long> sys_dup2(Task& task, const SyscallArgs& a) {
  const int oldfd = arg_int(a[0]), newfd = arg_int(a[1]);
  if (oldfd == newfd) {
    TRY(task.fds().get(oldfd));
    return newfd;
  }
  return do_dup3(task, oldfd, newfd, 0);
}

Result<long> sys_dup3(Task& task, const SyscallArgs& a) {
  return do_dup3(task, arg_int(a[0]), arg_int(a[1]), arg_int(a[2]));
}

// ---- fcntl ----------------------------------------------------------------------------

constexpr int kFSetpipeSz = 1031, kFGetpipeSz = 1032;

Result<long> sys_fcntl(Task& task, const SyscallArgs& a) {
  const int fd = arg_int(a[0]);
  const int cmd = arg_int(a[1]);
  const uint64_t arg = a[2];
  OpenFileRef f = TRY(task.fds().get(fd));
  switch (cmd) {
    case abi::kFDupfd:
    case abi::kFDupfdCloexec:
      // arg is unsigned long to Linux: a negative int is out of range too.
      if (arg >= static_cast<uint64_t>(task.fds().max_fds())) return err(EINVAL);
      return TRY(task.fds().install(std::move(f), cmd == abi::kFDupfdCloexec, static_cast<int>(arg)));
    case abi::kFGetfd:
      return TRY(task.fds().cloexec(fd)) ? abi::kFdCloexec : 0;
    case abi::kFSetfd:
      TRY(task.fds().set_cloexec(fd, (arg & abi::kFdCloexec) != 0));
      return 0;
    case abi::kFGetfl:
      return f->status_flags();
    case abi::kFSetfl: {
      if (f->is_path()) return err(EBADF);
      const int flags = (f->status_flags() & ~abi::kSetflMask) | (arg_int(arg) & abi::kSetflMask);
      TRY(f->update_status_flags(flags));
      return 0;
    }
    case kFSetpipeSz:
    case kFGetpipeSz: {
      if (f->is_path()) return err(EBADF);
      PipeFile* p = as_pipe(*f);
      if (!p) return err(EBADF);  // get_pipe_info() fails for anything else
      if (cmd == kFGetpipeSz) return static_cast<long>(p->pipe().capacity());
      // The size is an unsigned int to Linux; the guest is privileged
      // (CAP_SYS_RESOURCE) exactly when it is root.
      return static_cast<long>(TRY(p->pipe().set_capacity(static_cast<uint32_t>(arg), task.tg().euid == 0)));
    }
    default:
      if (is_fcntl_lock_cmd(cmd)) return fcntl_lock(task, f, cmd, arg);
      // O_PATH descriptions accept only the commands above.
      if (f->is_path()) return err(EBADF);
      if (is_fcntl_seal_cmd(cmd)) return fcntl_seals(*f, cmd, arg);
      return err(EINVAL);
  }
}

}  // namespace

void register_file_io(SyscallTable& t) {
  using A = Arg;
  t.add(0, "read", Support::Full, sys_read, {A::Fd, A::OutBuf, A::Size});
  t.add(1, "write", Support::Full, sys_write, {A::Fd, A::InBuf, A::Size});
  t.add(2, "open", Support::Full, sys_open, {A::Path, A::OpenFlags, A::Mode});
  t.add(3, "close", Support::Full, sys_close, {A::Fd});
  t.add(8, "lseek", Support::Full, sys_lseek, {A::Fd, A::Long, A::Whence});
  t.add(17, "pread64", Support::Full, sys_pread64, {A::Fd, A::OutBuf, A::Size, A::Long});
  t.add(18, "pwrite64", Support::Full, sys_pwrite64, {A::Fd, A::InBuf, A::Size, A::Long});
  t.add(19, "readv", Support::Full, sys_readv, {A::Fd, A::Ptr, A::Int});
  t.add(20, "writev", Support::Full, sys_writev, {A::Fd, A::Ptr, A::Int});
  t.add(40, "sendfile", Support::Full, sys_sendfile, {A::Fd, A::Fd, A::Ptr, A::Size});
  t.add(32, "dup", Support::Full, sys_dup, {A::Fd});
  t.add(33, "dup2", Support::Full, sys_dup2, {A::Fd, A::Fd});
  t.add(72, "fcntl", Support::Partial, sys_fcntl, {A::Fd, A::Int, A::Hex},
        "F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD/F_SETFD, F_GETFL/F_SETFL and record/OFD locks (a conflicting "
        "F_SETLKW fails EDEADLK instead of sleeping), F_GETPIPE_SZ/F_SETPIPE_SZ, F_ADD_SEALS/F_GET_SEALS "
        "(memfds and host tmpfs files; the guest's own tmpfs files give EINVAL); owners, leases and "
        "notify return EINVAL; O_ASYNC is recorded but sends no SIGIO");
  t.add(257, "openat", Support::Full, sys_openat, {A::DirFd, A::Path, A::OpenFlags, A::Mode});
  t.add(292, "dup3", Support::Full, sys_dup3, {A::Fd, A::Fd, A::OpenFlags});
  t.add(295, "preadv", Support::Full, sys_preadv, {A::Fd, A::Ptr, A::Int, A::Long});
  t.add(296, "pwritev", Support::Full, sys_pwritev, {A::Fd, A::Ptr, A::Int, A::Long});
}

}  // namespace lx
