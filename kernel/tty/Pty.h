// A Unix98 pseudo-terminal pair: the master (opened through ptmx) and the
// slave (/dev/pts/N) share one line discipline, one window size and the
// terminal's job-control state (session and foreground process group).
// Everything is guarded by the kernel's big lock; `queue` is woken on every
// change of either side's readiness.
#pragma once

#include <cstdint>
#include <memory>

#include "kernel/abi/Linux.h"
#include "kernel/sched/WaitQueue.h"
#include "kernel/tty/LineDiscipline.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/Inode.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class Kernel;
class Task;

class Pty {
 public:
  Pty(int index, uint32_t uid, uint32_t gid);

  int index() const { return index_; }

  tty::LineDiscipline ld;
  abi::Winsize winsize{};
  bool locked = true;   // TIOCSPTLCK: the slave cannot be opened while set
  // Job control: the session this is the controlling terminal of (0: none)
  // and its foreground process group (0: none).
  int session = 0;
  int pgrp = 0;
  // The slave node in devpts.
  unsigned mode = 0620;
  uint32_t uid, gid;
  abi::Timespec ctime{};

  // Open ends. master_closed: the master has gone, the slave is hung up
  // (reads 0, writes EIO) and its devpts entry is gone.
  int masters = 0;
  int slaves = 0;
  bool master_closed = false;
  bool slave_was_opened = false;

  WaitQueue queue;

  // Called by the end files (big lock held). The master's last close hangs
  // the slave up: the session leader gets SIGHUP and SIGCONT and every
  // process loses this controlling terminal.
  void master_gone();
  void slave_gone();

 private:
  int index_;
};

using PtyRef = std::shared_ptr<Pty>;

// Open files of the two ends (PtyFile.cpp). node: the inode opened (ptmx or
// the slave's devpts node), reported by fstat.
OpenFileRef make_pty_master(PtyRef pty, InodeRef node);
// ENXIO-like errors are the caller's: this checks the lock (EIO) and hang-up (EIO).
Result<OpenFileRef> open_pty_slave(PtyRef pty, InodeRef node, int flags);
// The pty behind an open slave or master file, or null.
Pty* as_pty(OpenFile& f);
// The same as a reference (null for other files); `slave` tells the end.
PtyRef pty_ref(OpenFile& f, bool* slave = nullptr);

}  // namespace lx
