// The syscall table: one entry per x86-64 syscall number, recording its
// name, how completely we implement it, its handler and how --trace prints
// its arguments. Families register their entries from their own files.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "kernel/base/Result.h"

namespace lx {

class Task;

using SyscallArgs = std::array<uint64_t, 6>;

// An `int` syscall argument: the kernel reads only the low 32 bits.
inline int arg_int(uint64_t v) { return static_cast<int>(static_cast<uint32_t>(v)); }
using SyscallHandler = Result<long> (*)(Task&, const SyscallArgs&);

enum class Support : uint8_t {
  Unimplemented,  // returns ENOSYS, logged once
  Stub,           // accepted but does nothing useful (documented in `note`)
  Partial,        // works for common uses; `note` says what is missing
  Full,           // man-page semantics including errors
};

// How --trace renders an argument (strace style).
enum class Arg : uint8_t {
  None, Int, UInt, Hex, Ptr, Size, Fd, DirFd, Path, InBuf /*len in next arg*/, OutBuf /*len = result*/,
  OpenFlags, Mode, AtFlags, Whence, AccessMode, Prot, MapFlags, Signal, Str,
  Long, SigHow, ClockId, Resource, ArchPrctlCode, RandomFlags,
};

struct SyscallEntry {
  const char* name = nullptr;
  Support support = Support::Unimplemented;
  SyscallHandler handler = nullptr;
  const char* note = nullptr;
  std::array<Arg, 6> args{};
  bool returns_ptr = false;  // print the result in hex (mmap, brk)
};

constexpr int kMaxSyscall = 512;

class SyscallTable {
 public:
  static const SyscallTable& instance();

  const SyscallEntry* find(uint64_t nr) const {
    return nr < entries_.size() && entries_[nr].handler ? &entries_[nr] : nullptr;
  }
  const SyscallEntry& entry(uint64_t nr) const { return entries_[nr]; }
  void add(int nr, const char* name, Support s, SyscallHandler h, std::initializer_list<Arg> args,
           const char* note = nullptr, bool returns_ptr = false);
  const std::array<SyscallEntry, kMaxSyscall>& entries() const { return entries_; }

 private:
  SyscallTable();
  std::array<SyscallEntry, kMaxSyscall> entries_{};
};

// One per family file (kernel/syscalls/<family>.cpp).
void register_file_io(SyscallTable&);   // read/write/open/close/lseek/...
void register_file_info(SyscallTable&); // stat family, getdents64, readlink, access, getcwd, chdir
void register_ioctl(SyscallTable&);
void register_memory(SyscallTable&);    // brk, mmap, munmap, mprotect
void register_process(SyscallTable&);   // exit, getpid..., arch_prctl, set_tid_address, rlimits
void register_signal(SyscallTable&);    // rt_sigaction, rt_sigprocmask
void register_system(SyscallTable&);    // uname, sysinfo, clock_gettime, getrandom
void register_futex(SyscallTable&);
void register_prctl(SyscallTable&);
void register_file_ns(SyscallTable&);     // mkdir, mknod, unlink, rmdir, rename, link, symlink (+ *at)
void register_file_attr(SyscallTable&);   // chmod/chown/utimes families, truncate, fallocate, statx, statfs, sync
void register_file_xattr(SyscallTable&);  // {,l,f}{get,set,list,remove}xattr
void register_file_locks(SyscallTable&);  // flock (fcntl locks are dispatched from fcntl)
void register_file_misc(SyscallTable&);   // creat, openat2, close_range, preadv2/pwritev2, copy_file_range, splice
void register_session(SyscallTable&);  // process groups, sessions, personality
void register_creds(SyscallTable&);    // uid/gid families, groups, capget/capset
void register_clone(SyscallTable&);   // clone, clone3, fork, vfork
void register_wait(SyscallTable&);    // exit, exit_group, wait4, waitid
void register_pidfd(SyscallTable&);   // pidfd_open, pidfd_send_signal, pidfd_getfd
void register_execve(SyscallTable&);  // execve, execveat
void register_socket(SyscallTable&);   // socket..recvmmsg (socket.cpp, socket_msg.cpp)
void register_file_advice(SyscallTable&);  // fadvise64, readahead
void register_pipe(SyscallTable&);    // pipe, pipe2
void register_poll(SyscallTable&);    // poll, ppoll, select, pselect6
void register_timers(SyscallTable&);  // alarm, setitimer, getitimer, timer_*
void register_eventfd(SyscallTable&);   // eventfd, eventfd2
void register_timerfd(SyscallTable&);   // timerfd_create/settime/gettime
void register_signalfd(SyscallTable&);  // signalfd, signalfd4
void register_inotify(SyscallTable&);   // inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch
void register_memfd(SyscallTable&);     // memfd_create (seals: fcntl, file_io.cpp)
void register_memfd(SyscallTable&);
void register_mount(SyscallTable&);     // mount, umount2     // memfd_create (seals: fcntl, file_io.cpp)

}  // namespace lx
