// The open files of a pty's two ends and the terminal ioctls (tty_ioctl(4)).
// Termios, window size and job-control ioctls on the master act on the
// slave's state, as Linux's tty_pair_get_tty() makes them.
#include <time.h>

#include "kernel/CurrentTask.h"
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Poll.h"
#include "kernel/dev/DeviceFile.h"
#include "kernel/signal/Signal.h"
#include "kernel/tty/JobControl.h"
#include "kernel/tty/Pty.h"
#include "kernel/tty/Termios.h"

namespace lx {

using namespace tty;

Pty::Pty(int index, uint32_t uid_, uint32_t gid_) : uid(uid_), gid(gid_), index_(index) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  ctime = abi::Timespec{ts.tv_sec, ts.tv_nsec};
}

void Pty::master_gone() {
  master_closed = true;
  ld.flush_input();
  if (Task* t = current_task()) detach_tty(t->kernel(), *this, true);
  queue.wake_all();
}

void Pty::slave_gone() { queue.wake_all(); }

namespace {

void send_to_foreground(Pty& p, const std::vector<int>& signals) {
  Task* t = current_task();
  if (!t) return;
  for (int sig : signals) signal_pgrp(t->kernel(), p.pgrp, sig);
}

// Linux's session_of_pgrp(): the session of group `pgrp`, or of process
// `pgrp` if no group has that id; 0 if neither exists.
int session_of_pgrp(Kernel& k, int pgrp) {
  for (const auto& [pid, g] : k.groups())
    if (g->pgid == pgrp) return g->sid;
  if (ThreadGroup* g = k.find_group(pgrp)) return g->sid;
  return 0;
}

Result<long> put_int(Task& task, uint64_t arg, int v) {
  TRY(task.mem().write(UserPtr<int>{arg}, v));
  return 0;
}

Result<long> set_termios(Task& task, Pty& p, unsigned cmd, uint64_t arg) {
  TRY(tty_check_change(task, p, kSigTtou));
  const abi::Termios t = TRY(task.mem().read(UserPtr<abi::Termios>{arg}));
  // TCSETSW waits for output to drain: a pty's output is with the master
  // at once. TCSETSF also drops unread input.
  if (cmd == kTcsetsf) p.ld.flush_input();
  p.ld.set_termios(t);
  p.queue.wake_all();
  return 0;
}

Result<long> set_pgrp(Task& task, Pty& p, uint64_t arg) {
  Result<void> check = tty_check_change(task, p, kSigTtou);
  if (!check.ok()) return err(check.error() == EIO ? ENOTTY : check.error());
  const int pgrp = TRY(task.mem().read(UserPtr<int>{arg}));
  if (pgrp < 0) return err(EINVAL);
  ThreadGroup& tg = task.tg();
  if (tg.ctty.get() != &p || p.session != tg.sid) return err(ENOTTY);
  const int sid = session_of_pgrp(task.kernel(), pgrp);
  if (sid == 0) return err(ESRCH);
  if (sid != tg.sid) return err(EPERM);
  p.pgrp = pgrp;
  return 0;
}

Result<long> set_ctty(Task& task, const PtyRef& p, OpenFile& f, uint64_t arg) {
  ThreadGroup& tg = task.tg();
  const bool leader = tg.sid == tg.pid();
  if (leader && p->session == tg.sid) return 0;
  if (!leader || tg.ctty) return err(EPERM);
  const bool admin = tg.euid == 0;
  if (p->session) {
    if (arg != 1 || !admin) return err(EPERM);
    detach_tty(task.kernel(), *p, false);  // stolen from its session
  }
  if (!f.readable() && !admin) return err(EPERM);
  set_ctty(tg, p);
  return 0;
}

Result<long> tty_ioctl(Task& task, const PtyRef& pref, bool master, OpenFile& f, unsigned cmd, uint64_t arg) {
  Pty& p = *pref;
  ThreadGroup& tg = task.tg();
  // A hung-up slave answers every ioctl EIO (hung_up_tty_ioctl).
  if (!master && p.master_closed) return err(cmd == kTiocspgrp ? ENOTTY : EIO);
  switch (cmd) {
    case kTcgets: {
      TRY(task.mem().write(UserPtr<abi::Termios>{arg}, p.ld.termios()));
      return 0;
    }
    case kTcsets:
    case kTcsetsw:
    case kTcsetsf:
      return set_termios(task, p, cmd, arg);
    case kTiocgwinsz:
      TRY(task.mem().write(UserPtr<abi::Winsize>{arg}, p.winsize));
      return 0;
    case kTiocswinsz: {
      const abi::Winsize w = TRY(task.mem().read(UserPtr<abi::Winsize>{arg}));
      const bool changed = w.ws_row != p.winsize.ws_row || w.ws_col != p.winsize.ws_col ||
                           w.ws_xpixel != p.winsize.ws_xpixel || w.ws_ypixel != p.winsize.ws_ypixel;
      p.winsize = w;
      if (changed) signal_pgrp(task.kernel(), p.pgrp, kSigWinch);
      return 0;
    }
    case kTiocsctty:
      return set_ctty(task, pref, f, arg);
    case kTiocnotty:
      if (tg.ctty.get() != &p) return err(ENOTTY);
      if (tg.sid == tg.pid()) disassociate_ctty(tg, false);
      tg.ctty.reset();
      return 0;
    case kTiocgpgrp:
      if (!master && tg.ctty.get() != &p) return err(ENOTTY);
      return put_int(task, arg, p.pgrp);
    case kTiocspgrp:
      return set_pgrp(task, p, arg);
    case kTiocgsid:
      if (!master && tg.ctty.get() != &p) return err(ENOTTY);
      if (p.session == 0) return err(ENOTTY);
      return put_int(task, arg, p.session);
    case kFionread: {
      const size_t n = master ? p.ld.output_pending() : p.ld.input_available();
      return put_int(task, arg, static_cast<int>(n));
    }
    case kTiocoutq:
      return put_int(task, arg, 0);  // pty output is with the other side at once
    case kTcflsh: {
      TRY(tty_check_change(task, p, kSigTtou));
      const int what = static_cast<int>(arg);
      if (what != kTciflush && what != kTcoflush && what != kTcioflush) return err(EINVAL);
      // The master's input is the slave's output and vice versa.
      const bool in = what != kTcoflush, out = what != kTciflush;
      if (master ? out : in) p.ld.flush_input();
      if (master ? in : out) p.ld.flush_output();
      p.queue.wake_all();
      return 0;
    }
    case kTcxonc: {
      TRY(tty_check_change(task, p, kSigTtou));
      const int what = static_cast<int>(arg);
      if (what != kTcooff && what != kTcoon && what != kTcioff && what != kTcion) return err(EINVAL);
      return 0;  // flow control is not modelled: output is never suspended
    }
    case kTcsbrk:
    case kTcsbrkp:
      return 0;  // tcdrain / tcsendbreak: nothing is pending on a pty
    case kTiocgptn:
      if (!master) return err(ENOTTY);
      return put_int(task, arg, p.index());
    case kTiocsptlck: {
      if (!master) return err(ENOTTY);
      const int v = TRY(task.mem().read(UserPtr<int>{arg}));
      p.locked = v != 0;
      return 0;
    }
    case kTiocgptlck:
      if (!master) return err(ENOTTY);
      return put_int(task, arg, p.locked ? 1 : 0);
    default:
      return err(ENOTTY);
  }
}

class PtyMasterFile final : public DeviceFile {
 public:
  PtyMasterFile(PtyRef pty, InodeRef node) : DeviceFile(std::move(node)), pty_(std::move(pty)) { ++pty_->masters; }
  ~PtyMasterFile() override {
    if (--pty_->masters == 0) pty_->master_gone();
  }
  PtyMasterFile(const PtyMasterFile&) = delete;
  PtyMasterFile& operator=(const PtyMasterFile&) = delete;

  Result<uint64_t> read(std::span<uint8_t> buf) override {
    if (buf.empty()) return 0;
    if (pty_->ld.output_pending() == 0) return err(slave_closed() ? EIO : EAGAIN);
    const size_t n = pty_->ld.read_output(buf);
    pty_->queue.wake_all();
    return n;
  }
  Result<uint64_t> write(std::span<const uint8_t> buf) override {
    if (buf.empty()) return 0;
    std::vector<int> signals;
    const size_t n = pty_->ld.receive(buf, signals);
    if (n > 0 || !signals.empty()) pty_->queue.wake_all();
    send_to_foreground(*pty_, signals);
    if (n == 0) return err(EAGAIN);
    return n;
  }
  Result<long> ioctl(Task& task, unsigned cmd, uint64_t arg) override {
    return tty_ioctl(task, pty_, true, *this, cmd, arg);
  }
  unsigned poll_events() override {
    unsigned ev = 0;
    if (pty_->ld.output_pending() > 0) ev |= abi::kPollIn | abi::kPollRdnorm;
    if (slave_closed()) ev |= abi::kPollHup;
    if (!pty_->ld.input_full()) ev |= abi::kPollOut | abi::kPollWrnorm;
    return ev;
  }
  WaitQueue* wait_queue() override { return &pty_->queue; }
  Pty& pty() { return *pty_; }
  const PtyRef& ref() const { return pty_; }

 private:
  bool slave_closed() const { return pty_->slave_was_opened && pty_->slaves == 0; }
  PtyRef pty_;
};

class PtySlaveFile final : public DeviceFile {
 public:
  PtySlaveFile(PtyRef pty, InodeRef node) : DeviceFile(std::move(node)), pty_(std::move(pty)) {
    ++pty_->slaves;
    pty_->slave_was_opened = true;
    pty_->queue.wake_all();
  }
  ~PtySlaveFile() override {
    --pty_->slaves;
    pty_->slave_gone();
  }
  PtySlaveFile(const PtySlaveFile&) = delete;
  PtySlaveFile& operator=(const PtySlaveFile&) = delete;

  Result<uint64_t> read(std::span<uint8_t> buf) override {
    if (pty_->master_closed) return 0;  // hung up
    if (Task* t = current_task()) TRY(tty_check_change(*t, *pty_, kSigTtin));
    if (buf.empty()) return 0;
    if (!pty_->ld.read_ready(buf.size())) return err(EAGAIN);
    const size_t n = pty_->ld.read(buf);
    pty_->queue.wake_all();
    return n;
  }
  Result<uint64_t> write(std::span<const uint8_t> buf) override {
    if (pty_->master_closed) return err(EIO);
    if (Task* t = current_task(); t && (pty_->ld.termios().c_lflag & kTostop))
      TRY(tty_check_change(*t, *pty_, kSigTtou));
    if (buf.empty()) return 0;
    const size_t n = pty_->ld.write(buf);
    if (n == 0) return err(EAGAIN);
    pty_->queue.wake_all();
    return n;
  }
  Result<long> ioctl(Task& task, unsigned cmd, uint64_t arg) override {
    return tty_ioctl(task, pty_, false, *this, cmd, arg);
  }
  unsigned poll_events() override {
    if (pty_->master_closed)
      return abi::kPollIn | abi::kPollRdnorm | abi::kPollOut | abi::kPollWrnorm | abi::kPollErr | abi::kPollHup;
    unsigned ev = 0;
    if (pty_->ld.poll_readable()) ev |= abi::kPollIn | abi::kPollRdnorm;
    if (!pty_->ld.output_full()) ev |= abi::kPollOut | abi::kPollWrnorm;
    return ev;
  }
  WaitQueue* wait_queue() override { return &pty_->queue; }
  Pty& pty() { return *pty_; }
  const PtyRef& ref() const { return pty_; }

 private:
  PtyRef pty_;
};

}  // namespace

OpenFileRef make_pty_master(PtyRef pty, InodeRef node) {
  return std::make_shared<PtyMasterFile>(std::move(pty), std::move(node));
}

Result<OpenFileRef> open_pty_slave(PtyRef pty, InodeRef node, int flags) {
  if (pty->master_closed || pty->locked) return err(EIO);
  // tty_open_proc_set_tty(): a session leader without a terminal acquires
  // the first one it opens that has no session.
  Task* t = current_task();
  if (t && !(flags & abi::kONoctty)) {
    ThreadGroup& tg = t->tg();
    if (tg.sid == tg.pid() && !tg.ctty && pty->session == 0) set_ctty(tg, pty);
  }
  return OpenFileRef(std::make_shared<PtySlaveFile>(std::move(pty), std::move(node)));
}

Pty* as_pty(OpenFile& f) {
  if (auto* m = dynamic_cast<PtyMasterFile*>(&f)) return &m->pty();
  if (auto* s = dynamic_cast<PtySlaveFile*>(&f)) return &s->pty();
  return nullptr;
}

PtyRef pty_ref(OpenFile& f, bool* slave) {
  if (slave) *slave = false;
  if (auto* m = dynamic_cast<PtyMasterFile*>(&f)) return m->ref();
  if (auto* s = dynamic_cast<PtySlaveFile*>(&f)) {
    if (slave) *slave = true;
    return s->ref();
  }
  return nullptr;
}

}  // namespace lx
