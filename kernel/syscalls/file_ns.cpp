// Namespace-changing syscalls: mkdir, mknod, unlink, rmdir, rename, link,
// symlink and their *at() forms. The syscall layer validates flags and
// copies paths in Linux's order; the Vfs does the lookups and reports the
// filesystem's errors (EEXIST, ENOTEMPTY, EXDEV, EROFS, ...).
#include <string>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/Inode.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/PathLookup.h"

namespace lx {

namespace {

constexpr int kAtRemovedir = 0x200;
using abi::kSIfblk;
using abi::kSIfchr;
using abi::kSIfifo;
using abi::kSIfsock;

// A guest path argument resolved to (base, path): getname() first (EFAULT,
// ENAMETOOLONG, ENOENT for ""), then the dirfd (EBADF, ENOTDIR), which is
// the order filename_parentat()/filename_lookup() observe.
struct AtPath {
  std::string base;
  std::string path;
};

Result<AtPath> at_path(Task& task, int dirfd, uint64_t addr) {
  std::string path = TRY(read_guest_path(task, addr));
  if (path.empty()) return err(ENOENT);
  std::string base = TRY(at_base(task, dirfd, path));
  return AtPath{std::move(base), std::move(path)};
}

// ---- mkdir ------------------------------------------------------------------------

Result<long> do_mkdirat(Task& task, int dirfd, uint64_t path_addr, unsigned mode) {
  AtPath p = TRY(at_path(task, dirfd, path_addr));
  // Only permission bits and the sticky bit survive (S_IRWXUGO|S_ISVTX);
  // no POSIX default ACLs, so the umask always applies.
  mode &= 01777 & ~task.tg().umask;
  TRY(task.kernel().vfs().mkdir(p.base, p.path, mode));
  return 0;
}

Result<long> sys_mkdir(Task& task, const SyscallArgs& a) {
  return do_mkdirat(task, abi::kAtFdCwd, a[0], static_cast<unsigned>(a[1]));
}

Result<long> sys_mkdirat(Task& task, const SyscallArgs& a) {
  return do_mkdirat(task, arg_int(a[0]), a[1], static_cast<unsigned>(a[2]));
}

// ---- mknod ------------------------------------------------------------------------

// may_mknod(): checked before the path is even copied in.
Result<void> check_mknod_type(unsigned mode) {
  switch (mode & abi::kSIfmt) {
    case 0:
    case abi::kSIfreg:
    case kSIfchr:
    case kSIfblk:
    case kSIfifo:
    case kSIfsock:
      return {};
    case abi::kSIfdir:
      return err(EPERM);
    default:
      return err(EINVAL);
  }
}

Result<long> do_mknodat(Task& task, int dirfd, uint64_t path_addr, unsigned mode, uint32_t dev) {
  TRY(check_mknod_type(mode));
  AtPath p = TRY(at_path(task, dirfd, path_addr));
  unsigned type = mode & abi::kSIfmt;
  if (type == 0) type = abi::kSIfreg;  // a zero type means a regular file
  const unsigned perms = mode & 07777 & ~task.tg().umask;
  // Only device nodes carry a device number; Linux passes 0 for the rest.
  const bool device = type == kSIfchr || type == kSIfblk;
  // dev is the 32-bit new_encode_dev() form, which is also how st_rdev
  // reports it, so it is handed on unchanged.
  TRY(task.kernel().vfs().mknod(p.base, p.path, type | perms, device ? dev : 0));
  return 0;
}

Result<long> sys_mknod(Task& task, const SyscallArgs& a) {
  return do_mknodat(task, abi::kAtFdCwd, a[0], static_cast<unsigned>(a[1]), static_cast<uint32_t>(a[2]));
}

Result<long> sys_mknodat(Task& task, const SyscallArgs& a) {
  return do_mknodat(task, arg_int(a[0]), a[1], static_cast<unsigned>(a[2]), static_cast<uint32_t>(a[3]));
}

// ---- unlink / rmdir ---------------------------------------------------------------

Result<long> do_unlinkat(Task& task, int dirfd, uint64_t path_addr, int flags) {
  if (flags & ~kAtRemovedir) return err(EINVAL);  // before the path is read
  AtPath p = TRY(at_path(task, dirfd, path_addr));
  if (flags & kAtRemovedir) {
    TRY(task.kernel().vfs().rmdir(p.base, p.path));
  } else {
    TRY(task.kernel().vfs().unlink(p.base, p.path));
  }
  return 0;
}

Result<long> sys_unlink(Task& task, const SyscallArgs& a) { return do_unlinkat(task, abi::kAtFdCwd, a[0], 0); }

Result<long> sys_rmdir(Task& task, const SyscallArgs& a) {
  return do_unlinkat(task, abi::kAtFdCwd, a[0], kAtRemovedir);
}

Result<long> sys_unlinkat(Task& task, const SyscallArgs& a) {
  return do_unlinkat(task, arg_int(a[0]), a[1], arg_int(a[2]));
}

// ---- rename -----------------------------------------------------------------------

Result<long> do_renameat2(Task& task, int olddir, uint64_t old_addr, int newdir, uint64_t new_addr,
                          unsigned flags) {
  if (flags & ~(kRenameNoreplace | kRenameExchange | kRenameWhiteout)) return err(EINVAL);
  if ((flags & (kRenameNoreplace | kRenameWhiteout)) && (flags & kRenameExchange)) return err(EINVAL);
  // The old name's parent is looked up before the new name is examined.
  AtPath from = TRY(at_path(task, olddir, old_addr));
  AtPath to = TRY(at_path(task, newdir, new_addr));
  TRY(task.kernel().vfs().rename(from.base, from.path, to.base, to.path, flags));
  return 0;
}

Result<long> sys_rename(Task& task, const SyscallArgs& a) {
  return do_renameat2(task, abi::kAtFdCwd, a[0], abi::kAtFdCwd, a[1], 0);
}

Result<long> sys_renameat(Task& task, const SyscallArgs& a) {
  return do_renameat2(task, arg_int(a[0]), a[1], arg_int(a[2]), a[3], 0);
}

Result<long> sys_renameat2(Task& task, const SyscallArgs& a) {
  return do_renameat2(task, arg_int(a[0]), a[1], arg_int(a[2]), a[3], static_cast<unsigned>(a[4]));
}

// ---- link -------------------------------------------------------------------------

Result<long> do_linkat(Task& task, int olddir, uint64_t old_addr, int newdir, uint64_t new_addr, int flags) {
  if (flags & ~(abi::kAtSymlinkFollow | abi::kAtEmptyPath)) return err(EINVAL);
  Vfs& vfs = task.kernel().vfs();
  std::string old_path = TRY(read_guest_path(task, old_addr));
  if (old_path.empty()) {
    // AT_EMPTY_PATH links the file the dirfd refers to (the guest runs with
    // CAP_DAC_READ_SEARCH as root). It is looked up again by the path it
    // was opened with, without following a final symlink (an O_PATH fd of
    // a symlink links the symlink itself).
    if (!(flags & abi::kAtEmptyPath)) return err(ENOENT);
    std::string target;
    if (olddir == abi::kAtFdCwd) {
      target = task.tg().cwd;
    } else {
      OpenFileRef f = TRY(task.fds().get(olddir));
      target = f->guest_path();
      if (target.empty()) return err(ENOENT);  // anonymous files have no name to link
    }
    AtPath to = TRY(at_path(task, newdir, new_addr));
    TRY(vfs.link("/", target, to.base, to.path, false));
    return 0;
  }
  std::string old_base = TRY(at_base(task, olddir, old_path));
  AtPath to = TRY(at_path(task, newdir, new_addr));
  TRY(vfs.link(old_base, old_path, to.base, to.path, (flags & abi::kAtSymlinkFollow) != 0));
  return 0;
}

Result<long> sys_link(Task& task, const SyscallArgs& a) {
  return do_linkat(task, abi::kAtFdCwd, a[0], abi::kAtFdCwd, a[1], 0);
}

Result<long> sys_linkat(Task& task, const SyscallArgs& a) {
  return do_linkat(task, arg_int(a[0]), a[1], arg_int(a[2]), a[3], arg_int(a[4]));
}

// ---- symlink ----------------------------------------------------------------------

Result<long> do_symlinkat(Task& task, uint64_t target_addr, int newdir, uint64_t path_addr) {
  // The target is stored, not resolved, but it is copied like a path:
  // PATH_MAX applies and "" is ENOENT.
  std::string target = TRY(read_guest_path(task, target_addr));
  if (target.empty()) return err(ENOENT);
  AtPath p = TRY(at_path(task, newdir, path_addr));
  TRY(task.kernel().vfs().symlink(target, p.base, p.path));
  return 0;
}

Result<long> sys_symlink(Task& task, const SyscallArgs& a) { return do_symlinkat(task, a[0], abi::kAtFdCwd, a[1]); }

Result<long> sys_symlinkat(Task& task, const SyscallArgs& a) { return do_symlinkat(task, a[0], arg_int(a[1]), a[2]); }

}  // namespace

void register_file_ns(SyscallTable& t) {
  using A = Arg;
  t.add(82, "rename", Support::Full, sys_rename, {A::Path, A::Path});
  t.add(83, "mkdir", Support::Full, sys_mkdir, {A::Path, A::Mode});
  t.add(84, "rmdir", Support::Full, sys_rmdir, {A::Path});
  t.add(86, "link", Support::Full, sys_link, {A::Path, A::Path});
  t.add(87, "unlink", Support::Full, sys_unlink, {A::Path});
  t.add(88, "symlink", Support::Full, sys_symlink, {A::Path, A::Path});
  t.add(133, "mknod", Support::Partial, sys_mknod, {A::Path, A::Mode, A::Hex},
        "device nodes need CAP_MKNOD (guest root) and tmpfs or lxfs, which store type and rdev (hostfs: EPERM)");
  t.add(258, "mkdirat", Support::Full, sys_mkdirat, {A::DirFd, A::Path, A::Mode});
  t.add(259, "mknodat", Support::Partial, sys_mknodat, {A::DirFd, A::Path, A::Mode, A::Hex},
        "device nodes need CAP_MKNOD (guest root) and tmpfs or lxfs, which store type and rdev (hostfs: EPERM)");
  t.add(263, "unlinkat", Support::Full, sys_unlinkat, {A::DirFd, A::Path, A::Hex});
  t.add(264, "renameat", Support::Full, sys_renameat, {A::DirFd, A::Path, A::DirFd, A::Path});
  t.add(265, "linkat", Support::Partial, sys_linkat, {A::DirFd, A::Path, A::DirFd, A::Path, A::AtFlags},
        "AT_EMPTY_PATH relinks the dirfd's file by the path it was opened with: O_TMPFILE files and "
        "files renamed since cannot be linked");
  t.add(266, "symlinkat", Support::Full, sys_symlinkat, {A::Path, A::DirFd, A::Path});
  t.add(316, "renameat2", Support::Full, sys_renameat2, {A::DirFd, A::Path, A::DirFd, A::Path, A::Hex});
}

}  // namespace lx
