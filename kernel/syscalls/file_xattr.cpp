// Extended attributes: {,l,f}{get,set,list,remove}xattr. The syscall layer
// copies names and values with Linux's limits (XATTR_NAME_MAX 255,
// XATTR_SIZE_MAX / XATTR_LIST_MAX 64 KiB) through bounded buffers; the Vfs
// or the open file decides which namespaces exist and what they hold.
#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/FsNotify.h"
#include "kernel/vfs/PathLookup.h"

namespace lx {

namespace {

constexpr uint64_t kXattrNameMax = 255;
constexpr uint64_t kXattrSizeMax = 65536;
constexpr uint64_t kXattrListMax = 65536;
constexpr int kXattrCreate = 1;
constexpr int kXattrReplace = 2;

// import_xattr_name(): "" and names of 256+ bytes are ERANGE; an
// unreadable name is EFAULT.
Result<std::string> read_xattr_name(Task& task, uint64_t addr) {
  Result<std::string> name = task.mem().read_string(addr, kXattrNameMax);
  if (!name.ok()) return err(name.error() == ENAMETOOLONG ? ERANGE : name.error());
  if (name.value().empty()) return err(ERANGE);
  return name;
}

// The path of a path-based call: "" is ENOENT (no AT_EMPTY_PATH here).
Result<std::string> read_path(Task& task, uint64_t addr) {
  std::string path = TRY(read_guest_path(task, addr));
  if (path.empty()) return err(ENOENT);
  return path;
}

// fget*/fset*/...: fdget(), so O_PATH descriptions are EBADF.
Result<OpenFileRef> xattr_file(Task& task, uint64_t fd) {
  OpenFileRef f = TRY(task.fds().get(arg_int(fd)));
  if (f->is_path()) return err(EBADF);
  return f;
}

// ---- set ----------------------------------------------------------------------------

struct SetArgs {
  std::string name;
  std::vector<uint8_t> value;
  int flags;
};

// setxattr_copy(): flags, name, size, value, in that order.
Result<SetArgs> copy_set_args(Task& task, uint64_t name_addr, uint64_t value_addr, uint64_t size, uint64_t flags_arg) {
  const int flags = arg_int(flags_arg);
  if (flags & ~(kXattrCreate | kXattrReplace)) return err(EINVAL);
  SetArgs s{TRY(read_xattr_name(task, name_addr)), {}, flags};
  if (size) {
    if (size > kXattrSizeMax) return err(E2BIG);
    s.value.resize(size);
    TRY(task.mem().copy_in(value_addr, s.value.data(), size));
  }
  return s;
}

Result<long> do_setxattr(Task& task, const SyscallArgs& a, bool follow) {
  SetArgs s = TRY(copy_set_args(task, a[1], a[2], a[3], a[4]));
  std::string path = TRY(read_path(task, a[0]));
  TRY(task.kernel().vfs().setxattr(task.tg().cwd, path, s.name, s.value, s.flags, follow));
  return 0;
}

Result<long> sys_setxattr(Task& task, const SyscallArgs& a) { return do_setxattr(task, a, true); }
Result<long> sys_lsetxattr(Task& task, const SyscallArgs& a) { return do_setxattr(task, a, false); }

Result<long> sys_fsetxattr(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(xattr_file(task, a[0]));
  SetArgs s = TRY(copy_set_args(task, a[1], a[2], a[3], a[4]));
  TRY(f->setxattr(s.name, s.value, s.flags));
  if (FileNotify* n = f->notify()) n->event(in::kAttrib);
  return 0;
}

// ---- get ----------------------------------------------------------------------------

// The value is fetched into a buffer of at most XATTR_SIZE_MAX bytes; a
// value that does not fit even that is E2BIG rather than ERANGE.
template <typename Fetch>
Result<long> finish_get(Task& task, uint64_t value_addr, uint64_t size, uint64_t limit, Fetch fetch) {
  const uint64_t cap = std::min(size, limit);
  // Small values (ls asks with 255 bytes or none) need no heap buffer.
  uint8_t small[256];
  std::vector<uint8_t> big(cap > sizeof small ? cap : 0);
  const std::span<uint8_t> buf = cap > sizeof small ? std::span<uint8_t>(big) : std::span<uint8_t>(small, cap);
  Result<uint64_t> n = fetch(buf);
  if (!n.ok()) {
    if (n.error() == ERANGE && size >= limit) return err(E2BIG);
    return err(n.error());
  }
  // size 0 asks for the length only; nothing is copied.
  if (cap != 0 && n.value() > 0) {
    if (n.value() > cap) return err(ERANGE);  // a filesystem overfilling the buffer is its bug, not the guest's
    TRY(task.mem().copy_out(value_addr, buf.data(), n.value()));
  }
  return static_cast<long>(n.value());
}

Result<long> do_getxattr(Task& task, const SyscallArgs& a, bool follow) {
  std::string name = TRY(read_xattr_name(task, a[1]));
  std::string path = TRY(read_path(task, a[0]));
  Vfs& vfs = task.kernel().vfs();
  const std::string& cwd = task.tg().cwd;
  return finish_get(task, a[2], a[3], kXattrSizeMax,
                    [&](std::span<uint8_t> b) { return vfs.getxattr(cwd, path, name, b, follow); });
}

Result<long> sys_getxattr(Task& task, const SyscallArgs& a) { return do_getxattr(task, a, true); }
Result<long> sys_lgetxattr(Task& task, const SyscallArgs& a) { return do_getxattr(task, a, false); }

Result<long> sys_fgetxattr(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(xattr_file(task, a[0]));
  std::string name = TRY(read_xattr_name(task, a[1]));
  return finish_get(task, a[2], a[3], kXattrSizeMax, [&](std::span<uint8_t> b) { return f->getxattr(name, b); });
}

// ---- list ---------------------------------------------------------------------------

Result<long> do_listxattr(Task& task, const SyscallArgs& a, bool follow) {
  std::string path = TRY(read_path(task, a[0]));
  Vfs& vfs = task.kernel().vfs();
  const std::string& cwd = task.tg().cwd;
  return finish_get(task, a[1], a[2], kXattrListMax,
                    [&](std::span<uint8_t> b) { return vfs.listxattr(cwd, path, b, follow); });
}

Result<long> sys_listxattr(Task& task, const SyscallArgs& a) { return do_listxattr(task, a, true); }
Result<long> sys_llistxattr(Task& task, const SyscallArgs& a) { return do_listxattr(task, a, false); }

Result<long> sys_flistxattr(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(xattr_file(task, a[0]));
  return finish_get(task, a[1], a[2], kXattrListMax, [&](std::span<uint8_t> b) { return f->listxattr(b); });
}

// ---- remove -------------------------------------------------------------------------

Result<long> do_removexattr(Task& task, const SyscallArgs& a, bool follow) {
  std::string name = TRY(read_xattr_name(task, a[1]));
  std::string path = TRY(read_path(task, a[0]));
  TRY(task.kernel().vfs().removexattr(task.tg().cwd, path, name, follow));
  return 0;
}

Result<long> sys_removexattr(Task& task, const SyscallArgs& a) { return do_removexattr(task, a, true); }
Result<long> sys_lremovexattr(Task& task, const SyscallArgs& a) { return do_removexattr(task, a, false); }

Result<long> sys_fremovexattr(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(xattr_file(task, a[0]));
  std::string name = TRY(read_xattr_name(task, a[1]));
  TRY(f->removexattr(name));
  if (FileNotify* n = f->notify()) n->event(in::kAttrib);
  return 0;
}

}  // namespace

void register_file_xattr(SyscallTable& t) {
  using A = Arg;
  t.add(188, "setxattr", Support::Full, sys_setxattr, {A::Path, A::Str, A::Ptr, A::Size, A::Hex});
  t.add(189, "lsetxattr", Support::Full, sys_lsetxattr, {A::Path, A::Str, A::Ptr, A::Size, A::Hex});
  t.add(190, "fsetxattr", Support::Full, sys_fsetxattr, {A::Fd, A::Str, A::Ptr, A::Size, A::Hex});
  t.add(191, "getxattr", Support::Full, sys_getxattr, {A::Path, A::Str, A::Ptr, A::Size});
  t.add(192, "lgetxattr", Support::Full, sys_lgetxattr, {A::Path, A::Str, A::Ptr, A::Size});
  t.add(193, "fgetxattr", Support::Full, sys_fgetxattr, {A::Fd, A::Str, A::Ptr, A::Size});
  t.add(194, "listxattr", Support::Full, sys_listxattr, {A::Path, A::Ptr, A::Size});
  t.add(195, "llistxattr", Support::Full, sys_llistxattr, {A::Path, A::Ptr, A::Size});
  t.add(196, "flistxattr", Support::Full, sys_flistxattr, {A::Fd, A::Ptr, A::Size});
  t.add(197, "removexattr", Support::Full, sys_removexattr, {A::Path, A::Str});
  t.add(198, "lremovexattr", Support::Full, sys_lremovexattr, {A::Path, A::Str});
  t.add(199, "fremovexattr", Support::Full, sys_fremovexattr, {A::Fd, A::Str});
}

}  // namespace lx
