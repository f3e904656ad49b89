#include "kernel/syscalls/Table.h"

#include "kernel/syscalls/Priority.h"

namespace lx {

SyscallTable::SyscallTable() {
  register_file_io(*this);
  register_file_info(*this);
  register_ioctl(*this);
  register_memory(*this);
  register_process(*this);
  register_signal(*this);
  register_system(*this);
  register_futex(*this);
  register_prctl(*this);
  register_file_ns(*this);
  register_file_attr(*this);
  register_file_xattr(*this);
  register_file_locks(*this);
  register_file_misc(*this);
  register_session(*this);
  register_creds(*this);
  register_pipe(*this);
  register_poll(*this);
  register_timers(*this);
  register_clone(*this);
  register_wait(*this);
  register_pidfd(*this);
  register_execve(*this);
  register_socket(*this);
  register_file_advice(*this);
  register_eventfd(*this);
  register_timerfd(*this);
  register_signalfd(*this);
  register_inotify(*this);
  register_memfd(*this);
  register_priority(*this);
  register_mount(*this);
}

const SyscallTable& SyscallTable::instance() {
  static const SyscallTable table;
  return table;
}

void SyscallTable::add(int nr, const char* name, Support s, SyscallHandler h,
                       std::initializer_list<Arg> args, const char* note, bool returns_ptr) {
  auto& e = entries_.at(static_cast<size_t>(nr));
  e.name = name;
  e.support = s;
  e.handler = h;
  e.note = note;
  e.returns_ptr = returns_ptr;
  size_t i = 0;
  for (Arg a : args) e.args.at(i++) = a;
}

}  // namespace lx
