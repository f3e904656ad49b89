/* The contract between the provider and the stub that lives in every guest
 * host process. Shared by C (the freestanding stub) and C++ (the provider).
 *
 * Address-space layout of a guest host process:
 *   [kArenaBase, kArenaBase + kArenaSize)  reserved for the stub: its image,
 *   the control block (a memfd the provider maps too) and one alternate
 *   signal stack per thread. The guest can never map there, so "instruction
 *   pointer inside the arena" identifies the stub's own syscalls.
 * Everything else belongs to the guest, laid out by the kernel.
 *
 * The control block is writable by guest code (same address space): the
 * provider treats everything it reads from it as untrusted input. */
#ifndef LX_PICO_LINUX_STUB_ABI_H
#define LX_PICO_LINUX_STUB_ABI_H

#include <stddef.h>
#include <stdint.h>

#define LX_ARENA_BASE 0x7fe000000000ULL
#define LX_ARENA_SIZE 0x000100000000ULL /* 4 GiB: IP check compares the high 32 bits */
#define LX_ARENA_HI32 0x7fe0U
#define LX_STUB_LINK_ADDR LX_ARENA_BASE /* -Ttext-segment of the stub */
#define LX_CTL_ADDR (LX_ARENA_BASE + 0x10000000ULL)
#define LX_ALTSTACK_BASE (LX_ARENA_BASE + 0x20000000ULL)
#define LX_ALTSTACK_SIZE 0x10000ULL /* 64 KiB per thread, incl. a guard page */
#define LX_MAX_THREADS 1024
#define LX_CTL_FD 3      /* the control memfd, inherited across exec */
/* The stub's end of a unix datagram socketpair: the provider passes host
 * fds to map over it (SCM_RIGHTS), one per LX_CMD_MAP_FD. */
#define LX_MAP_FD 5
#define LX_KICK_SIGNAL 63 /* provider -> stub: "stop and report" (Thread::interrupt) */
#define LX_MAX_BPF 64

#define LX_STUB_MAGIC 0x6c78737475620005ULL /* "lxstub" v5 */
/* Largest signal-frame FP area the stub builds for a thread's first entry
 * (AVX-512 needs 2.7 KiB; AMX tile data is never in a default frame). */
#define LX_FP_ENTRY_MAX 8192

/* Mailbox.event values (stub -> provider) */
enum {
  LX_EV_READY = 1,   /* thread initialized, waiting for commands */
  LX_EV_SYSCALL = 2, /* guest syscall trapped; nr/arch valid */
  LX_EV_FAULT = 3,   /* guest fault; signo/code/addr valid */
  LX_EV_KICK = 4,    /* interrupted by LX_KICK_SIGNAL */
  LX_EV_RESULT = 5,  /* a LX_CMD_HOST_SYSCALL finished; ret valid */
  LX_EV_IO_DONE = 6, /* a LX_CMD_RESUME_IO needs the provider; ret, io_kicked valid */
};

/* Mailbox.cmd values (provider -> stub) */
enum {
  LX_CMD_RESUME = 1,       /* load regs and continue the guest */
  LX_CMD_HOST_SYSCALL = 2, /* run host syscall arg[0] with args arg[1..6] */
  LX_CMD_NEW_THREAD = 3,   /* start a host thread on mailbox arg[0]; ret = its tid */
  LX_CMD_MAP_FD = 4,       /* receive one fd on LX_MAP_FD, mmap(arg[0..3], fd, arg[4]), close it */
  /* Receive two fds on LX_MAP_FD (the child's control memfd, its LX_MAP_FD
   * socket end), fork with CLONE_PARENT; ret = the child's pid (parent side).
   * The child maps the memfd over LX_CTL_ADDR, installs the socket as
   * LX_MAP_FD and posts LX_EV_READY on the same mailbox slot of its new
   * control block. */
  LX_CMD_FORK = 5,
  /* The thread ends: arg[0] == 0: SYS_exit after set_tid_address(&exit_word),
   * so the host clears exit_word (and futex-wakes it) once the thread is gone.
   * arg[0] == 1: the thread group leader parks forever instead (its exit would
   * make the pid unusable for process_vm_* and /proc). No event follows. */
  LX_CMD_EXIT_THREAD = 6,
  /* The guest's syscall ends with socket I/O the stub makes itself, straight
   * on guest memory: arg[0] is SYS_sendto or SYS_recvfrom, arg[1..6] its
   * arguments (buffer arg[2], length arg[3]; the stub adds MSG_DONTWAIT).
   * The stub moves bytes until io_want of them moved, waiting for io_events
   * with ppoll between transfers (never when io_events is 0), then moves
   * whatever else it can without waiting. The byte count, or an EOF, becomes the
   * guest's rax and the guest resumes, as after LX_CMD_RESUME. The stub
   * reports LX_EV_IO_DONE instead, without resuming, when nothing moved
   * and the call failed (ret = -errno; but EAGAIN with io_events 0 goes to
   * the guest), or when LX_KICK_SIGNAL interrupted
   * the wait (io_kicked = 1, ret = bytes moved so far or -EINTR). */
  LX_CMD_RESUME_IO = 7,
  /* Receive one fd on LX_MAP_FD and keep it; ret = its number. */
  LX_CMD_RECV_FD = 8,
  /* The thread stopped through the fast entry (no host signal frame, so
   * fpstate is 0): build one now from the live FP state and resume through
   * it later; ret = its FP area, also put in fpstate. */
  LX_CMD_MAKE_FRAME = 9,
};

/* Register file: same order as pico::Registers. */
struct lx_regs {
  uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
  uint64_t rax, rcx, rdx, rsi, rdi, rip, rflags, rsp;
  uint64_t fs_base, gs_base;
};

/* One per guest thread; 4 KiB aligned. The two sequence words live on
 * separate cache lines so the spinning sides don't false-share. */
struct lx_mailbox {
  volatile uint32_t to_stub; /* provider increments after posting a command */
  volatile uint32_t stub_waiting;
  /* Set by the provider while it sleeps in a syscall handler (a blocking
   * read, futex wait, ...): the stub then stops spinning and sleeps, so
   * waiting threads do not take CPUs from the ones doing the work. On the
   * cache line the stub polls anyway. */
  volatile uint32_t provider_blocked;
  uint32_t pad0[13];
  volatile uint32_t to_provider; /* stub increments after posting an event */
  volatile uint32_t provider_waiting;
  uint32_t pad1[14];
  /* event (stub -> provider) */
  uint32_t event;
  uint32_t arch; /* AUDIT_ARCH_* of a trapped syscall */
  int32_t signo;
  int32_t code;
  uint64_t nr;
  uint64_t addr;
  int64_t ret;
  uint64_t host_tid;
  /* command (provider -> stub) */
  uint32_t cmd;
  uint32_t pad2;
  uint64_t arg[7];
  /* guest registers: valid at every event, applied on LX_CMD_RESUME */
  struct lx_regs regs;
  uint64_t applied_fs, applied_gs; /* what the stub last loaded */
  /* Address of the FP area (uc_mcontext.fpregs) of the host signal frame the
   * stopped thread will resume through; valid at every event and at READY. */
  uint64_t fpstate;
  volatile uint32_t exit_word; /* LX_CMD_EXIT_THREAD: nonzero until the thread is gone */
  uint32_t io_events; /* LX_CMD_RESUME_IO: poll events to wait for (0: never wait) */
  uint64_t io_want;   /* LX_CMD_RESUME_IO: bytes to move before resuming */
  volatile uint32_t io_kicked; /* set by the stub when a kick ended its wait */
  uint32_t pad3;
  /* Fast syscall entry (see "Patched syscall sites" below). */
  uint32_t fast_magic;          /* LX_FAST_MAGIC: the host gs base points at this mailbox */
  volatile uint32_t fast_state; /* LX_FAST_* */
  volatile uint32_t fast_kicked; /* a kick came while fast_state was LX_FAST_IN */
  uint32_t fast_frame;          /* LX_CMD_MAKE_FRAME built a frame for this stop */
  uint64_t stack_top;           /* where the fast entry switches to: the thread's alternate stack */
};

/* Patched syscall sites.
 *
 * A trapped syscall costs a host signal delivery and an rt_sigreturn (~3 us
 * on small VMs, most of a trap). So the provider rewrites a site that traps
 * more than once, `mov $nr, %eax; syscall` (b8 imm32 0f 05, what glibc's
 * wrappers are), into `jmp *[slot]` (ff 24 25 disp32, the same 7 bytes).
 * The slots sit at [LX_FAST_BASE, +64 KiB) = 0x050f0000..: the last two
 * bytes of every such jmp are then 0f 05, a `syscall`, so code that jumps
 * straight to the old syscall instruction (or a restart, rip - 2) still
 * makes the same trapped syscall. Slot 0 holds lx_fast_entry; slot i the
 * thunk i at LX_FAST_THUNKS + (i - 1) * LX_FAST_THUNK_SIZE:
 *
 *   +0   mov $nr, %eax
 *   +5   lea -12(%rip), %r11          r11 = the thunk
 *   +12  jmp *[LX_FAST_BASE]          lx_fast_entry
 *   +19  syscall                      the fallback, trapped as before
 *   +21  jmp *5(%rip)                 back to the site's next instruction
 *   +32  .quad that address
 *
 * The region is private memory of the guest's process (fork copies it,
 * exec starts over) and reserved like the arena. lx_fast_entry saves the
 * registers into the mailbox, found through the host gs base (which the
 * stub points at it while the guest's own gs base is 0), switches to the
 * thread's alternate stack and posts the syscall as the SIGSYS handler does,
 * with rip = rcx = thunk+21 so that a restart re-runs the fallback. Without
 * a signal frame there is no FP area: fpstate is 0 and the provider asks
 * for one (LX_CMD_MAKE_FRAME) when it needs it (signals, sigreturn, exec). */
#define LX_FAST_BASE 0x050f0000ULL
#define LX_FAST_SIZE 0x30000ULL
#define LX_FAST_THUNKS (LX_FAST_BASE + 0x10000ULL)
#define LX_FAST_THUNK_SIZE 64ULL
#define LX_FAST_MAX_SITES 2047 /* thunks 1..2047 */
#define LX_FAST_FALLBACK_OFF 19
#define LX_FAST_RESUME_OFF 21
#define LX_FAST_MAGIC 0x6c786661 /* "lxfa"; no suffix: the stub's assembly uses it */
/* fast_state values (macros: the stub's assembly uses them) */
#define LX_FAST_OUT 0      /* not in the fast path */
#define LX_FAST_IN 1       /* entered, until the provider's resume is taken */
#define LX_FAST_RESUMING 2 /* in the tail, restoring the guest's registers from the mailbox
                            * (only meaningful with the IP inside the tail: it stays set
                            * after the tail's final jump) */

/* Offsets the stub's assembly uses. */
#define LX_MB_REGS 240
#define LX_MB_R(i) (LX_MB_REGS + 8 * (i)) /* i: index in struct lx_regs */
#define LX_MB_NR 144
#define LX_MB_FAST_MAGIC 448
#define LX_MB_FAST_STATE 452
#define LX_MB_FAST_KICKED 456
#define LX_MB_STACK_TOP 464
#ifdef __cplusplus
#define LX_STATIC_ASSERT static_assert
#else
#define LX_STATIC_ASSERT _Static_assert
#endif
LX_STATIC_ASSERT(offsetof(struct lx_mailbox, regs) == LX_MB_REGS, "mailbox layout");
LX_STATIC_ASSERT(offsetof(struct lx_mailbox, nr) == LX_MB_NR, "mailbox layout");
LX_STATIC_ASSERT(offsetof(struct lx_mailbox, fast_magic) == LX_MB_FAST_MAGIC, "mailbox layout");
LX_STATIC_ASSERT(offsetof(struct lx_mailbox, stack_top) == LX_MB_STACK_TOP, "mailbox layout");
LX_STATIC_ASSERT(offsetof(struct lx_mailbox, fast_state) == LX_MB_FAST_STATE, "mailbox layout");
LX_STATIC_ASSERT(offsetof(struct lx_mailbox, fast_kicked) == LX_MB_FAST_KICKED, "mailbox layout");

struct lx_ctl_header {
  uint64_t magic;
  uint64_t vdso_base; /* the host vDSO in this process (AT_SYSINFO_EHDR) */
  uint32_t spin_tsc; /* stub-side spin before futex sleep, in TSC ticks */
  uint32_t bpf_len;
  uint64_t bpf[LX_MAX_BPF]; /* struct sock_filter entries, 8 bytes each */
  /* Signal-frame FP layout of this host (XCR0 minus dynamic features, and
   * the standard-format XSAVE size; 0/512 without XSAVE), for the frame a
   * thread's first entry into the guest goes through. */
  uint64_t fp_xfeatures;
  uint32_t fp_xsave_size;
  uint32_t fast_syscalls; /* map [LX_FAST_BASE, +LX_FAST_SIZE) for patched syscall sites */
};

/* Copies that ride along with a trapped syscall, so that the common case
 * needs no process_vm_readv/writev (each costs more than the trap itself on
 * small VMs). Both areas follow the mailbox in its slot.
 *
 * In-area (stub -> provider): at a SIGSYS the stub copies the syscall's
 * pathname arguments and small input buffers (a fixed table by syscall
 * number) into it, each as one record. A record whose source faulted or did
 * not fit is simply absent: the provider then reads guest memory itself.
 *
 * Out-area (provider -> stub): guest-memory writes of a syscall, applied by
 * the stub in order when it receives LX_CMD_RESUME, before it returns into
 * the guest. A write that faults there makes the syscall return -EFAULT.
 *
 * The stub copies with lx_safe_copy/lx_safe_strcpy, whose faults its SIGSEGV/
 * SIGBUS handler turns into an error return (the handlers leave those two
 * signals unblocked for this). */
struct lx_copy_rec {
  uint64_t addr; /* guest address */
  uint32_t off;  /* of the data, from the start of the area */
  uint32_t len;  /* bytes; a string record includes its NUL */
};
#define LX_IN_MAX_RECS 8
#define LX_OUT_MAX_RECS 32
struct lx_copy_area {
  uint32_t count;
  uint32_t pad;
  struct lx_copy_rec rec[LX_OUT_MAX_RECS];
};
#define LX_COPY_DATA_OFFSET 1024ULL /* after the record table */

#define LX_CTL_HEADER_SIZE 4096ULL
#define LX_MAILBOX_SIZE 4096ULL
#define LX_IN_AREA_OFFSET LX_MAILBOX_SIZE
#define LX_IN_AREA_SIZE 12288ULL
#define LX_OUT_AREA_OFFSET (LX_IN_AREA_OFFSET + LX_IN_AREA_SIZE)
#define LX_OUT_AREA_SIZE 49152ULL
#define LX_MAILBOX_STRIDE (LX_OUT_AREA_OFFSET + LX_OUT_AREA_SIZE) /* 64 KiB per thread */
#define LX_CTL_SIZE (LX_CTL_HEADER_SIZE + LX_MAX_THREADS * LX_MAILBOX_STRIDE)

#endif
