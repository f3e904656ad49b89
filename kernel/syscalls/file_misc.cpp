// The rest of the file syscalls: creat, openat2, close_range,
// preadv2/pwritev2, copy_file_range and splice.
#include <algorithm>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/ipc/Fifo.h"
#include "kernel/syscalls/FileLocks.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/FileWait.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/GuestIo.h"
#include "kernel/vfs/PathLookup.h"
#include "kernel/vfs/PathWalk.h"

namespace lx {

namespace {

constexpr uint32_t kSIfifo = 0010000;

// ---- open helpers ---------------------------------------------------------------------

Result<long> install_opened(Task& task, Result<OpenFileRef> opened, int flags) {
  OpenFileRef file = TRY(std::move(opened));
  TRY(wait_fifo_partner(task, *file));
  return TRY(task.fds().install(std::move(file), (flags & abi::kOCloexec) != 0));
}

// ---- creat ------------------------------------------------------------------------------

Result<long> sys_creat(Task& task, const SyscallArgs& a) {
  constexpr int kFlags = abi::kOCreat | abi::kOWronly | abi::kOTrunc;
  std::string path = TRY(read_guest_path(task, a[0]));
  TRY(task.fds().check_free_slot());  // the fd slot is taken before the walk, as open(2) does
  if (path.empty()) return err(ENOENT);
  std::string base = TRY(at_base(task, abi::kAtFdCwd, path));
  const unsigned mode = static_cast<unsigned>(a[1]) & 07777 & ~task.tg().umask;
  return install_opened(task, task.kernel().vfs().open(base, path, kFlags, mode), kFlags);
}

// ---- openat2 ----------------------------------------------------------------------------

struct OpenHow {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
static_assert(sizeof(OpenHow) == 24);  // OPEN_HOW_SIZE_VER0


// VALID_OPEN_FLAGS: openat2 rejects anything else instead of ignoring it.
constexpr uint64_t kValidOpenFlags = abi::kOAccmode | abi::kOCreat | abi::kOExcl | abi::kONoctty | abi::kOTrunc |
                                     abi::kOAppend | abi::kONonblock | abi::kOSync | abi::kOAsync | abi::kODirect |
                                     abi::kOLargefile | abi::kODirectory | abi::kONofollow | abi::kONoatime |
                                     abi::kOCloexec | abi::kOPath | abi::kOTmpfileBit;
constexpr uint64_t kOPathFlags = abi::kODirectory | abi::kONofollow | abi::kOPath | abi::kOCloexec;

// copy_struct_from_user() for a struct the guest may have extended: the
// bytes we do not know must be zero (E2BIG otherwise). They are scanned in
// bounded chunks and the scan stops at the first non-zero byte, as Linux's
// check_zeroed_user() does.
Result<OpenHow> read_open_how(Task& task, uint64_t addr, uint64_t usize) {
  if (usize < sizeof(OpenHow)) return err(EINVAL);
  if (usize > sizeof(OpenHow)) {
    const uint64_t rest = usize - sizeof(OpenHow);
    if (addr > std::numeric_limits<uint64_t>::max() - sizeof(OpenHow)) return err(EFAULT);
    const uint64_t tail = addr + sizeof(OpenHow);
    TRY(task.mem().check_range(tail, rest));
    std::vector<uint8_t> chunk(std::min<uint64_t>(rest, 4096));
    for (uint64_t done = 0; done < rest;) {
      const uint64_t n = std::min<uint64_t>(rest - done, chunk.size());
      TRY(task.mem().copy_in(tail + done, chunk.data(), n));
      if (std::any_of(chunk.begin(), chunk.begin() + static_cast<long>(n), [](uint8_t b) { return b != 0; }))
        return err(E2BIG);
      done += n;
    }
  }
  return task.mem().read(UserPtr<OpenHow>{addr});
}

// build_open_flags(): every argument check, in Linux's order.
Result<void> check_open_how(const OpenHow& how) {
  const uint64_t flags = how.flags;
  if (flags & ~kValidOpenFlags) return err(EINVAL);
  if (how.resolve & ~uint64_t{kResolveAll}) return err(EINVAL);
  if ((how.resolve & kResolveBeneath) && (how.resolve & kResolveInRoot)) return err(EINVAL);
  const bool creates = (flags & (abi::kOCreat | abi::kOTmpfileBit)) != 0;
  if (creates ? (how.mode & ~uint64_t{07777}) != 0 : how.mode != 0) return err(EINVAL);
  if ((flags & (abi::kODirectory | abi::kOCreat)) == (abi::kODirectory | abi::kOCreat)) return err(EINVAL);
  if (flags & abi::kOTmpfileBit) {
    if (!(flags & abi::kODirectory)) return err(EINVAL);
    if ((flags & abi::kOAccmode) == abi::kORdonly) return err(EINVAL);  // O_TMPFILE needs write access
  }
  if ((flags & abi::kOPath) && (flags & ~kOPathFlags)) return err(EINVAL);
  // Nothing is cached in the dcache sense: a create or truncate could not
  // be done without blocking, so Linux refuses it outright.
  if ((how.resolve & kResolveCached) && (flags & (abi::kOTrunc | abi::kOCreat | abi::kOTmpfileBit))) return err(EAGAIN);
  return {};
}

Result<long> sys_openat2(Task& task, const SyscallArgs& a) {
  const int dirfd = arg_int(a[0]);
  OpenHow how = TRY(read_open_how(task, a[2], a[3]));
  TRY(check_open_how(how));
  const int flags = static_cast<int>(how.flags);
  std::string path = TRY(read_guest_path(task, a[1]));
  TRY(task.fds().check_free_slot());
  if (path.empty()) return err(ENOENT);
  unsigned mode = static_cast<unsigned>(how.mode);
  if (flags & (abi::kOCreat | abi::kOTmpfileBit)) mode &= ~task.tg().umask;
  Vfs& vfs = task.kernel().vfs();
  const auto resolve = static_cast<unsigned>(how.resolve);
  // RESOLVE_BENEATH / RESOLVE_IN_ROOT bound the walk by the dirfd (or the
  // cwd) even for an absolute path, which at_base() would send to "/".
  std::string base;
  if (!(resolve & (kResolveBeneath | kResolveInRoot))) {
    base = TRY(at_base(task, dirfd, path));
  } else if (dirfd == abi::kAtFdCwd) {
    base = task.tg().cwd;
  } else {
    OpenFileRef dir = TRY(task.fds().get(dirfd));
    if (!dir->is_directory()) return err(ENOTDIR);
    base = dir->guest_path();
  }
  return install_opened(task, vfs.open(base, path, flags, mode, resolve), flags);
}

// ---- close_range ------------------------------------------------------------------------

constexpr unsigned kCloseRangeUnshare = 2;
constexpr unsigned kCloseRangeCloexec = 4;

Result<long> sys_close_range(Task& task, const SyscallArgs& a) {
  const auto first = static_cast<uint32_t>(a[0]);
  const auto last = static_cast<uint32_t>(a[1]);
  const auto flags = static_cast<uint32_t>(a[2]);
  if (flags & ~(kCloseRangeUnshare | kCloseRangeCloexec)) return err(EINVAL);
  if (first > last) return err(EINVAL);
  // UNSHARE: the fd table is never shared between processes yet, so there
  // is nothing to unshare. Fds beyond the table are simply not open.
  FdTable& fds = task.fds();
  const uint32_t end = std::min<uint32_t>(last, static_cast<uint32_t>(std::max(fds.max_fds(), 1) - 1));
  for (uint64_t fd = first; fd <= end; ++fd) {
    Result<OpenFileRef> f = fds.get(static_cast<int>(fd));
    if (!f.ok()) continue;
    if (flags & kCloseRangeCloexec) {
      (void)fds.set_cloexec(static_cast<int>(fd), true);
    } else {
      (void)fds.close(static_cast<int>(fd));
      release_posix_locks(task, f.value());
    }
  }
  return 0;
}

// ---- preadv2 / pwritev2 -----------------------------------------------------------------

constexpr int kRwfHipri = 0x01;
constexpr int kRwfDsync = 0x02;
constexpr int kRwfSync = 0x04;
constexpr int kRwfNowait = 0x08;
constexpr int kRwfAppend = 0x10;
constexpr int kRwfNoappend = 0x20;
constexpr int kRwfAtomic = 0x40;
constexpr int kRwfDontcache = 0x80;
constexpr int kRwfKnown =
    kRwfHipri | kRwfDsync | kRwfSync | kRwfNowait | kRwfAppend | kRwfNoappend | kRwfAtomic | kRwfDontcache;

// kiocb_set_rw_flags(): unknown bits and features the file cannot do are
// EOPNOTSUPP. HIPRI (polled I/O) and NOWAIT (data is always at hand on our
// filesystems) are accepted as hints.
Result<void> check_rwf(OpenFile& f, int flags, bool write) {
  if (flags & ~kRwfKnown) return err(EOPNOTSUPP);
  if (flags & kRwfAtomic) return err(EOPNOTSUPP);     // no filesystem offers untorn writes
  if (flags & kRwfDontcache) return err(EOPNOTSUPP);  // nor uncached buffered I/O
  // The host would append anyway on an O_APPEND file: NOAPPEND cannot be
  // honoured there, so it is refused rather than ignored.
  if (write && (flags & kRwfNoappend) && (f.status_flags() & abi::kOAppend)) return err(EOPNOTSUPP);
  return {};
}

Result<long> sys_preadv2(Task& task, const SyscallArgs& a) {
  // x86-64 passes the whole offset in pos_l; pos_h only matters on 32-bit.
  const auto pos = static_cast<int64_t>(a[3]);
  const int flags = arg_int(a[5]);
  if (pos < -1) return err(EINVAL);
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  if (!f->readable()) return err(EBADF);
  if (pos != -1 && !f->positional()) return err(ESPIPE);
  std::vector<abi::Iovec> iov = TRY(read_guest_iovec(task.mem(), a[1], a[2]));
  if (iovec_total(iov) == 0) return 0;
  TRY(check_rwf(*f, flags, false));
  std::optional<int64_t> at;
  if (pos != -1) at = pos;
  return static_cast<long>(TRY(read_into_guest(task, *f, iov, at)));
}

Result<long> sys_pwritev2(Task& task, const SyscallArgs& a) {
  const auto pos = static_cast<int64_t>(a[3]);
  const int flags = arg_int(a[5]);
  if (pos < -1) return err(EINVAL);
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  if (!f->writable()) return err(EBADF);
  if (pos != -1 && !f->positional()) return err(ESPIPE);
  std::vector<abi::Iovec> iov = TRY(read_guest_iovec(task.mem(), a[1], a[2]));
  if (iovec_total(iov) == 0) return 0;
  TRY(check_rwf(*f, flags, true));
  std::optional<int64_t> at;
  if (pos != -1) at = pos;
  if ((flags & kRwfAppend) && f->is_regular()) {
    // Append for this call only: at end of file whatever the offset says;
    // the file offset moves only for the offset -1 form.
    if (at) {
      abi::Stat st = TRY(f->stat());
      at = st.st_size;
    } else {
      TRY(f->seek(0, abi::kSeekEnd));
    }
  }
  const uint64_t n = TRY(write_from_guest(task, *f, iov, at));
  if ((flags & (kRwfDsync | kRwfSync)) && f->is_regular()) TRY(f->sync((flags & kRwfSync) == 0));
  return static_cast<long>(n);
}

// ---- copy_file_range --------------------------------------------------------------------

// Copies up to len bytes from `in` at in_pos to `out` at out_pos through
// the bounce buffer; stops at end of input or a short write.
Result<uint64_t> copy_positional(OpenFile& in, int64_t in_pos, OpenFile& out, int64_t out_pos, uint64_t len) {
  std::vector<uint8_t> bounce(std::min(len, kBounceSize));
  uint64_t done = 0;
  while (done < len) {
    const auto off = static_cast<int64_t>(done);
    std::span<uint8_t> chunk(bounce.data(), std::min<uint64_t>(len - done, bounce.size()));
    Result<uint64_t> got = in.pread(chunk, in_pos + off);
    if (!got.ok()) {
      if (done) break;
      return err(got.error());
    }
    if (got.value() == 0) break;
    Result<uint64_t> put = out.pwrite(std::span<const uint8_t>(chunk.data(), got.value()), out_pos + off);
    if (!put.ok()) {
      if (done) break;
      return err(put.error());
    }
    done += put.value();
    if (put.value() < got.value()) break;
  }
  return done;
}

Result<long> sys_copy_file_range(Task& task, const SyscallArgs& a) {
  OpenFileRef in = TRY(task.fds().get(arg_int(a[0])));
  if (in->is_path()) return err(EBADF);
  OpenFileRef out = TRY(task.fds().get(arg_int(a[2])));
  if (out->is_path()) return err(EBADF);
  const UserPtr<int64_t> off_in{a[1]}, off_out{a[3]};
  const unsigned flags = static_cast<unsigned>(a[5]);
  int64_t pos_in = 0, pos_out = 0;
  if (!off_in.is_null()) {
    pos_in = TRY(task.mem().read(off_in));
  } else {
    Result<int64_t> p = in->seek(0, abi::kSeekCur);
    pos_in = p.ok() ? p.value() : 0;
  }
  if (!off_out.is_null()) {
    pos_out = TRY(task.mem().read(off_out));
  } else {
    Result<int64_t> p = out->seek(0, abi::kSeekCur);
    pos_out = p.ok() ? p.value() : 0;
  }
  if (flags != 0) return err(EINVAL);
  // generic_copy_file_checks()
  abi::Stat st_in = TRY(in->stat());
  abi::Stat st_out = TRY(out->stat());
  const uint32_t tin = st_in.st_mode & abi::kSIfmt, tout = st_out.st_mode & abi::kSIfmt;
  if (tin == abi::kSIfdir || tout == abi::kSIfdir) return err(EISDIR);
  if (tin != abi::kSIfreg || tout != abi::kSIfreg) return err(EINVAL);
  if (!in->readable() || !out->writable() || (out->status_flags() & abi::kOAppend)) return err(EBADF);
  uint64_t count = std::min(a[4], abi::kMaxRwCount);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (pos_in < 0 || pos_out < 0) return err(EINVAL);
  if (static_cast<uint64_t>(pos_in) > static_cast<uint64_t>(kMax) - count ||
      static_cast<uint64_t>(pos_out) > static_cast<uint64_t>(kMax) - count)
    return err(EOVERFLOW);
  // Copies stop at the input's end of file.
  count = pos_in >= st_in.st_size ? 0 : std::min<uint64_t>(count, static_cast<uint64_t>(st_in.st_size - pos_in));
  const bool same_file = st_in.st_dev == st_out.st_dev && st_in.st_ino == st_out.st_ino;
  const auto c = static_cast<int64_t>(count);
  if (same_file && pos_out + c > pos_in && pos_out < pos_in + c) return err(EINVAL);  // overlapping ranges
  if (count == 0) return 0;
  const uint64_t n = TRY(copy_positional(*in, pos_in, *out, pos_out, count));
  if (n > 0) {
    const auto moved = static_cast<int64_t>(n);
    if (!off_in.is_null()) {
      TRY(task.mem().write(off_in, pos_in + moved));
    } else {
      TRY(in->seek(pos_in + moved, abi::kSeekSet));
    }
    if (!off_out.is_null()) {
      TRY(task.mem().write(off_out, pos_out + moved));
    } else {
      TRY(out->seek(pos_out + moved, abi::kSeekSet));
    }
  }
  return static_cast<long>(n);
}

// ---- splice -----------------------------------------------------------------------------

constexpr unsigned kSpliceFAll = 0x0f;  // MOVE | NONBLOCK | MORE | GIFT
constexpr unsigned kSpliceFNonblock = 0x02;

bool is_pipe(OpenFile& f) {
  Result<abi::Stat> st = f.stat();
  return st.ok() && (st.value().st_mode & abi::kSIfmt) == kSIfifo;
}

// Moves data between a pipe and a file (or two pipes) through the bounce
// buffer, one read's worth per call, which splice(2) permits.
Result<long> sys_splice(Task& task, const SyscallArgs& a) {
  const uint64_t len = a[4];
  const auto flags = static_cast<uint32_t>(a[5]);
  if (len == 0) return 0;
  if (flags & ~kSpliceFAll) return err(EINVAL);
  OpenFileRef in = TRY(task.fds().get(arg_int(a[0])));
  if (in->is_path()) return err(EBADF);
  OpenFileRef out = TRY(task.fds().get(arg_int(a[2])));
  if (out->is_path()) return err(EBADF);
  const UserPtr<int64_t> off_in{a[1]}, off_out{a[3]};
  const bool ipipe = is_pipe(*in), opipe = is_pipe(*out);
  if (ipipe && !off_in.is_null()) return err(ESPIPE);
  if (opipe && !off_out.is_null()) return err(ESPIPE);
  std::optional<int64_t> pos_in, pos_out;
  if (!off_out.is_null()) pos_out = TRY(task.mem().read(off_out));
  if (!off_in.is_null()) pos_in = TRY(task.mem().read(off_in));
  if (!in->readable() || !out->writable()) return err(EBADF);
  if (ipipe && opipe && in.get() == out.get()) return err(EINVAL);
  if (!ipipe && !opipe) return err(EINVAL);  // at least one end must be a pipe
  if (ipipe && !opipe) {
    if (pos_out && !out->positional()) return err(EINVAL);
    if (out->status_flags() & abi::kOAppend) return err(EINVAL);
    if (pos_out && *pos_out < 0) return err(EINVAL);
  }
  if (opipe && !ipipe) {
    if (pos_in && !in->positional()) return err(EINVAL);
    if (pos_in && *pos_in < 0) return err(EINVAL);
  }
  std::vector<uint8_t> bounce(std::min({len, abi::kMaxRwCount, kBounceSize}));
  // SPLICE_F_NONBLOCK makes the pipe operations non-blocking (and only those).
  const bool nonblock = flags & kSpliceFNonblock;
  const uint64_t got = TRY(nonblock && ipipe ? (pos_in ? in->pread(bounce, *pos_in) : in->read(bounce))
                                             : read_waiting(task, *in, bounce, pos_in));
  if (got == 0) return 0;
  std::span<const uint8_t> data(bounce.data(), got);
  Result<uint64_t> put = nonblock && opipe ? (pos_out ? out->pwrite(data, *pos_out) : out->write(data))
                                           : write_waiting(task, *out, data, pos_out);
  const uint64_t written = put.ok() ? put.value() : 0;
  // Bytes taken from a regular file but not delivered are given back by
  // rewinding; from a pipe they cannot be, so report what was written.
  if (written < got && !pos_in && !ipipe) (void)in->seek(-static_cast<int64_t>(got - written), abi::kSeekCur);
  if (written == 0 && !put.ok()) return err(put.error());
  if (pos_in) TRY(task.mem().write(off_in, *pos_in + static_cast<int64_t>(written)));
  if (pos_out) TRY(task.mem().write(off_out, *pos_out + static_cast<int64_t>(written)));
  return static_cast<long>(written);
}

}  // namespace

void register_file_misc(SyscallTable& t) {
  using A = Arg;
  t.add(85, "creat", Support::Full, sys_creat, {A::Path, A::Mode});
  t.add(275, "splice", Support::Partial, sys_splice, {A::Fd, A::Ptr, A::Fd, A::Ptr, A::Size, A::Hex},
        "copies one buffer (64 KiB) per call through the provider; data read from a pipe that the "
        "output then refuses is lost");
  t.add(326, "copy_file_range", Support::Full, sys_copy_file_range, {A::Fd, A::Ptr, A::Fd, A::Ptr, A::Size, A::Hex});
  t.add(327, "preadv2", Support::Partial, sys_preadv2, {A::Fd, A::Ptr, A::Int, A::Long, A::Long, A::Hex},
        "RWF_NOWAIT and RWF_HIPRI are accepted as hints; RWF_ATOMIC and RWF_DONTCACHE are EOPNOTSUPP");
  t.add(328, "pwritev2", Support::Partial, sys_pwritev2, {A::Fd, A::Ptr, A::Int, A::Long, A::Long, A::Hex},
        "RWF_NOWAIT and RWF_HIPRI are hints; RWF_ATOMIC, RWF_DONTCACHE and RWF_NOAPPEND on an O_APPEND "
        "file are EOPNOTSUPP");
  t.add(436, "close_range", Support::Full, sys_close_range, {A::Fd, A::Fd, A::Hex});
  t.add(437, "openat2", Support::Partial, sys_openat2, {A::DirFd, A::Path, A::Ptr, A::Size},
        "RESOLVE_CACHED always fails EAGAIN (there is no lookup cache to satisfy it; callers retry "
        "without it, as Linux allows)");
}

}  // namespace lx
