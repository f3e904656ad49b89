// Metadata syscalls: chmod/chown/utimes families, truncate, fallocate,
// statx, statfs and the sync family. Path forms go to the Vfs; fd forms go
// to the open file's hooks (OpenFile.h). Argument checks come first and in
// Linux's order, since tests observe which errno wins.
#include <cstring>
#include <limits>
#include <string>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/FsNotify.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/PathLookup.h"

namespace lx {

namespace {

constexpr int64_t kUtimeNow = (1 << 30) - 1;
constexpr int64_t kUtimeOmit = (1 << 30) - 2;
constexpr uint32_t kSIfifo = 0010000;

// ---- shared: the file an AT_EMPTY_PATH call names -----------------------------------

struct AtPath {
  std::string base;
  std::string path;
};

// Path arguments resolved to (base, path). With AT_EMPTY_PATH an empty
// path means the dirfd's own file, returned as ("/", its guest path); for a
// symlink (an O_PATH|O_NOFOLLOW fd) `*follow` is cleared so the link itself
// is meant.
Result<AtPath> at_path(Task& task, int dirfd, uint64_t addr, bool empty_ok, bool* follow) {
  std::string path = TRY(read_guest_path(task, addr));
  if (!path.empty()) {
    std::string base = TRY(at_base(task, dirfd, path));
    return AtPath{std::move(base), std::move(path)};
  }
  if (!empty_ok) return err(ENOENT);
  if (dirfd == abi::kAtFdCwd) return AtPath{"/", task.tg().cwd};
  OpenFileRef f = TRY(task.fds().get(dirfd));
  if (f->guest_path().empty()) return err(ENOENT);
  abi::Stat st = TRY(f->stat());
  if ((st.st_mode & abi::kSIfmt) == abi::kSIflnk && follow) *follow = false;
  return AtPath{"/", f->guest_path()};
}

// fdget(): O_PATH descriptions are EBADF for every fd-based metadata call
// except fstatfs (fdget_raw).
Result<OpenFileRef> non_path_file(Task& task, uint64_t fd) {
  OpenFileRef f = TRY(task.fds().get(arg_int(fd)));
  if (f->is_path()) return err(EBADF);
  return f;
}

// ---- chmod ------------------------------------------------------------------------

Result<long> do_fchmodat(Task& task, int dirfd, uint64_t path_addr, unsigned mode, int flags) {
  if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath)) return err(EINVAL);
  bool follow = !(flags & abi::kAtSymlinkNofollow);
  AtPath p = TRY(at_path(task, dirfd, path_addr, (flags & abi::kAtEmptyPath) != 0, &follow));
  Vfs& vfs = task.kernel().vfs();
  if (!follow) {
    // Symlink modes cannot be changed (Linux 6.6+ refuses with EOPNOTSUPP
    // instead of pretending); anything else proceeds as usual.
    abi::Stat st = TRY(vfs.stat(p.base, p.path, false));
    if ((st.st_mode & abi::kSIfmt) == abi::kSIflnk) return err(EOPNOTSUPP);
  }
  TRY(vfs.chmod(p.base, p.path, mode & 07777, follow));
  return 0;
}

Result<long> sys_chmod(Task& task, const SyscallArgs& a) {
  return do_fchmodat(task, abi::kAtFdCwd, a[0], static_cast<unsigned>(a[1]), 0);
}

Result<long> sys_fchmodat(Task& task, const SyscallArgs& a) {
  return do_fchmodat(task, arg_int(a[0]), a[1], static_cast<unsigned>(a[2]), 0);
}

Result<long> sys_fchmodat2(Task& task, const SyscallArgs& a) {
  return do_fchmodat(task, arg_int(a[0]), a[1], static_cast<unsigned>(a[2]), arg_int(a[3]));
}

Result<long> sys_fchmod(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(non_path_file(task, a[0]));
  TRY(f->chmod(static_cast<unsigned>(a[1]) & 07777));
  if (FileNotify* n = f->notify()) n->event(in::kAttrib);
  return 0;
}

// ---- chown ------------------------------------------------------------------------

// uid/gid (uid_t)-1 mean "leave unchanged"; they are passed on as is.
Result<long> do_fchownat(Task& task, int dirfd, uint64_t path_addr, uint64_t uid, uint64_t gid, int flags) {
  if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath)) return err(EINVAL);
  bool follow = !(flags & abi::kAtSymlinkNofollow);
  AtPath p = TRY(at_path(task, dirfd, path_addr, (flags & abi::kAtEmptyPath) != 0, &follow));
  TRY(task.kernel().vfs().chown(p.base, p.path, static_cast<uint32_t>(uid), static_cast<uint32_t>(gid), follow));
  return 0;
}

Result<long> sys_chown(Task& task, const SyscallArgs& a) {
  return do_fchownat(task, abi::kAtFdCwd, a[0], a[1], a[2], 0);
}

Result<long> sys_lchown(Task& task, const SyscallArgs& a) {
  return do_fchownat(task, abi::kAtFdCwd, a[0], a[1], a[2], abi::kAtSymlinkNofollow);
}

Result<long> sys_fchownat(Task& task, const SyscallArgs& a) {
  return do_fchownat(task, arg_int(a[0]), a[1], a[2], a[3], arg_int(a[4]));
}

Result<long> sys_fchown(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(non_path_file(task, a[0]));
  TRY(f->chown(static_cast<uint32_t>(a[1]), static_cast<uint32_t>(a[2])));
  FileNotify* n = f->notify();
  if (n && (static_cast<uint32_t>(a[1]) != UINT32_MAX || static_cast<uint32_t>(a[2]) != UINT32_MAX))
    n->event(in::kAttrib);
  return 0;
}

// ---- utimes family ----------------------------------------------------------------

bool nsec_valid(int64_t ns) { return ns == kUtimeNow || ns == kUtimeOmit || (ns >= 0 && ns <= 999'999'999); }

// do_utimes(): times == nullptr means "both now". A NULL path with a real
// dirfd is futimens(); otherwise the path is looked up.
Result<long> do_utimes(Task& task, int dirfd, uint64_t path_addr, const abi::Timespec* times, int flags) {
  abi::Timespec t[2] = {{0, kUtimeNow}, {0, kUtimeNow}};
  if (times) {
    t[0] = times[0];
    t[1] = times[1];
  }
  if (path_addr == 0 && dirfd != abi::kAtFdCwd) {
    if (flags) return err(EINVAL);
    OpenFileRef f = TRY(non_path_file(task, static_cast<uint32_t>(dirfd)));
    if (!nsec_valid(t[0].tv_nsec) || !nsec_valid(t[1].tv_nsec)) return err(EINVAL);
    TRY(f->utimens(t));
    if (FileNotify* n = f->notify()) n->event(times_event(t[0].tv_nsec != kUtimeOmit, t[1].tv_nsec != kUtimeOmit));
    return 0;
  }
  if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath)) return err(EINVAL);
  bool follow = !(flags & abi::kAtSymlinkNofollow);
  AtPath p = TRY(at_path(task, dirfd, path_addr, (flags & abi::kAtEmptyPath) != 0, &follow));
  if (!nsec_valid(t[0].tv_nsec) || !nsec_valid(t[1].tv_nsec)) return err(EINVAL);
  TRY(task.kernel().vfs().utimens(p.base, p.path, t, follow));
  return 0;
}

Result<long> sys_utimensat(Task& task, const SyscallArgs& a) {
  abi::Timespec t[2];
  const abi::Timespec* times = nullptr;
  if (a[2] != 0) {
    TRY(task.mem().copy_in(a[2], t, sizeof(t)));
    // Both omitted: nothing to do, and Linux does not even check the path.
    if (t[0].tv_nsec == kUtimeOmit && t[1].tv_nsec == kUtimeOmit) return 0;
    times = t;
  }
  return do_utimes(task, arg_int(a[0]), a[1], times, arg_int(a[3]));
}

struct Timeval {
  int64_t tv_sec;
  int64_t tv_usec;
};

Result<long> do_futimesat(Task& task, int dirfd, uint64_t path_addr, uint64_t tv_addr) {
  abi::Timespec t[2];
  const abi::Timespec* times = nullptr;
  if (tv_addr != 0) {
    Timeval tv[2];
    TRY(task.mem().copy_in(tv_addr, tv, sizeof(tv)));
    for (int i = 0; i < 2; ++i) {
      if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1'000'000) return err(EINVAL);
      t[i] = {tv[i].tv_sec, tv[i].tv_usec * 1000};
    }
    times = t;
  }
  return do_utimes(task, dirfd, path_addr, times, 0);
}

Result<long> sys_futimesat(Task& task, const SyscallArgs& a) { return do_futimesat(task, arg_int(a[0]), a[1], a[2]); }

Result<long> sys_utimes(Task& task, const SyscallArgs& a) { return do_futimesat(task, abi::kAtFdCwd, a[0], a[1]); }

Result<long> sys_utime(Task& task, const SyscallArgs& a) {
  abi::Timespec t[2];
  const abi::Timespec* times = nullptr;
  if (a[1] != 0) {
    int64_t buf[2];  // struct utimbuf { time_t actime, modtime; }
    TRY(task.mem().copy_in(a[1], buf, sizeof(buf)));
    t[0] = {buf[0], 0};
    t[1] = {buf[1], 0};
    times = t;
  }
  return do_utimes(task, abi::kAtFdCwd, a[0], times, 0);
}

// ---- truncate / fallocate ---------------------------------------------------------

Result<long> sys_truncate(Task& task, const SyscallArgs& a) {
  const auto length = static_cast<int64_t>(a[1]);
  if (length < 0) return err(EINVAL);  // before the path is looked up
  std::string path = TRY(read_guest_path(task, a[0]));
  if (path.empty()) return err(ENOENT);
  TRY(task.kernel().vfs().truncate(task.tg().cwd, path, length));
  return 0;
}

Result<long> sys_ftruncate(Task& task, const SyscallArgs& a) {
  const auto length = static_cast<int64_t>(a[1]);
  if (length < 0) return err(EINVAL);
  OpenFileRef f = TRY(non_path_file(task, a[0]));
  // Only regular files opened for writing (directories included: EINVAL,
  // not EISDIR). x86-64 opens everything O_LARGEFILE, so no 2 GiB limit.
  if (!f->is_regular() || !f->writable()) return err(EINVAL);
  TRY(f->truncate(length));
  if (FileNotify* n = f->notify()) n->event(in::kModify);
  return 0;
}

constexpr int kFallocKeepSize = 0x01;
constexpr int kFallocPunchHole = 0x02;
constexpr int kFallocCollapseRange = 0x08;
constexpr int kFallocZeroRange = 0x10;
constexpr int kFallocInsertRange = 0x20;
constexpr int kFallocUnshareRange = 0x40;
constexpr int kFallocSupported = kFallocKeepSize | kFallocPunchHole | kFallocCollapseRange | kFallocZeroRange |
                                 kFallocInsertRange | kFallocUnshareRange;

// vfs_fallocate()'s checks, in its order; the filesystem then decides
// which modes it implements (EOPNOTSUPP otherwise).
Result<long> sys_fallocate(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(non_path_file(task, a[0]));
  const int mode = arg_int(a[1]);
  const auto offset = static_cast<int64_t>(a[2]);
  const auto len = static_cast<int64_t>(a[3]);
  if (offset < 0 || len <= 0) return err(EINVAL);
  if (mode & ~kFallocSupported) return err(EOPNOTSUPP);
  if ((mode & (kFallocPunchHole | kFallocZeroRange)) == (kFallocPunchHole | kFallocZeroRange)) return err(EOPNOTSUPP);
  if ((mode & kFallocPunchHole) && !(mode & kFallocKeepSize)) return err(EOPNOTSUPP);
  if ((mode & kFallocCollapseRange) && (mode & ~kFallocCollapseRange)) return err(EINVAL);
  if ((mode & kFallocInsertRange) && (mode & ~kFallocInsertRange)) return err(EINVAL);
  if ((mode & kFallocUnshareRange) && (mode & ~(kFallocUnshareRange | kFallocKeepSize))) return err(EINVAL);
  if (!f->writable()) return err(EBADF);
  abi::Stat st = TRY(f->stat());
  const uint32_t type = st.st_mode & abi::kSIfmt;
  if (type == kSIfifo) return err(ESPIPE);
  if (type == abi::kSIfdir) return err(EISDIR);
  if (type != abi::kSIfreg) return err(ENODEV);
  if (offset > std::numeric_limits<int64_t>::max() - len) return err(EFBIG);  // wraps past s_maxbytes
  TRY(f->allocate(mode, offset, len));
  return 0;
}

// ---- statx ------------------------------------------------------------------------

struct StatxTimestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};

struct Statx {  // struct statx (256 bytes)
  uint32_t stx_mask;
  uint32_t stx_blksize;
  uint64_t stx_attributes;
  uint32_t stx_nlink;
  uint32_t stx_uid;
  uint32_t stx_gid;
  uint16_t stx_mode;
  uint16_t spare0;
  uint64_t stx_ino;
  uint64_t stx_size;
  uint64_t stx_blocks;
  uint64_t stx_attributes_mask;
  StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
  uint32_t stx_rdev_major, stx_rdev_minor;
  uint32_t stx_dev_major, stx_dev_minor;
  uint64_t spare[14];
};
static_assert(sizeof(Statx) == 256);

constexpr uint32_t kStatxBasicStats = 0x7ff;  // type..blocks: everything struct stat has
constexpr uint32_t kStatxReserved = 0x80000000u;
constexpr uint32_t kStatxBtime = 0x800;

// The dev_t encoding st_dev/st_rdev use (glibc's gnu_dev_major/minor).
uint32_t dev_major(uint64_t d) { return static_cast<uint32_t>(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffull)); }
uint32_t dev_minor(uint64_t d) { return static_cast<uint32_t>((d & 0xff) | ((d >> 12) & ~0xffull)); }

StatxTimestamp stx_time(int64_t sec, int64_t nsec) {
  return StatxTimestamp{sec, static_cast<uint32_t>(nsec), 0};
}

Statx to_statx(const abi::Stat& st) {
  Statx x;
  std::memset(&x, 0, sizeof(x));
  x.stx_mask = kStatxBasicStats;
  x.stx_blksize = static_cast<uint32_t>(st.st_blksize);
  x.stx_nlink = static_cast<uint32_t>(st.st_nlink);
  x.stx_uid = st.st_uid;
  x.stx_gid = st.st_gid;
  x.stx_mode = static_cast<uint16_t>(st.st_mode);
  x.stx_ino = st.st_ino;
  x.stx_size = static_cast<uint64_t>(st.st_size);
  x.stx_blocks = static_cast<uint64_t>(st.st_blocks);
  x.stx_atime = stx_time(st.st_atime_sec, st.st_atime_nsec);
  x.stx_mtime = stx_time(st.st_mtime_sec, st.st_mtime_nsec);
  x.stx_ctime = stx_time(st.st_ctime_sec, st.st_ctime_nsec);
  x.stx_rdev_major = dev_major(st.st_rdev);
  x.stx_rdev_minor = dev_minor(st.st_rdev);
  x.stx_dev_major = dev_major(st.st_dev);
  x.stx_dev_minor = dev_minor(st.st_dev);
  return x;
}

Result<long> sys_statx(Task& task, const SyscallArgs& a) {
  const int dirfd = arg_int(a[0]);
  const int flags = arg_int(a[2]);
  const auto mask = static_cast<uint32_t>(a[3]);
  // The mask and flags are checked before the path is looked at.
  if (mask & kStatxReserved) return err(EINVAL);
  if ((flags & abi::kAtStatxSyncType) == abi::kAtStatxSyncType) return err(EINVAL);
  constexpr int kValid = abi::kAtSymlinkNofollow | abi::kAtNoAutomount | abi::kAtEmptyPath | abi::kAtStatxSyncType;
  if (flags & ~kValid) return err(EINVAL);
  Vfs& vfs = task.kernel().vfs();
  abi::Stat st;
  // Since Linux 6.11 AT_EMPTY_PATH also accepts a NULL path.
  std::string path;
  if (!(a[1] == 0 && (flags & abi::kAtEmptyPath))) path = TRY(read_guest_path(task, a[1]));
  if (path.empty()) {
    if (!(flags & abi::kAtEmptyPath)) return err(ENOENT);
    if (dirfd == abi::kAtFdCwd) {
      st = TRY(vfs.stat("/", task.tg().cwd, true));
    } else {
      OpenFileRef f = TRY(task.fds().get(dirfd));
      st = TRY(f->stat());
    }
  } else {
    std::string base = TRY(at_base(task, dirfd, path));
    st = TRY(vfs.stat(base, path, !(flags & abi::kAtSymlinkNofollow)));
  }
  Statx x = to_statx(st);
  if (mask & kStatxBtime) {
    // Only asked-for: finding the birth time costs another host call at least.
    Result<abi::Timespec> bt = err(ENODATA);
    if (path.empty()) {
      Result<OpenFileRef> f = dirfd == abi::kAtFdCwd ? vfs.open("/", task.tg().cwd, abi::kOPath, 0)
                                                     : task.fds().get(dirfd);
      if (f.ok()) bt = f.value()->birth_time();
    } else {
      bt = vfs.birth_time(TRY(at_base(task, dirfd, path)), path, !(flags & abi::kAtSymlinkNofollow));
    }
    if (bt.ok()) {
      x.stx_btime = stx_time(bt.value().tv_sec, bt.value().tv_nsec);
      x.stx_mask |= kStatxBtime;
    }
  }
  TRY(task.mem().write(UserPtr<Statx>{a[4]}, x));
  return 0;
}

// ---- statfs -----------------------------------------------------------------------

Result<long> sys_statfs(Task& task, const SyscallArgs& a) {
  std::string path = TRY(read_guest_path(task, a[0]));
  if (path.empty()) return err(ENOENT);
  abi::StatFs s = TRY(task.kernel().vfs().statfs(task.tg().cwd, path));
  TRY(task.mem().write(UserPtr<abi::StatFs>{a[1]}, s));
  return 0;
}

Result<long> sys_fstatfs(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));  // O_PATH fds are fine (fdget_raw)
  abi::StatFs s = TRY(f->statfs());
  TRY(task.mem().write(UserPtr<abi::StatFs>{a[1]}, s));
  return 0;
}

// ---- sync family ------------------------------------------------------------------

Result<long> sys_fsync(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(non_path_file(task, a[0]));
  TRY(f->sync(false));
  return 0;
}

Result<long> sys_fdatasync(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(non_path_file(task, a[0]));
  TRY(f->sync(true));
  return 0;
}

Result<long> sys_syncfs(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(non_path_file(task, a[0]));
  // Files without a sync hook (pipes, terminals) have nothing to write
  // back; syncfs succeeds for them as it does on Linux.
  Result<void> r = f->sync(false);
  if (!r.ok() && r.error() != EINVAL) return err(r.error());
  return 0;
}

// sync_file_range: a write-back hint. Host files are written through, so
// the range's data is made durable with fdatasync when the caller asks to
// wait for the write-out, and nothing is needed otherwise.
Result<long> sys_sync_file_range(Task& task, const SyscallArgs& a) {
  constexpr uint64_t kWaitBefore = 1, kWrite = 2, kWaitAfter = 4;
  const auto offset = static_cast<int64_t>(a[1]);
  const auto nbytes = static_cast<int64_t>(a[2]);
  const auto flags = static_cast<unsigned>(a[3]);
  // Linux's order: the fd (O_PATH ones are EBADF), flags and range, type.
  OpenFileRef f = TRY(non_path_file(task, a[0]));
  if (flags & ~(kWaitBefore | kWrite | kWaitAfter)) return err(EINVAL);
  if (offset < 0 || nbytes < 0 || offset > std::numeric_limits<int64_t>::max() - nbytes) return err(EINVAL);
  const abi::Stat st = TRY(f->stat());
  const unsigned type = st.st_mode & 0170000;
  if (type != 0100000 && type != 0060000 && type != 0040000 && type != 0120000) return err(ESPIPE);
  if (flags & kWaitAfter) {
    Result<void> r = f->sync(true);
    if (!r.ok() && r.error() != EINVAL) return err(r.error());
  }
  return 0;
}

Result<long> sys_sync(Task&, const SyscallArgs&) {
  // Guest writes go straight to host files (or to memory for tmpfs); there
  // is no provider-side cache to flush.
  return 0;
}

}  // namespace

void register_file_attr(SyscallTable& t) {
  using A = Arg;
  t.add(76, "truncate", Support::Full, sys_truncate, {A::Path, A::Long});
  t.add(77, "ftruncate", Support::Full, sys_ftruncate, {A::Fd, A::Long});
  t.add(74, "fsync", Support::Full, sys_fsync, {A::Fd});
  t.add(75, "fdatasync", Support::Full, sys_fdatasync, {A::Fd});
  t.add(90, "chmod", Support::Full, sys_chmod, {A::Path, A::Mode});
  t.add(91, "fchmod", Support::Full, sys_fchmod, {A::Fd, A::Mode});
  t.add(92, "chown", Support::Full, sys_chown, {A::Path, A::Int, A::Int});
  t.add(93, "fchown", Support::Full, sys_fchown, {A::Fd, A::Int, A::Int});
  t.add(94, "lchown", Support::Full, sys_lchown, {A::Path, A::Int, A::Int});
  t.add(132, "utime", Support::Full, sys_utime, {A::Path, A::Ptr});
  t.add(137, "statfs", Support::Full, sys_statfs, {A::Path, A::Ptr});
  t.add(138, "fstatfs", Support::Full, sys_fstatfs, {A::Fd, A::Ptr});
  t.add(162, "sync", Support::Partial, sys_sync, {},
        "returns at once: host files are written through, and the host's own caches are not flushed");
  t.add(235, "utimes", Support::Full, sys_utimes, {A::Path, A::Ptr});
  t.add(260, "fchownat", Support::Full, sys_fchownat, {A::DirFd, A::Path, A::Int, A::Int, A::AtFlags});
  t.add(261, "futimesat", Support::Full, sys_futimesat, {A::DirFd, A::Path, A::Ptr});
  t.add(268, "fchmodat", Support::Full, sys_fchmodat, {A::DirFd, A::Path, A::Mode});
  t.add(280, "utimensat", Support::Full, sys_utimensat, {A::DirFd, A::Path, A::Ptr, A::AtFlags});
  t.add(277, "sync_file_range", Support::Full, sys_sync_file_range, {A::Fd, A::Long, A::Long, A::Hex});
  t.add(285, "fallocate", Support::Partial, sys_fallocate, {A::Fd, A::Hex, A::Long, A::Long},
        "modes beyond the filesystem's hook (typically plain allocate and PUNCH_HOLE|KEEP_SIZE) fail "
        "EOPNOTSUPP");
  t.add(306, "syncfs", Support::Partial, sys_syncfs, {A::Fd}, "syncs the file the fd names, not its whole filesystem");
  t.add(332, "statx", Support::Partial, sys_statx, {A::DirFd, A::Path, A::AtFlags, A::Hex, A::Ptr},
        "STATX_BASIC_STATS plus btime on hostfs and lxfs; no mount id, attributes or direct-I/O alignment");
  t.add(452, "fchmodat2", Support::Full, sys_fchmodat2, {A::DirFd, A::Path, A::Mode, A::AtFlags});
}

}  // namespace lx
