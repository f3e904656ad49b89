// inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch
// (kernel/ipc/Inotify.h; events come from the Vfs through vfs/FsNotify.h).
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/ipc/Inotify.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/PathLookup.h"

namespace lx {

namespace {

Result<long> create(Task& task, int flags) {
  if (flags & ~(abi::kOCloexec | abi::kONonblock)) return err(EINVAL);
  FsNotify& hub = task.kernel().vfs().notify();
  const uint32_t uid = task.tg().uid;
  if (!hub.add_instance(uid)) return err(EMFILE);
  // The file gives the instance back when it goes, also if installing it fails.
  auto file = std::make_shared<InotifyFile>(task.kernel().vfs().notify_hub(), uid,
                                            abi::kORdonly | (flags & abi::kONonblock));
  return TRY(task.fds().install(std::move(file), (flags & abi::kOCloexec) != 0));
}

Result<long> sys_inotify_init(Task& task, const SyscallArgs& a) {
  (void)a;
  return create(task, 0);
}

Result<long> sys_inotify_init1(Task& task, const SyscallArgs& a) { return create(task, arg_int(a[0])); }

Result<InotifyFile*> inotify_file(Task& task, OpenFileRef& holder, uint64_t fd) {
  holder = TRY(task.fds().get(arg_int(fd)));
  InotifyFile* in = as_inotify(*holder);
  if (!in) return err(EINVAL);
  return in;
}

Result<long> sys_inotify_add_watch(Task& task, const SyscallArgs& a) {
  const auto mask = static_cast<uint32_t>(a[2]);
  // Linux's order: the mask, the fd, then the path.
  if (!(mask & in::kAllBits)) return err(EINVAL);
  if ((mask & in::kMaskAdd) && (mask & in::kMaskCreate)) return err(EINVAL);
  OpenFileRef holder;
  InotifyFile* file = TRY(inotify_file(task, holder, a[0]));
  const std::string path = TRY(read_guest_path(task, a[1]));
  if (path.empty()) return err(ENOENT);
  const std::string base = TRY(at_base(task, abi::kAtFdCwd, path));
  const InodeKey key = TRY(task.kernel().vfs().watch_target(base, path, !(mask & in::kDontFollow),
                                                            (mask & in::kOnlydir) != 0));
  return TRY(file->add_watch(key, mask));
}

Result<long> sys_inotify_rm_watch(Task& task, const SyscallArgs& a) {
  OpenFileRef holder;
  InotifyFile* file = TRY(inotify_file(task, holder, a[0]));
  TRY(file->rm_watch(arg_int(a[1])));
  return 0;
}

}  // namespace

void register_inotify(SyscallTable& t) {
  using A = Arg;
  constexpr const char* kNote =
      "events from guest operations on every filesystem (hooked in the Vfs), not from host-side changes to "
      "hostfs; descriptions opened before the first watch existed report no IN_OPEN/ACCESS/MODIFY/CLOSE, and "
      "their inode's IN_DELETE_SELF does not wait for their close; no IN_UNMOUNT (no umount); "
      "sendfile/splice/copy_file_range and mmap writes report nothing";
  t.add(253, "inotify_init", Support::Full, sys_inotify_init, {});
  t.add(294, "inotify_init1", Support::Full, sys_inotify_init1, {A::Hex});
  t.add(254, "inotify_add_watch", Support::Partial, sys_inotify_add_watch, {A::Fd, A::Path, A::Hex}, kNote);
  t.add(255, "inotify_rm_watch", Support::Full, sys_inotify_rm_watch, {A::Fd, A::Int});
}

}  // namespace lx
