// Signal delivery on the way back to guest code: default actions, stops,
// syscall restarts and handler frames; and rt_sigreturn.
#include "kernel/Kernel.h"
#include "kernel/proc/Lifecycle.h"
#include "kernel/signal/Frame.h"
#include "kernel/signal/Signal.h"

namespace lx {

namespace {

enum class DefaultAction { Ignore, Terminate, Core, Stop };

DefaultAction default_action(int sig) {
  switch (sig) {
    case kSigChld: case kSigCont: case kSigUrg: case kSigWinch:
      return DefaultAction::Ignore;
    case kSigStop: case kSigTstp: case kSigTtin: case kSigTtou:
      return DefaultAction::Stop;
    case kSigQuit: case kSigIll: case kSigTrap: case kSigAbrt: case kSigBus: case kSigFpe:
    case kSigSegv: case kSigXcpu: case kSigXfsz: case kSigSys:
      return DefaultAction::Core;
    default:
      return DefaultAction::Terminate;
  }
}

// Synchronous (fault) signals go first, as in Linux's next_signal().
constexpr uint64_t kSyncMask = sigbit(kSigSegv) | sigbit(kSigBus) | sigbit(kSigIll) | sigbit(kSigTrap) |
                               sigbit(kSigFpe) | sigbit(kSigSys);

int lowest(uint64_t set) { return set ? __builtin_ctzll(set) + 1 : 0; }

// Picks and dequeues the next deliverable signal; 0 if none.
int dequeue_signal(Task& t, SigInfo& info) {
  for (PendingSignals* p : {&t.pending, &t.tg().shared_pending}) {
    const uint64_t ready = p->set & ~t.sigmask;
    if (!ready) continue;
    const int sig = (ready & kSyncMask) ? lowest(ready & kSyncMask) : lowest(ready);
    info = p->take(sig);
    return sig;
  }
  return 0;
}

int altstack_flags(const Task& t, uint64_t sp) {
  if (t.sas_ss_size == 0) return abi::kSsDisable;
  return t.on_altstack(sp) ? abi::kSsOnstack : 0;
}

// The syscall that signal delivery interrupted: EINTR or re-execute it.
void handle_restart(Task& t, const SigAction* act) {
  if (!t.restart_pending) return;
  t.restart_pending = false;
  pico::Registers& r = t.regs();
  const long code = -static_cast<long>(r.rax);
  bool restart = false;
  switch (code) {
    case kErestartnointr:
      restart = true;
      break;
    case kErestartsys:
      restart = !act || (act->flags & kSaRestart);
      break;
    case kErestartnohand:
    case kErestartRestartblock:
      restart = !act;
      break;
    default:
      return;
  }
  if (restart) {
    r.rax = t.syscall_nr;
    r.rip -= 2;  // back onto the `syscall` instruction
  } else {
    r.rax = static_cast<uint64_t>(-static_cast<long>(EINTR));
  }
}

Result<void> setup_frame(Task& t, int sig, const SigInfo& info, SigAction& act) {
  pico::Registers& r = t.regs();
  if (!(act.flags & kSaRestorer)) return err(EFAULT);  // x86-64 has no kernel-provided trampoline
  uint64_t sp = r.rsp - 128;  // the red zone below rsp belongs to the interrupted code
  if ((act.flags & kSaOnstack) && t.sas_ss_size && !t.on_altstack(r.rsp)) sp = t.sas_ss_sp + t.sas_ss_size;
  const uint64_t fpsize = t.tg().pico().fpstate_size();
  uint64_t fpaddr = 0;
  if (fpsize) {
    sp = (sp - fpsize) & ~uint64_t{63};
    fpaddr = sp;
  }
  const uint64_t frame_addr = ((sp - sizeof(abi::RtSigframe)) & ~uint64_t{15}) - 8;

  abi::RtSigframe f{};
  f.pretcode = act.restorer;
  f.uc.flags = abi::kUcSigcontextSs | abi::kUcStrictRestoreSs | (fpsize ? abi::kUcFpXstate : 0);
  f.uc.stack.sp = t.sas_ss_sp;
  f.uc.stack.size = t.sas_ss_size;
  f.uc.stack.flags = altstack_flags(t, r.rsp) | static_cast<int32_t>(t.sas_ss_flags & abi::kSsAutodisarm);
  abi::SigContext& m = f.uc.mcontext;
  m.r8 = r.r8; m.r9 = r.r9; m.r10 = r.r10; m.r11 = r.r11; m.r12 = r.r12; m.r13 = r.r13; m.r14 = r.r14;
  m.r15 = r.r15; m.rdi = r.rdi; m.rsi = r.rsi; m.rbp = r.rbp; m.rbx = r.rbx; m.rdx = r.rdx; m.rax = r.rax;
  m.rcx = r.rcx; m.rsp = r.rsp; m.rip = r.rip; m.eflags = r.rflags;
  m.cs = 0x33;
  m.ss = 0x2b;
  m.oldmask = t.has_saved_sigmask ? t.saved_sigmask : t.sigmask;
  if (sig == kSigSegv || sig == kSigBus) {
    m.cr2 = info.addr();
    m.trapno = sig == kSigSegv ? 14 : 0;  // #PF
  }
  m.fpstate = fpaddr;
  f.uc.sigmask = m.oldmask;
  if (act.flags & kSaSiginfo) f.info = info;

  if (fpsize) TRY(t.thread().save_fpstate(fpaddr));
  TRY(t.mem().write(UserPtr<abi::RtSigframe>{frame_addr}, f));
  // Now, not at resume: an unwritable stack must fail here (SIGSEGV).
  TRY(t.mem().commit());

  r.rdi = static_cast<uint64_t>(sig);
  r.rsi = frame_addr + offsetof(abi::RtSigframe, info);
  r.rdx = frame_addr + offsetof(abi::RtSigframe, uc);
  r.rax = 0;
  r.rsp = frame_addr;
  r.rip = act.handler;
  r.rflags &= ~uint64_t{0x400 | 0x100 | 0x10000};  // DF, TF, RF: the handler starts clean

  t.has_saved_sigmask = false;
  uint64_t block = act.mask;
  if (!(act.flags & kSaNodefer)) block |= sigbit(sig);
  t.sigmask = (m.oldmask | block) & ~kUnblockable;
  // SA_RESETHAND resets only the handler; sigaction() still reports the
  // other flags (Linux's SA_ONESHOT handling).
  if (act.flags & kSaResethand) act.handler = kSigDfl;
  if (t.sas_ss_flags & abi::kSsAutodisarm) {
    t.sas_ss_sp = 0;
    t.sas_ss_size = 0;
    t.sas_ss_flags = abi::kSsDisable;
  }
  return {};
}

}  // namespace

bool deliver_signals(Task& t) {
  ThreadGroup& tg = t.tg();
  bool handler_ran = false;
  if (t.io_finish && t.interrupted()) {
    // The syscall's socket I/O has not started: drop it and restart the
    // syscall around whatever the signal does.
    t.thread().disarm_socket_io();
    t.io_finish = nullptr;
    t.regs().rax = static_cast<uint64_t>(-static_cast<long>(kErestartnointr));
    t.restart_pending = true;
  }
  for (;;) {
    if (t.exited || tg.exiting) return false;
    if (tg.stopped) {
      // Job-control stop: sleep until SIGCONT or SIGKILL; the interrupted
      // syscall is restarted afterwards.
      while (tg.stopped && !tg.exiting && !t.exited) {
        tg.stop_wait.add(t);
        t.sleep(Deadline::never());
        tg.stop_wait.remove(t);
      }
      continue;
    }
    SigInfo info;
    const int sig = dequeue_signal(t, info);
    if (!sig) break;
    SigAction& act = tg.sigactions[sig - 1];
    if (act.handler == kSigIgn) continue;
    if (act.handler == kSigDfl) {
      switch (default_action(sig)) {
        case DefaultAction::Ignore:
          continue;
        case DefaultAction::Stop:
          do_group_stop(tg, sig);
          continue;
        case DefaultAction::Terminate:
          do_group_exit(tg, sig);
          return false;
        case DefaultAction::Core:
          // No core files are written; the status says one would have been
          // (core dumps are off by default: RLIMIT_CORE 0 → no 0x80 flag).
          do_group_exit(tg, sig | (tg.rlimits[4].cur ? 0x80 : 0));
          return false;
      }
    }
    handle_restart(t, &act);
    if (!setup_frame(t, sig, info, act).ok()) {
      // Linux's force_sigsegv: a frame that cannot be written kills.
      do_group_exit(tg, kSigSegv);
      return false;
    }
    handler_ran = true;
  }
  if (!handler_ran) {
    handle_restart(t, nullptr);
    if (t.has_saved_sigmask) {
      t.sigmask = t.saved_sigmask;
      t.has_saved_sigmask = false;
    }
  }
  return true;
}

Result<void> sigreturn(Task& t) {
  pico::Registers& r = t.regs();
  const uint64_t frame_addr = r.rsp - 8;  // the handler's `ret` popped pretcode
  const abi::UContext uc = TRY(t.mem().read(UserPtr<abi::UContext>{frame_addr + offsetof(abi::RtSigframe, uc)}));
  const abi::SigContext& m = uc.mcontext;
  if (m.fpstate) TRY(t.thread().restore_fpstate(m.fpstate));
  t.sigmask = uc.sigmask & ~kUnblockable;
  r.r8 = m.r8; r.r9 = m.r9; r.r10 = m.r10; r.r11 = m.r11; r.r12 = m.r12; r.r13 = m.r13; r.r14 = m.r14;
  r.r15 = m.r15; r.rdi = m.rdi; r.rsi = m.rsi; r.rbp = m.rbp; r.rbx = m.rbx; r.rdx = m.rdx; r.rax = m.rax;
  r.rcx = m.rcx; r.rsp = m.rsp; r.rip = m.rip;
  // Only the flags user code may change (FIX_EFLAGS); the stub applies the
  // same mask when it loads them.
  constexpr uint64_t kFixEflags = 0x40dd5;
  r.rflags = (r.rflags & ~kFixEflags) | (m.eflags & kFixEflags);
  // The alternate stack as the frame recorded it (restore_altstack); a
  // bad value is ignored as Linux does.
  if (!t.on_altstack(r.rsp)) {
    const int mode = uc.stack.flags & ~static_cast<int32_t>(abi::kSsAutodisarm);
    if (mode == abi::kSsDisable) {
      t.sas_ss_sp = 0;
      t.sas_ss_size = 0;
      t.sas_ss_flags = abi::kSsDisable;
    } else if ((mode == 0 || mode == abi::kSsOnstack) && uc.stack.size >= 2048) {
      t.sas_ss_sp = uc.stack.sp;
      t.sas_ss_size = uc.stack.size;
      t.sas_ss_flags = static_cast<uint32_t>(uc.stack.flags) & abi::kSsAutodisarm;
    }
  }
  t.regs_replaced = true;
  t.restart_pending = false;
  return {};
}

}  // namespace lx
