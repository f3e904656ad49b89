// stat family, getdents64, readlink, access, getcwd/chdir. Path lookups go
// to the Vfs relative to the cwd or a dirfd (PathLookup.h).
#include <algorithm>
#include <memory>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/GuestIo.h"
#include "kernel/vfs/PathLookup.h"

namespace lx {

namespace {

Result<long> put_stat(Task& task, uint64_t addr, const abi::Stat& st) {
  TRY(task.mem().write(UserPtr<abi::Stat>{addr}, st));
  return 0;
}

// The file a dirfd names itself (AT_EMPTY_PATH): the cwd for AT_FDCWD.
Result<abi::Stat> stat_dirfd(Task& task, int dirfd) {
  if (dirfd == abi::kAtFdCwd) return task.kernel().vfs().stat("/", task.tg().cwd, true);
  OpenFileRef f = TRY(task.fds().get(dirfd));
  return f->stat();
}

// ---- stat family ------------------------------------------------------------------

Result<long> sys_fstat(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));  // O_PATH fds may be fstat'ed
  abi::Stat st = TRY(f->stat());
  return put_stat(task, a[1], st);
}

Result<long> do_stat(Task& task, uint64_t path_addr, uint64_t buf, bool follow) {
  std::string path = TRY(read_guest_path(task, path_addr));
  abi::Stat st = TRY(task.kernel().vfs().stat(task.tg().cwd, path, follow));
  return put_stat(task, buf, st);
}

Result<long> sys_stat(Task& task, const SyscallArgs& a) { return do_stat(task, a[0], a[1], true); }
Result<long> sys_lstat(Task& task, const SyscallArgs& a) { return do_stat(task, a[0], a[1], false); }

Result<long> sys_newfstatat(Task& task, const SyscallArgs& a) {
  const int dirfd = arg_int(a[0]);
  const int flags = arg_int(a[3]);
  constexpr int kValid = abi::kAtSymlinkNofollow | abi::kAtNoAutomount | abi::kAtEmptyPath | abi::kAtStatxSyncType;
  // Since Linux 6.11 AT_EMPTY_PATH also accepts a NULL path.
  std::string path;
  if (!(a[1] == 0 && (flags & abi::kAtEmptyPath))) path = TRY(read_guest_path(task, a[1]));
  if (flags & ~kValid) return err(EINVAL);
  abi::Stat st;
  if (path.empty()) {
    if (!(flags & abi::kAtEmptyPath)) return err(ENOENT);
    st = TRY(stat_dirfd(task, dirfd));
  } else {
    std::string base = TRY(at_base(task, dirfd, path));
    st = TRY(task.kernel().vfs().stat(base, path, !(flags & abi::kAtSymlinkNofollow)));
  }
  return put_stat(task, a[2], st);
}

// ---- getdents64 ---------------------------------------------------------------------

Result<long> sys_getdents64(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  if (f->is_path()) return err(EBADF);
  if (!f->is_directory()) return err(ENOTDIR);
  // Linux keeps the count in an int and checks the buffer only as records
  // are copied: a count above INT_MAX fits no record (EINVAL), and a bad
  // buffer at the end of the directory is never touched.
  const int count = static_cast<int>(static_cast<uint32_t>(a[2]));
  const uint64_t usable = count < 0 ? 0 : static_cast<uint64_t>(count);
  // Short buffers are fine: getdents64 returns whole records that fit, and
  // the next call continues from the directory offset.
  // Not zero-filled (up to 64 KiB per call): only what the host wrote is copied out.
  const size_t size = std::min(usable, kBounceSize);
  std::unique_ptr<uint8_t[]> bounce(new uint8_t[size]);
  // Linux stops before an entry it cannot copy, so that entry is returned
  // again by the next call: remember where the listing was to rewind to it.
  Result<int64_t> before = f->seek(0, abi::kSeekCur);
  const uint64_t n = TRY(f->getdents64(std::span<uint8_t>(bounce.get(), size)));
  if (!task.mem().copy_out(a[1], bounce.get(), n).ok()) {
    if (before.ok()) (void)f->seek(before.value(), abi::kSeekSet);
    return err(EFAULT);
  }
  return static_cast<long>(n);
}

// ---- readlink -----------------------------------------------------------------------

Result<long> copy_link(Task& task, const std::string& target, uint64_t buf, int bufsiz) {
  // No terminating NUL, truncated silently, as readlink(2) specifies.
  const size_t n = std::min(target.size(), static_cast<size_t>(bufsiz));
  TRY(task.mem().copy_out(buf, target.data(), n));
  return static_cast<long>(n);
}

Result<long> do_readlinkat(Task& task, int dirfd, uint64_t path_addr, uint64_t buf, int bufsiz) {
  if (bufsiz <= 0) return err(EINVAL);
  std::string path = TRY(read_guest_path(task, path_addr));
  Vfs& vfs = task.kernel().vfs();
  if (path.empty()) {
    // An empty path reads the symlink the dirfd itself refers to
    // (O_PATH|O_NOFOLLOW); any other file makes that ENOENT.
    if (dirfd == abi::kAtFdCwd) return err(ENOENT);
    OpenFileRef f = TRY(task.fds().get(dirfd));
    abi::Stat st = TRY(f->stat());
    if ((st.st_mode & abi::kSIfmt) != abi::kSIflnk) return err(ENOENT);
    std::string target = TRY(vfs.readlink("/", f->guest_path()));
    return copy_link(task, target, buf, bufsiz);
  }
  std::string base = TRY(at_base(task, dirfd, path));
  std::string target = TRY(vfs.readlink(base, path));
  return copy_link(task, target, buf, bufsiz);
}

Result<long> sys_readlink(Task& task, const SyscallArgs& a) {
  return do_readlinkat(task, abi::kAtFdCwd, a[0], a[1], arg_int(a[2]));
}

Result<long> sys_readlinkat(Task& task, const SyscallArgs& a) {
  return do_readlinkat(task, arg_int(a[0]), a[1], a[2], arg_int(a[3]));
}

// ---- access family ------------------------------------------------------------------

Result<long> do_faccessat(Task& task, int dirfd, uint64_t path_addr, int mode, int flags) {
  if (mode & ~(abi::kROk | abi::kWOk | abi::kXOk)) return err(EINVAL);
  if (flags & ~(abi::kAtEaccess | abi::kAtSymlinkNofollow | abi::kAtEmptyPath)) return err(EINVAL);
  std::string path = TRY(read_guest_path(task, path_addr));
  Vfs& vfs = task.kernel().vfs();
  const bool follow = !(flags & abi::kAtSymlinkNofollow);
  if (path.empty()) {
    if (!(flags & abi::kAtEmptyPath)) return err(ENOENT);
    if (dirfd == abi::kAtFdCwd) {
      TRY(vfs.access("/", task.tg().cwd, mode, true));
      return 0;
    }
    // The dirfd's own file, looked up again by its path; a symlink fd
    // (O_PATH|O_NOFOLLOW) means the link itself.
    OpenFileRef f = TRY(task.fds().get(dirfd));
    abi::Stat st = TRY(f->stat());
    TRY(vfs.access("/", f->guest_path(), mode, (st.st_mode & abi::kSIfmt) != abi::kSIflnk));
    return 0;
  }
  std::string base = TRY(at_base(task, dirfd, path));
  TRY(vfs.access(base, path, mode, follow));
  return 0;
}

Result<long> sys_access(Task& task, const SyscallArgs& a) {
  return do_faccessat(task, abi::kAtFdCwd, a[0], arg_int(a[1]), 0);
}

Result<long> sys_faccessat(Task& task, const SyscallArgs& a) {
  return do_faccessat(task, arg_int(a[0]), a[1], arg_int(a[2]), 0);
}

Result<long> sys_faccessat2(Task& task, const SyscallArgs& a) {
  return do_faccessat(task, arg_int(a[0]), a[1], arg_int(a[2]), arg_int(a[3]));
}

// ---- cwd ----------------------------------------------------------------------------

Result<long> sys_getcwd(Task& task, const SyscallArgs& a) {
  const std::string& cwd = task.tg().cwd;
  const uint64_t len = cwd.size() + 1;  // with the NUL, which is what Linux returns
  if (a[1] < len) return err(ERANGE);
  TRY(task.mem().copy_out(a[0], cwd.c_str(), len));
  return static_cast<long>(len);
}

Result<long> sys_chdir(Task& task, const SyscallArgs& a) {
  std::string path = TRY(read_guest_path(task, a[0]));
  task.tg().cwd = TRY(task.kernel().vfs().resolve_directory(task.tg().cwd, path));
  return 0;
}

Result<long> sys_fchdir(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  if (!f->is_directory()) return err(ENOTDIR);
  task.tg().cwd = TRY(task.kernel().vfs().resolve_directory("/", f->guest_path()));
  return 0;
}

}  // namespace

void register_file_info(SyscallTable& t) {
  using A = Arg;
  t.add(4, "stat", Support::Full, sys_stat, {A::Path, A::Ptr});
  t.add(5, "fstat", Support::Full, sys_fstat, {A::Fd, A::Ptr});
  t.add(6, "lstat", Support::Full, sys_lstat, {A::Path, A::Ptr});
  t.add(21, "access", Support::Full, sys_access, {A::Path, A::AccessMode});
  t.add(79, "getcwd", Support::Full, sys_getcwd, {A::Ptr, A::Size});
  t.add(80, "chdir", Support::Full, sys_chdir, {A::Path});
  t.add(81, "fchdir", Support::Partial, sys_fchdir, {A::Fd},
        "looks the directory up again by the path it was opened with; a directory renamed since then "
        "is not found");
  t.add(89, "readlink", Support::Full, sys_readlink, {A::Path, A::OutBuf, A::Size});
  t.add(217, "getdents64", Support::Full, sys_getdents64, {A::Fd, A::Ptr, A::Size});
  t.add(262, "newfstatat", Support::Full, sys_newfstatat, {A::DirFd, A::Path, A::Ptr, A::AtFlags});
  t.add(267, "readlinkat", Support::Full, sys_readlinkat, {A::DirFd, A::Path, A::OutBuf, A::Size});
  t.add(269, "faccessat", Support::Full, sys_faccessat, {A::DirFd, A::Path, A::AccessMode});
  t.add(439, "faccessat2", Support::Partial, sys_faccessat2, {A::DirFd, A::Path, A::AccessMode, A::AtFlags},
        "AT_EACCESS checks with the provider's ids, which equal its real ones");
}

}  // namespace lx
