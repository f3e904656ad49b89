// ioctl: the commands Linux handles for every file (do_vfs_ioctl) are done
// here; everything else belongs to the file (terminals, FIONREAD, ...).
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

Result<long> sys_ioctl(Task& task, const SyscallArgs& a) {
  const int fd = static_cast<int>(static_cast<uint32_t>(a[0]));
  const auto cmd = static_cast<unsigned>(a[1]);
  const uint64_t arg = a[2];
  OpenFileRef f = TRY(task.fds().get(fd));
  if (f->is_path()) return err(EBADF);
  switch (cmd) {
    case abi::kFioclex:
      TRY(task.fds().set_cloexec(fd, true));
      return 0;
    case abi::kFionclex:
      TRY(task.fds().set_cloexec(fd, false));
      return 0;
    case abi::kFionbio: {
      const int on = TRY(task.mem().read(UserPtr<int>{arg}));
      const int flags = on ? (f->status_flags() | abi::kONonblock) : (f->status_flags() & ~abi::kONonblock);
      TRY(f->update_status_flags(flags));
      return 0;
    }
    default:
      return f->ioctl(task, cmd, arg);
  }
}

}  // namespace

void register_ioctl(SyscallTable& t) {
  t.add(16, "ioctl", Support::Partial, sys_ioctl, {Arg::Fd, Arg::Hex, Arg::Hex},
        "FIOCLEX, FIONCLEX, FIONBIO; on host files FIONREAD, and on host terminals TCGETS, TCSETS/W/F and "
        "TIOCGWINSZ; on ptys TCGETS/TCSETS/W/F, TIOCG/SWINSZ, TIOCSCTTY, TIOCNOTTY, TIOCG/SPGRP, TIOCGSID, "
        "FIONREAD, TIOCOUTQ, TCFLSH, TCXONC, TCSBRK, TIOCGPTN, TIOCS/GPTLCK; other commands ENOTTY");
}

}  // namespace lx
