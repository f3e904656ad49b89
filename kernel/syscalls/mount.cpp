// mount(2) and umount2(2): the argument handling and privilege checks of
// fs/namespace.c in Linux's order (strings and data copied, target looked
// up, then CAP_SYS_ADMIN, then the operation the flags select); the Vfs
// changes the mount table (vfs/VfsMount.cpp).
#include <optional>
#include <string>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/fs/proc/ProcFs.h"
#include "kernel/fs/sys/SysFs.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/MountOptions.h"
#include "kernel/vfs/PathLookup.h"
#include "kernel/vfs/Vfs.h"

namespace lx {

namespace {

// <linux/mount.h>
constexpr uint64_t kMsRdonly = 1, kMsNosuid = 2, kMsNodev = 4, kMsNoexec = 8, kMsRemount = 32, kMsBind = 4096,
                   kMsMove = 8192, kMsRec = 16384, kMsSilent = 32768, kMsUnbindable = 1 << 17, kMsPrivate = 1 << 18,
                   kMsSlave = 1 << 19, kMsShared = 1 << 20, kMsNouser = 1U << 31;
constexpr uint64_t kMsMgcMask = 0xffff0000, kMsMgcVal = 0xc0ed0000;
constexpr uint64_t kMsPropagation = kMsShared | kMsPrivate | kMsSlave | kMsUnbindable;
constexpr int kMntForce = 1, kMntDetach = 2, kMntExpire = 4, kUmountNofollow = 8;
constexpr uint64_t kPage = 4096;

// copy_mount_string(): NULL stays absent; longer than PATH_MAX is EINVAL.
Result<std::optional<std::string>> mount_string(Task& task, uint64_t addr) {
  if (addr == 0) return std::optional<std::string>{};
  Result<std::string> s = task.mem().read_string(addr, abi::kPathMax - 1);
  if (!s.ok()) return err(s.error() == ENAMETOOLONG ? EINVAL : s.error());
  return std::optional<std::string>(s.release_value());
}

// copy_mount_options(): up to a page, as much of it as is readable (EFAULT
// only when none is); the filesystems here read it as a string.
Result<std::string> mount_data(Task& task, uint64_t addr) {
  if (addr == 0) return std::string();
  char buf[kPage];
  const uint64_t first = kPage - (addr & (kPage - 1));
  TRY(task.mem().copy_in(addr, buf, first));
  uint64_t got = first;
  if (first < kPage && task.mem().copy_in(addr + first, buf + first, kPage - first).ok()) got = kPage;
  buf[got < kPage ? got : kPage - 1] = '\0';
  return std::string(buf);
}

Vfs::MountFlags mount_flags(uint64_t flags) {
  Vfs::MountFlags f;
  f.read_only = flags & kMsRdonly;
  f.nosuid = flags & kMsNosuid;
  f.nodev = flags & kMsNodev;
  f.noexec = flags & kMsNoexec;
  return f;
}

bool capable_sys_admin(Task& task) { return task.kernel().vfs().cred().capable(Credentials::kCapSysAdmin); }

// do_new_mount(): a filesystem type we have, its options, then the graft.
Result<void> new_mount(Task& task, const PathLoc& at, const std::optional<std::string>& type,
                       const std::optional<std::string>& source, uint64_t flags, const std::string& data) {
  if (!type) return err(EINVAL);
  Vfs& vfs = task.kernel().vfs();
  const std::string& fstype = *type;
  if (fstype != "tmpfs" && fstype != "proc" && fstype != "sysfs" && fstype != "devpts") return err(ENODEV);
  ParsedMountOptions opts = TRY(parse_mount_options(fstype, data, vfs.cred()));
  Vfs::MountFlags f = mount_flags(flags);
  f.read_only = f.read_only || opts.read_only;
  Mount desc;
  desc.fstype = fstype;
  desc.device = source ? *source : std::string("none");
  desc.fs_options = opts.shown;
  InodeRef root;
  if (fstype == "tmpfs") {
    root = make_tmpfs(opts.tmpfs);
    desc.source = "tmpfs";
  } else if (fstype == "proc") {
    root = make_procfs();
    desc.source = "proc";
  } else if (fstype == "sysfs") {
    root = make_sysfs();
    desc.source = "sysfs";
  } else {
    // One devpts instance per instance: its ptys are the ones /dev/ptmx makes.
    for (const Mount* m : vfs.mounts().mounts())
      if (m->source == "devpts") root = m->root;
    if (!root) return err(ENODEV);
    desc.source = "devpts";
  }
  return vfs.mount_new(at, std::move(root), f, std::move(desc));
}

Result<long> sys_mount(Task& task, const SyscallArgs& a) {
  const std::optional<std::string> type = TRY(mount_string(task, a[2]));
  const std::optional<std::string> source = TRY(mount_string(task, a[0]));
  const std::string data = TRY(mount_data(task, a[4]));
  uint64_t flags = a[3];
  const std::string target = TRY(read_guest_path(task, a[1]));
  if (target.empty()) return err(ENOENT);
  Vfs& vfs = task.kernel().vfs();
  const PathLoc at = TRY(vfs.find(task.tg().cwd, target, /*follow=*/true));
  if ((flags & kMsMgcMask) == kMsMgcVal) flags &= ~kMsMgcMask;
  if (flags & kMsNouser) return err(EINVAL);
  if (!capable_sys_admin(task)) return err(EPERM);

  if ((flags & (kMsRemount | kMsBind)) == (kMsRemount | kMsBind)) {
    TRY(vfs.remount(at, mount_flags(flags)));
    return 0;
  }
  if (flags & kMsRemount) {
    if (!Vfs::is_mount_root(at)) return err(EINVAL);
    // The filesystem must accept the new options (their values are kept
    // from the first mount; see the table's note).
    const std::string fstype = at.mnt->fstype.empty() ? at.mnt->source : at.mnt->fstype;
    if (fstype == "tmpfs" || fstype == "proc" || fstype == "sysfs" || fstype == "devpts") {
      ParsedMountOptions opts = TRY(parse_mount_options(fstype, data, vfs.cred()));
      if (opts.read_only) flags |= kMsRdonly;
    }
    TRY(vfs.remount(at, mount_flags(flags)));
    return 0;
  }
  if (flags & kMsBind) {
    if (!source || source->empty()) return err(EINVAL);
    const PathLoc src = TRY(vfs.find(task.tg().cwd, *source, /*follow=*/true));
    TRY(vfs.mount_bind(src, at, flags & kMsRec));
    return 0;
  }
  if (flags & kMsPropagation) {
    // flags_to_propagation_type(): exactly one type, with MS_REC/MS_SILENT.
    const uint64_t kind = flags & ~(kMsRec | kMsSilent);
    if (kind == 0 || (kind & (kind - 1)) != 0) return err(EINVAL);
    if (!Vfs::is_mount_root(at)) return err(EINVAL);
    return 0;  // one namespace, no peers: every mount is already private
  }
  if (flags & kMsMove) {
    if (!source || source->empty()) return err(EINVAL);
    const PathLoc src = TRY(vfs.find(task.tg().cwd, *source, /*follow=*/true));
    TRY(vfs.move_mount(src, at));
    return 0;
  }
  TRY(new_mount(task, at, type, source, flags, data));
  return 0;
}

// Whether `path` is `top` or below it (canonical paths).
bool under(const std::string& top, const std::string& path) {
  if (path.empty()) return false;
  return path.compare(0, top.size(), top) == 0 && (path.size() == top.size() || path[top.size()] == '/');
}

// What keeps a mount busy for a plain umount: an open file, a cwd or a
// running image at or below it, in any process.
bool mount_in_use(Kernel& kernel, const std::string& top) {
  for (const auto& [pid, tg] : kernel.groups()) {
    if (tg->zombie) continue;
    if (under(top, tg->cwd) || under(top, tg->exe_path)) return true;
    FdTable& fds = tg->fds();
    for (int fd = 0; fd < fds.extent(); ++fd) {
      Result<OpenFileRef> f = fds.get(fd);
      if (f.ok() && under(top, f.value()->guest_path())) return true;
    }
  }
  return false;
}

Result<long> sys_umount2(Task& task, const SyscallArgs& a) {
  const int flags = arg_int(a[1]);
  if (flags & ~(kMntForce | kMntDetach | kMntExpire | kUmountNofollow)) return err(EINVAL);
  if (!capable_sys_admin(task)) return err(EPERM);
  const std::string target = TRY(read_guest_path(task, a[0]));
  if (target.empty()) return err(ENOENT);
  Vfs& vfs = task.kernel().vfs();
  const PathLoc at = TRY(vfs.find(task.tg().cwd, target, !(flags & kUmountNofollow)));
  if (!Vfs::is_mount_root(at)) return err(EINVAL);
  if (flags & kMntExpire) {
    if (flags & (kMntForce | kMntDetach)) return err(EINVAL);
    return err(EAGAIN);  // the first MNT_EXPIRE only marks the mount
  }
  Kernel& kernel = task.kernel();
  TRY(vfs.umount(at, flags & kMntDetach, [&kernel](const std::string& top) { return mount_in_use(kernel, top); }));
  return 0;
}

}  // namespace

void register_mount(SyscallTable& t) {
  using A = Arg;
  t.add(165, "mount", Support::Partial, sys_mount, {A::Str, A::Path, A::Str, A::Hex, A::Ptr},
        "tmpfs, proc, sysfs, devpts (the instance's one devpts), MS_BIND(|MS_REC) of files and directories, "
        "MS_REMOUNT(|MS_BIND) of ro/nosuid/nodev/noexec, MS_MOVE; propagation flags are accepted no-ops (one "
        "namespace); remount keeps a tmpfs's size; a mount is ro/rw per mount, not per superblock");
  t.add(166, "umount2", Support::Partial, sys_umount2, {A::Path, A::Hex},
        "EBUSY judged by open files', cwds' and images' paths; MNT_FORCE accepted; MNT_EXPIRE always EAGAIN; "
        "unmounted mounts are freed with the instance");
}

}  // namespace lx
