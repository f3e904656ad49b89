/* The stub: the only code of ours inside a guest's host process.
 *
 * It is started by exec (so the process holds nothing of the provider),
 * maps the control block, installs its signal handlers and the seccomp
 * filter, and from then on runs only inside signal handlers: a trapped guest
 * syscall (SIGSYS), a guest fault or a provider kick stops the guest, the
 * handler copies the registers into the thread's mailbox, waits for the
 * provider's commands, and returns into the guest through rt_sigreturn with
 * whatever registers the provider left.
 *
 * Freestanding: no libc, no TLS, no stack protector. A thread finds its
 * mailbox from its alternate signal stack address. */
#ifndef LX_SPIN_RELAX
#define LX_SPIN_RELAX() __asm__ volatile("" ::: "memory")
#endif
#include "pico/linux/StubAbi.h"

typedef unsigned long ulong;

#define NR_mmap 9
#define NR_mprotect 10
#define NR_rt_sigaction 13
#define NR_rt_sigprocmask 14
#define NR_rt_sigreturn 15
#define NR_getpid 39
#define NR_exit_group 231
#define NR_close 3
#define NR_sigaltstack 131
#define NR_prctl 157
#define NR_arch_prctl 158
#define NR_setsid 112
#define NR_futex 202
#define NR_seccomp 317
#define NR_gettid 186
#define NR_recvmsg 47
#define NR_dup2 33
#define NR_clone 56
#define NR_exit 60
#define NR_getppid 110
#define NR_set_tid_address 218
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_ppoll 271

#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGILL 4
#define SIGSEGV 11
#define SIGSYS 31
#define EINTR 4
#define EAGAIN 11

static inline long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static __attribute__((noreturn)) void die(int code) {
  for (;;) sys1(NR_exit_group, code);
}

/* Not __builtin_memset: for a variable length GCC may emit a call to memset,
 * which a freestanding image does not have. */
static void zero(void* p, ulong n) {
  __asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(0) : "memory");
}

/* Kernel x86-64 signal structures (uapi layouts). */
struct k_siginfo {
  int signo, err, code, pad;
  union {
    struct { ulong call_addr; int syscall; unsigned arch; } sys;
    struct { ulong addr; } fault;
    char raw[112];
  } u;
};
struct k_sigcontext {
  ulong r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
  unsigned short cs, gs, fs, ss;
  ulong err, trapno, oldmask, cr2, fpstate, reserved[8];
};
struct k_stack { ulong sp; int flags; int pad; ulong size; };
struct k_ucontext {
  ulong flags;
  ulong link;
  struct k_stack stack;
  struct k_sigcontext mc;
  ulong sigmask;
};
struct k_sigaction { ulong handler, flags, restorer, mask; };

extern void lx_restore_rt(void) __attribute__((visibility("hidden")));
__asm__(".text\n.globl lx_restore_rt\nlx_restore_rt:\n mov $15, %eax\n syscall\n hlt\n");

/* Copies that may touch bad guest addresses. A fault inside
 * [lx_safe_begin, lx_safe_end) resumes at lx_safe_fault (see handler()),
 * which returns -EFAULT: both routines are leaf functions that keep nothing
 * on the stack, so its `ret` returns to their caller.
 *   lx_safe_copy(dst, src, n): 0 or -EFAULT.
 *   lx_safe_strcpy(dst, src, max): the length including the NUL, 0 if no
 *   NUL within max bytes, or -EFAULT. */
extern char lx_safe_begin[], lx_safe_end[], lx_safe_fault[] __attribute__((visibility("hidden")));
extern long lx_safe_copy(void* dst, const void* src, ulong n) __attribute__((visibility("hidden")));
extern long lx_safe_strcpy(char* dst, const char* src, ulong max) __attribute__((visibility("hidden")));
__asm__(".text\n"
        ".globl lx_safe_begin, lx_safe_end, lx_safe_fault, lx_safe_copy, lx_safe_strcpy\n"
        "lx_safe_begin:\n"
        "lx_safe_copy:\n mov %rdx, %rcx\n rep movsb\n xor %eax, %eax\n ret\n"
        "lx_safe_strcpy:\n xor %eax, %eax\n"
        "1:\n cmp %rdx, %rax\n jae 2f\n movzbl (%rsi,%rax), %ecx\n mov %cl, (%rdi,%rax)\n"
        " inc %rax\n test %cl, %cl\n jnz 1b\n ret\n"
        "2:\n xor %eax, %eax\n ret\n"
        "lx_safe_end:\n"
        "lx_safe_fault:\n mov $-14, %rax\n ret\n");

/* The fast entry of patched syscall sites (defined further down). */
extern char lx_fast_entry[], lx_fast_check[], lx_fast_fallback[], lx_fast_tail[], lx_fast_tail_end[]
    __attribute__((visibility("hidden")));

__asm__(".text\n.globl _start\n_start:\n xor %ebp, %ebp\n mov %rsp, %rdi\n and $-16, %rsp\n"
        " call stub_main\n hlt\n");

static struct lx_ctl_header* const hdr = (struct lx_ctl_header*)LX_CTL_ADDR;

static struct lx_mailbox* mailbox(ulong idx) {
  return (struct lx_mailbox*)(LX_CTL_ADDR + LX_CTL_HEADER_SIZE + idx * LX_MAILBOX_STRIDE);
}

/* Handlers run on the thread's alternate stack, which identifies the thread. */
static struct lx_mailbox* current_mailbox(void) {
  ulong sp = (ulong)__builtin_frame_address(0);
  return mailbox((sp - LX_ALTSTACK_BASE) / LX_ALTSTACK_SIZE);
}

static struct lx_copy_area* in_area(struct lx_mailbox* mb) {
  return (struct lx_copy_area*)((char*)mb + LX_IN_AREA_OFFSET);
}
static struct lx_copy_area* out_area(struct lx_mailbox* mb) {
  return (struct lx_copy_area*)((char*)mb + LX_OUT_AREA_OFFSET);
}

static void wake_provider(struct lx_mailbox* mb) {
  if (__atomic_load_n(&mb->provider_waiting, __ATOMIC_SEQ_CST))
    sys6(NR_futex, (long)&mb->to_provider, 1 /*FUTEX_WAKE*/, 1, 0, 0, 0);
}

/* Any event is a stop, which is all a kick asks for: one that came before
 * needs no report of its own. */
static void post_to_provider(struct lx_mailbox* mb) {
  mb->fast_kicked = 0;
  __asm__ volatile("" ::: "memory");
  __atomic_add_fetch(&mb->to_provider, 1, __ATOMIC_SEQ_CST);
  wake_provider(mb);
}

static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

/* Spin first: waking a sleeping thread on the other CPU costs tens of
 * microseconds on small VMs, far more than the provider usually needs. */
static void wait_for_command(struct lx_mailbox* mb) {
  uint32_t seen = mb->pad2;
  const uint64_t budget = hdr->spin_tsc, start = rdtsc();
  for (uint32_t i = 1;; ++i) {
    if (__atomic_load_n(&mb->to_stub, __ATOMIC_ACQUIRE) != seen) goto got;
    if (mb->provider_blocked) break;
    LX_SPIN_RELAX();
    if ((i & 63) == 0 && rdtsc() - start > budget) break;
  }
  __atomic_store_n(&mb->stub_waiting, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&mb->to_stub, __ATOMIC_SEQ_CST) == seen)
    sys6(NR_futex, (long)&mb->to_stub, 0 /*FUTEX_WAIT*/, seen, 0, 0, 0);
  __atomic_store_n(&mb->stub_waiting, 0, __ATOMIC_RELAXED);
got:
  mb->pad2 = __atomic_load_n(&mb->to_stub, __ATOMIC_ACQUIRE);
}

static long new_thread(struct lx_mailbox* parent, ulong idx);

struct k_iovec { void* base; ulong len; };
struct k_msghdr {
  void* name; int namelen; int pad0;
  struct k_iovec* iov; ulong iovlen;
  void* control; ulong controllen;
  int flags; int pad1;
};
struct k_cmsghdr { ulong len; int level; int type; };

/* Receives exactly `want` fds the provider queued on LX_MAP_FD before
 * posting a command. MSG_DONTWAIT: if they are not there (a guest thread
 * jumped into stub code and took them) the command fails instead of
 * blocking this thread. A message with another count is dropped, its fds
 * closed. */
static long recv_fds(int* out, ulong want) {
  char byte;
  struct k_iovec iov = {&byte, 1};
  ulong control[8]; /* room for a cmsghdr and a few fds */
  struct k_msghdr msg = {0, 0, 0, &iov, 1, control, sizeof control, 0, 0};
  long n = sys3(NR_recvmsg, LX_MAP_FD, &msg, 0x40 /*MSG_DONTWAIT*/);
  if (n < 0) return n;
  const struct k_cmsghdr* c = (const struct k_cmsghdr*)control;
  if (msg.controllen < sizeof *c + sizeof(int) || c->level != 1 /*SOL_SOCKET*/ ||
      c->type != 1 /*SCM_RIGHTS*/ || c->len < sizeof *c + sizeof(int) || c->len > msg.controllen)
    return -9; /* EBADF */
  const int* fds = (const int*)(c + 1);
  ulong nfds = (c->len - sizeof *c) / sizeof(int);
  if (nfds != want) {
    for (ulong i = 0; i < nfds; ++i) sys1(NR_close, fds[i]);
    return -9;
  }
  for (ulong i = 0; i < nfds; ++i) out[i] = fds[i];
  return 0;
}

/* LX_CMD_MAP_FD: the fd is closed right away: the mapping keeps the file
 * alive by itself. */
static long map_fd(struct lx_mailbox* mb) {
  int fd;
  long r = recv_fds(&fd, 1);
  if (r < 0) return r;
  r = sys6(NR_mmap, (long)mb->arg[0], (long)mb->arg[1], (long)mb->arg[2],
           (long)(mb->arg[3] | 0x10 /*MAP_FIXED*/), fd, (long)mb->arg[4]);
  sys1(NR_close, fd);
  return r;
}

/* LX_CMD_FORK. Returns the child's pid (or -errno) in the parent and 0 in the
 * child, which has by then switched to its own control block and posted
 * LX_EV_READY on the mailbox at the same address (same slot) in it.
 * CLONE_PARENT makes the child the provider's child, so the provider can
 * wait for it; without CLONE_VM the child runs on a copy of this stack. */
static long fork_process(struct lx_mailbox* mb) {
  int fds[2]; /* the child's control memfd and its LX_MAP_FD socket end */
  long r = recv_fds(fds, 2);
  if (r < 0) return r;
  long provider = sys0(NR_getppid);
  /* What describes this thread's stopped state, read now: in the child the
   * parent's block is still mapped (shared) until the switch below. */
  uint64_t fs = mb->applied_fs, gs = mb->applied_gs, fp = mb->fpstate, top = mb->stack_top;
  uint32_t fast = mb->fast_state, frame = mb->fast_frame, magic = mb->fast_magic;
  long pid = sys6(NR_clone, 0x8000 /*CLONE_PARENT*/ | 17 /*SIGCHLD*/, 0, 0, 0, 0, 0);
  if (pid != 0) {
    sys1(NR_close, fds[0]);
    sys1(NR_close, fds[1]);
    return pid;
  }
  /* The child: fork reset the death signal; if the provider died before we
   * re-armed it we were already reparented and must not live on. */
  sys2(NR_prctl, 1 /*PR_SET_PDEATHSIG*/, 9 /*SIGKILL*/);
  if (sys0(NR_getppid) != provider) die(127);
  if (sys6(NR_mmap, (long)LX_CTL_ADDR, LX_CTL_SIZE, 3, 0x11 /*SHARED|FIXED*/, fds[0], 0) !=
      (long)LX_CTL_ADDR)
    die(120);
  sys1(NR_close, fds[0]);
  if (sys2(NR_dup2, fds[1], LX_MAP_FD) != LX_MAP_FD) die(128);
  sys1(NR_close, fds[1]);
  mb->applied_fs = fs;
  mb->applied_gs = gs;
  mb->fpstate = fp;
  mb->stack_top = top;
  mb->fast_state = fast; /* the child goes on in the same entry path */
  mb->fast_frame = frame;
  mb->fast_magic = magic;
  mb->host_tid = (uint64_t)sys0(NR_gettid);
  mb->event = LX_EV_READY;
  post_to_provider(mb);
  return 0;
}

/* LX_CMD_EXIT_THREAD. set_tid_address makes the host clear exit_word and
 * futex-wake it once this thread has released its memory (stack included),
 * which is when the provider may hand the slot to a new thread. */
static __attribute__((noreturn)) void exit_thread(struct lx_mailbox* mb) {
  if (mb->arg[0] == 1) {
    uint32_t never = 0;
    for (;;) sys6(NR_futex, (long)&never, 128 /*FUTEX_WAIT_PRIVATE*/, 0, 0, 0, 0);
  }
  sys1(NR_set_tid_address, &mb->exit_word);
  for (;;) sys1(NR_exit, 0);
}

/* The provider's deferred guest-memory writes (see StubAbi.h), in order.
 * The records come from shared memory the guest can also write, so they
 * are bounded to the area; where they point only concerns the guest. */
static int apply_writes(struct lx_mailbox* mb) {
  struct lx_copy_area* a = out_area(mb);
  uint32_t n = a->count;
  int ok = 1;
  if (n > LX_OUT_MAX_RECS) n = LX_OUT_MAX_RECS;
  for (uint32_t i = 0; i < n; ++i) {
    struct lx_copy_rec r = a->rec[i];
    if (r.off < LX_COPY_DATA_OFFSET || r.off > LX_OUT_AREA_SIZE || r.len > LX_OUT_AREA_SIZE - r.off) break;
    if (lx_safe_copy((void*)r.addr, (char*)a + r.off, r.len) != 0) {
      mb->regs.rax = (uint64_t)-14; /* EFAULT, as a copy_to_user failure in Linux */
      ok = 0;
      break;
    }
  }
  a->count = 0;
  return ok;
}

struct k_pollfd { int fd; short events, revents; };

/* LX_CMD_RESUME_IO (see StubAbi.h). Returns 1 if the guest resumes with the
 * result in rax, 0 if the provider must hear about it (LX_EV_IO_DONE). The
 * arguments come from guest-writable memory: they can only make this thread
 * do socket I/O the guest could ask for anyway. The kick is unblocked only
 * inside ppoll, so a kick that came earlier ends the first wait at once. */
static int socket_io(struct lx_mailbox* mb) {
  const long nr = (long)mb->arg[0], fd = (long)mb->arg[1], flags = (long)mb->arg[4] | 0x40 /*MSG_DONTWAIT*/;
  const ulong buf = mb->arg[2], len = mb->arg[3], want = mb->io_want;
  const short events = (short)mb->io_events;
  short wait_for = events;
  if (nr != NR_sendto && nr != NR_recvfrom) {
    mb->ret = -38; /* ENOSYS */
    return 0;
  }
  mb->io_kicked = 0;
  ulong done = 0;
  long r;
  for (;;) {
    r = sys6(nr, fd, (long)(buf + done), (long)(len - done), flags, 0, 0);
    if (r > 0) {
      done += (ulong)r;
      if (done >= len) break;
      /* Enough moved: take what else is already there without waiting, as
       * Linux's tcp_recvmsg does, rather than one guest call per piece. */
      if (done >= want) wait_for = 0;
      continue;
    }
    if (r == 0 || r != -EAGAIN || !wait_for) break;
    struct k_pollfd p = {(int)fd, wait_for, 0};
    const ulong mask = ~((1UL << (LX_KICK_SIGNAL - 1)) | (1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1)));
    long w = sys6(NR_ppoll, (long)&p, 1, 0, (long)&mask, 8, 0);
    if (w == -EINTR && mb->io_kicked) {
      mb->ret = done ? (long)done : -EINTR;
      return 0;
    }
    if (w < 0 && w != -EINTR) break;
    /* The guest's next event is near: wake the provider now, so that its
     * wake-up (tens of microseconds on small VMs) overlaps the transfer. */
    wake_provider(mb);
  }
  if (done > 0) r = (long)done;
  if (r < 0 && !(r == -EAGAIN && !events)) {
    mb->ret = r;
    return 0;
  }
  mb->regs.rax = (uint64_t)r;
  return 1;
}

/* LX_CMD_RECV_FD: a socket the provider lends this process for
 * LX_CMD_RESUME_IO, kept until the provider has it closed. */
static long keep_fd(void) {
  int fd;
  long r = recv_fds(&fd, 1);
  return r < 0 ? r : fd;
}

static long make_frame(struct lx_mailbox* mb, unsigned char* fp);

/* Runs provider commands until told to resume the guest. fp: where
 * LX_CMD_MAKE_FRAME may build an FP area (only the fast entry has none). */
static void serve(struct lx_mailbox* mb, unsigned char* fp) {
  for (;;) {
    wait_for_command(mb);
    if (mb->cmd == LX_CMD_RESUME) {
      apply_writes(mb);
      return;
    }
    if (mb->cmd == LX_CMD_RESUME_IO) {
      if (!apply_writes(mb) || socket_io(mb)) return;
      in_area(mb)->count = 0;
      mb->event = LX_EV_IO_DONE;
      post_to_provider(mb);
      continue;
    }
    if (mb->cmd == LX_CMD_HOST_SYSCALL)
      mb->ret = sys6((long)mb->arg[0], (long)mb->arg[1], (long)mb->arg[2], (long)mb->arg[3],
                     (long)mb->arg[4], (long)mb->arg[5], (long)mb->arg[6]);
    else if (mb->cmd == LX_CMD_NEW_THREAD)
      mb->ret = new_thread(mb, mb->arg[0]);
    else if (mb->cmd == LX_CMD_MAP_FD)
      mb->ret = map_fd(mb);
    else if (mb->cmd == LX_CMD_RECV_FD)
      mb->ret = keep_fd();
    else if (mb->cmd == LX_CMD_MAKE_FRAME)
      mb->ret = make_frame(mb, fp);
    else if (mb->cmd == LX_CMD_FORK) {
      long r = fork_process(mb);
      if (r == 0) continue; /* the child: it posted LX_EV_READY instead */
      mb->ret = r;
    } else if (mb->cmd == LX_CMD_EXIT_THREAD)
      exit_thread(mb);
    else
      mb->ret = -38; /* ENOSYS */
    mb->event = LX_EV_RESULT;
    post_to_provider(mb);
  }
}

/* The fast entry finds its mailbox through the host gs base, which the
 * guest does not use unless it sets its own (then that thread's patched
 * sites take their fallback). */
static ulong host_gs(struct lx_mailbox* mb, ulong guest_gs) {
  return guest_gs || !hdr->fast_syscalls ? guest_gs : (ulong)mb;
}

static void apply_segment_bases(struct lx_mailbox* mb) {
  if (mb->regs.fs_base != mb->applied_fs) {
    sys2(NR_arch_prctl, 0x1002 /*ARCH_SET_FS*/, mb->regs.fs_base);
    mb->applied_fs = mb->regs.fs_base;
  }
  if (mb->regs.gs_base != mb->applied_gs) {
    sys2(NR_arch_prctl, 0x1001 /*ARCH_SET_GS*/, host_gs(mb, mb->regs.gs_base));
    mb->applied_gs = mb->regs.gs_base;
  }
}

static void save_regs(struct lx_mailbox* mb, const struct k_sigcontext* c) {
  struct lx_regs* r = &mb->regs;
  r->r15 = c->r15; r->r14 = c->r14; r->r13 = c->r13; r->r12 = c->r12;
  r->rbp = c->rbp; r->rbx = c->rbx; r->r11 = c->r11; r->r10 = c->r10;
  r->r9 = c->r9; r->r8 = c->r8; r->rax = c->rax; r->rcx = c->rcx;
  r->rdx = c->rdx; r->rsi = c->rsi; r->rdi = c->rdi; r->rip = c->rip;
  r->rflags = c->eflags; r->rsp = c->rsp;
  r->fs_base = mb->applied_fs;
  r->gs_base = mb->applied_gs;
}

static void load_regs(const struct lx_mailbox* mb, struct k_sigcontext* c) {
  const struct lx_regs* r = &mb->regs;
  c->r15 = r->r15; c->r14 = r->r14; c->r13 = r->r13; c->r12 = r->r12;
  c->rbp = r->rbp; c->rbx = r->rbx; c->r11 = r->r11; c->r10 = r->r10;
  c->r9 = r->r9; c->r8 = r->r8; c->rax = r->rax; c->rcx = r->rcx;
  c->rdx = r->rdx; c->rsi = r->rsi; c->rdi = r->rdi; c->rip = r->rip;
  /* The guest may only change the arithmetic/trap flags, as with ptrace. */
  c->eflags = (c->eflags & ~0x0dd5UL) | (r->rflags & 0x0dd5UL);
  c->rsp = r->rsp;
}

/* In-area records for a trapped syscall (see StubAbi.h). */
struct prefetch {
  struct lx_copy_area* a;
  uint32_t used; /* data bytes so far, from LX_COPY_DATA_OFFSET */
};

/* Where the next record's data goes, and how much fits there. */
static char* prefetch_dst(const struct prefetch* p, ulong* room) {
  *room = LX_IN_AREA_SIZE - LX_COPY_DATA_OFFSET - p->used;
  return (char*)p->a + LX_COPY_DATA_OFFSET + p->used;
}

/* Publishes the n bytes just copied to prefetch_dst() as a record. */
static void prefetch_add(struct prefetch* p, ulong addr, ulong n) {
  struct lx_copy_rec* r = &p->a->rec[p->a->count++];
  r->addr = addr;
  r->off = (uint32_t)(LX_COPY_DATA_OFFSET + p->used);
  r->len = (uint32_t)n;
  p->used += (uint32_t)((n + 7) & ~7UL);
}

static void prefetch_string(struct prefetch* p, ulong addr) {
  if (!addr || p->a->count >= LX_IN_MAX_RECS) return;
  ulong room;
  char* dst = prefetch_dst(p, &room);
  if (room > 4096) room = 4096; /* PATH_MAX */
  long n = lx_safe_strcpy(dst, (const char*)addr, room);
  if (n > 0) prefetch_add(p, addr, (ulong)n); /* else faulted or too long: the provider reads it */
}

static void prefetch_buffer(struct prefetch* p, ulong addr, ulong len) {
  if (!addr || !len || p->a->count >= LX_IN_MAX_RECS) return;
  ulong room;
  char* dst = prefetch_dst(p, &room);
  if (len <= room && lx_safe_copy(dst, (const void*)addr, len) == 0) prefetch_add(p, addr, len);
}

/* Which arguments the provider will certainly read: pathnames (and xattr
 * names), the data of small writes and the fixed-size structs of common
 * calls (signal masks and actions, timeouts, pollfds, iovec arrays). Only a guess that saves copies: the
 * provider checks every read against the records and falls back to reading
 * guest memory. Never futex words, which must be read at the time of use. */
static void prefetch_args(struct lx_mailbox* mb, ulong nr) {
  struct prefetch p = {in_area(mb), 0};
  p.a->count = 0;
  const struct lx_regs* c = &mb->regs;
  const ulong a0 = c->rdi, a1 = c->rsi, a2 = c->rdx, a3 = c->r10, a4 = c->r8, a5 = c->r9;
  switch (nr) {
    case 2: case 4: case 6: case 21: case 59: case 76: case 80: case 83: case 84: case 85:
    case 87: case 89: case 90: case 92: case 94: case 132: case 133: case 137: case 161:
    case 194: case 195: case 235:
      /* open stat lstat access execve truncate chdir mkdir rmdir creat unlink
       * readlink chmod chown lchown utime mknod statfs chroot listxattr
       * llistxattr utimes */
      prefetch_string(&p, a0);
      break;
    case 82: case 86: case 88: case 188: case 189: case 191: case 192: case 197: case 198:
      /* rename link symlink setxattr lsetxattr getxattr lgetxattr removexattr lremovexattr */
      prefetch_string(&p, a0);
      prefetch_string(&p, a1);
      break;
    case 280: /* utimensat: the path (NULL for futimens) and the times */
      prefetch_string(&p, a1);
      prefetch_buffer(&p, a2, 32);
      break;
    case 190: case 193: case 199: case 254: case 257: case 258: case 259: case 260: case 261:
    case 262: case 263: case 267: case 268: case 269: case 322: case 332: case 437:
    case 439: case 452:
      /* fsetxattr fgetxattr fremovexattr inotify_add_watch openat mkdirat mknodat
       * fchownat futimesat newfstatat unlinkat readlinkat fchmodat faccessat
       * execveat statx openat2 faccessat2 fchmodat2 */
      prefetch_string(&p, a1);
      break;
    case 264: case 265: case 316: /* renameat linkat renameat2 */
      prefetch_string(&p, a1);
      prefetch_string(&p, a3);
      break;
    case 266: /* symlinkat */
      prefetch_string(&p, a0);
      prefetch_string(&p, a2);
      break;
    case 1: case 18: case 42: case 49: /* write pwrite64 connect bind */
      prefetch_buffer(&p, a1, a2);
      break;
    case 20: case 296: /* writev pwritev: the iovec array (the data is read separately) */
      if (a2 <= 64) prefetch_buffer(&p, a1, a2 * 16);
      break;
    case 13: /* rt_sigaction: struct sigaction */
      prefetch_buffer(&p, a1, 32);
      break;
    case 14: /* rt_sigprocmask: the set */
      prefetch_buffer(&p, a1, 8);
      break;
    case 35: /* nanosleep */
      prefetch_buffer(&p, a0, 16);
      break;
    case 230: /* clock_nanosleep */
      prefetch_buffer(&p, a2, 16);
      break;
    case 7: /* poll: the pollfd array */
      if (a1 <= 256) prefetch_buffer(&p, a0, a1 * 8);
      break;
    case 271: /* ppoll: pollfds, timeout, sigmask */
      if (a1 <= 256) prefetch_buffer(&p, a0, a1 * 8);
      prefetch_buffer(&p, a2, 16);
      prefetch_buffer(&p, a3, 8);
      break;
    case 233: /* epoll_ctl: the event */
      prefetch_buffer(&p, a3, 12);
      break;
    case 46: /* sendmsg: the msghdr */
      prefetch_buffer(&p, a1, 56);
      break;
    case 44: /* sendto */
      prefetch_buffer(&p, a1, a2);
      prefetch_buffer(&p, a4, a5);
      break;
    default:
      break;
  }
}

static void handler(int sig, struct k_siginfo* si, void* ctx) {
  struct k_ucontext* uc = (struct k_ucontext*)ctx;
  /* From guest code: a fast entry that ended with the tail's jump left its
   * state behind. */
  if ((uc->mc.rip >> 32) != LX_ARENA_HI32) current_mailbox()->fast_state = LX_FAST_OUT;
  if (sig == LX_KICK_SIGNAL && (uc->mc.rip >> 32) == LX_ARENA_HI32) {
    /* Our own code runs with the kick unblocked in socket_io's ppoll (end
     * that wait: ppoll returns -EINTR and it reports) and in the fast
     * entry, which reports the kick itself unless it is already restoring
     * the guest: then finish that here and report from the guest's state. */
    struct lx_mailbox* mb = current_mailbox();
    const ulong ip = uc->mc.rip;
    mb->io_kicked = 1;
    if (ip < (ulong)lx_fast_tail || ip >= (ulong)lx_fast_tail_end || mb->fast_state != LX_FAST_RESUMING) {
      mb->fast_kicked = 1; /* no event since it came: one is reported before the guest runs */
      return;
    }
    load_regs(mb, &uc->mc);
    mb->fast_state = LX_FAST_OUT;
  }
  if (sig == SIGSEGV || sig == SIGBUS) {
    ulong ip = uc->mc.rip;
    if (ip >= (ulong)lx_safe_begin && ip < (ulong)lx_safe_end) {
      uc->mc.rip = (ulong)lx_safe_fault;
      return;
    }
    if (ip == (ulong)lx_fast_check) { /* a gs base of the guest's own: take the fallback */
      uc->mc.rip = (ulong)lx_fast_fallback;
      return;
    }
    /* Any other fault in our own code is a stub bug (or a guest that jumped
     * into it): never report it as a guest fault from inside a handler. */
    if ((ip >> 32) == LX_ARENA_HI32) die(119);
  }
  struct lx_mailbox* mb = current_mailbox();
  save_regs(mb, &uc->mc);
  mb->fpstate = uc->mc.fpstate;
  if (sig == SIGSYS && si->code == 1 /*SYS_SECCOMP*/) {
    mb->event = LX_EV_SYSCALL;
    mb->nr = (uint64_t)(unsigned)si->u.sys.syscall;
    mb->arch = si->u.sys.arch;
    if (si->u.sys.arch == 0xc000003eu) /* AUDIT_ARCH_X86_64 */
      prefetch_args(mb, mb->nr);
    else
      in_area(mb)->count = 0;
  } else if (sig == LX_KICK_SIGNAL) {
    mb->event = LX_EV_KICK;
    in_area(mb)->count = 0;
  } else {
    in_area(mb)->count = 0;
    mb->event = LX_EV_FAULT;
    mb->signo = sig;
    mb->code = si->code;
    mb->addr = si->u.fault.addr;
  }
  post_to_provider(mb);
  serve(mb, 0);
  load_regs(mb, &uc->mc);
  apply_segment_bases(mb);
}


/* ---- The fast entry of patched syscall sites (see StubAbi.h) ----------- */

#define S_(x) #x
#define S(x) S_(x)
#define GS(i) "%gs:" S(LX_MB_R(i))
/* struct lx_regs indices */
#define R15 0
#define R14 1
#define R13 2
#define R12 3
#define RBP 4
#define RBX 5
#define R11 6
#define R10 7
#define R9 8
#define R8 9
#define RAX 10
#define RCX 11
#define RDX 12
#define RSI 13
#define RDI 14
#define RIP 15
#define RFLAGS 16
#define RSP 17

void lx_fast_syscall(void);
void lx_fast_kicked(void);
/* Entered from a thunk with eax = nr, r11 = the thunk; rcx and r11 are
 * free, as after a syscall instruction. The guest's stack is never
 * touched (its red zone may be live). The tail restores every register
 * from the mailbox: a kick that lands in it after it set LX_FAST_RESUMING
 * is finished by handler(); one that came before is reported first
 * (lx_fast_kicked), since the tail will not stop before the guest runs. */
__asm__(".text\n.globl lx_fast_entry, lx_fast_check, lx_fast_fallback, lx_fast_tail, lx_fast_tail_end\n"
        "lx_fast_entry:\n"
        "lx_fast_check:\n"
        " cmpl $" S(LX_FAST_MAGIC) ", %gs:" S(LX_MB_FAST_MAGIC) "\n"
        " jne lx_fast_fallback\n"
        " mov %rsp, " GS(RSP) "\n"
        " mov %gs:" S(LX_MB_STACK_TOP) ", %rsp\n"
        " pushfq\n pop " GS(RFLAGS) "\n cld\n"
        " mov %rax, " GS(RAX) "\n mov %rax, %gs:" S(LX_MB_NR) "\n"
        " lea " S(LX_FAST_RESUME_OFF) "(%r11), %rcx\n"
        " mov %rcx, " GS(RIP) "\n mov %rcx, " GS(RCX) "\n"
        " mov " GS(RFLAGS) ", %rcx\n mov %rcx, " GS(R11) "\n"
        " mov %r15, " GS(R15) "\n mov %r14, " GS(R14) "\n mov %r13, " GS(R13) "\n"
        " mov %r12, " GS(R12) "\n mov %rbp, " GS(RBP) "\n mov %rbx, " GS(RBX) "\n"
        " mov %r10, " GS(R10) "\n mov %r9, " GS(R9) "\n mov %r8, " GS(R8) "\n"
        " mov %rdx, " GS(RDX) "\n mov %rsi, " GS(RSI) "\n mov %rdi, " GS(RDI) "\n"
        " call lx_fast_syscall\n"
        "lx_fast_tail:\n"
        " movl $" S(LX_FAST_RESUMING) ", %gs:" S(LX_MB_FAST_STATE) "\n"
        " cmpl $0, %gs:" S(LX_MB_FAST_KICKED) "\n"
        " je 1f\n"
        " call lx_fast_kicked\n"
        " jmp lx_fast_tail\n"
        "1:\n"
        " mov " GS(R15) ", %r15\n mov " GS(R14) ", %r14\n mov " GS(R13) ", %r13\n"
        " mov " GS(R12) ", %r12\n mov " GS(RBP) ", %rbp\n mov " GS(RBX) ", %rbx\n"
        " mov " GS(R11) ", %r11\n mov " GS(R10) ", %r10\n mov " GS(R9) ", %r9\n"
        " mov " GS(R8) ", %r8\n mov " GS(RAX) ", %rax\n mov " GS(RCX) ", %rcx\n"
        " mov " GS(RDX) ", %rdx\n mov " GS(RSI) ", %rsi\n mov " GS(RDI) ", %rdi\n"
        " push " GS(RFLAGS) "\n popfq\n"
        " mov " GS(RSP) ", %rsp\n"
        " jmp *" GS(RIP) "\n"
        "lx_fast_tail_end:\n"
        "lx_fast_fallback:\n"
        " add $" S(LX_FAST_FALLBACK_OFF) ", %r11\n jmp *%r11\n");

/* LX_CMD_MAKE_FRAME: the live FP state (the guest's: this code never
 * touches FP registers) in Linux's signal-frame format, as build_entry_fp. */
static long make_frame(struct lx_mailbox* mb, unsigned char* fp) {
  const uint64_t xfeatures = hdr->fp_xfeatures;
  const uint32_t size = hdr->fp_xsave_size;
  if (!fp || size < 512 || size > LX_FP_ENTRY_MAX - 4) return -22; /* EINVAL */
  zero(fp, 576);
  if (xfeatures) {
    __asm__ volatile("xsave64 (%0)" : : "r"(fp), "a"((uint32_t)xfeatures), "d"((uint32_t)(xfeatures >> 32))
                     : "memory");
    *(uint32_t*)(fp + 464) = 0x46505853U; /* FP_XSTATE_MAGIC1 */
    *(uint32_t*)(fp + 468) = size + 4;
    *(uint64_t*)(fp + 472) = xfeatures;
    *(uint32_t*)(fp + 480) = size;
    *(uint32_t*)(fp + size) = 0x46505845U; /* FP_XSTATE_MAGIC2 */
  } else {
    __asm__ volatile("fxsave64 (%0)" : : "r"(fp) : "memory");
  }
  mb->fpstate = (ulong)fp;
  mb->fast_frame = 1;
  return (long)fp;
}

/* Resumes the guest through a frame LX_CMD_MAKE_FRAME built, as the SIGSYS
 * path does, with the kick blocked until rt_sigreturn unblocks it (the
 * guest's host mask is empty): a kick that comes meanwhile is reported
 * first, one after it stops the guest as usual. */
static void resume_through_frame(struct lx_mailbox* mb, unsigned char* fp) {
  const ulong kick = 1UL << (LX_KICK_SIGNAL - 1);
  sys4(NR_rt_sigprocmask, 0 /*SIG_BLOCK*/, &kick, 0, 8);
  if (mb->fast_kicked) return;
  struct k_ucontext uc;
  __builtin_memset(&uc, 0, sizeof uc);
  uc.mc.fpstate = (ulong)fp;
  uc.flags = 0x2 | 0x4; /* UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS */
  uc.stack.sp = mb->stack_top - (LX_ALTSTACK_SIZE - 4096);
  uc.stack.size = LX_ALTSTACK_SIZE - 4096;
  load_regs(mb, &uc.mc);
  uc.mc.eflags = 0x202 | (mb->regs.rflags & 0x0dd5UL);
  uc.mc.cs = 0x33;
  uc.mc.ss = 0x2b;
  mb->fast_frame = 0;
  mb->fast_state = LX_FAST_OUT;
  __asm__ volatile("mov %0, %%rsp\n mov $15, %%eax\n syscall\n hlt" : : "r"(&uc) : "memory");
  __builtin_unreachable();
}

/* Serves the provider until it lets the guest resume; returns (with
 * fast_state LX_FAST_IN) when the asm tail may restore the registers from
 * the mailbox, unless the resume goes through a frame. */
static void fast_serve(struct lx_mailbox* mb, ulong entry_flags) {
  unsigned char fp[LX_FP_ENTRY_MAX] __attribute__((aligned(64)));
  for (;;) {
    serve(mb, fp);
    /* The tail reads the mailbox through gs: a new gs base of the guest's
     * own must wait for the frame's rt_sigreturn. */
    if (mb->regs.gs_base != mb->applied_gs && !mb->fast_frame) make_frame(mb, fp);
    apply_segment_bases(mb);
    if (!mb->fast_frame) break;
    resume_through_frame(mb, fp); /* returns only if a kick is to be reported */
    mb->event = LX_EV_KICK;
    in_area(mb)->count = 0;
    post_to_provider(mb);
  }
  mb->regs.rflags = (entry_flags & ~0x0dd5UL) | (mb->regs.rflags & 0x0dd5UL);
}

/* The C half of lx_fast_entry, on the thread's alternate stack: the
 * registers are in the mailbox; post the syscall as handler() does. */
void lx_fast_syscall(void) {
  struct lx_mailbox* mb = current_mailbox();
  mb->fast_state = LX_FAST_IN;
  mb->fast_frame = 0;
  mb->regs.fs_base = mb->applied_fs;
  mb->regs.gs_base = mb->applied_gs;
  mb->fpstate = 0;
  mb->event = LX_EV_SYSCALL;
  mb->arch = 0xc000003eu; /* AUDIT_ARCH_X86_64 */
  prefetch_args(mb, mb->nr);
  post_to_provider(mb);
  fast_serve(mb, mb->regs.rflags);
}

/* A kick came after the last event and before the tail began: the guest
 * must not run before the provider hears of it. */
void lx_fast_kicked(void) {
  struct lx_mailbox* mb = current_mailbox();
  mb->fast_state = LX_FAST_IN;
  mb->fpstate = 0;
  mb->event = LX_EV_KICK;
  in_area(mb)->count = 0;
  post_to_provider(mb);
  fast_serve(mb, mb->regs.rflags);
}

/* The region of patched sites' thunks: the entry pointer first; the
 * provider writes the thunks (through /proc/<pid>/mem) as it patches. */
static void map_fast_region(void) {
  if (!hdr->fast_syscalls) return;
  if (sys6(NR_mmap, (long)LX_FAST_BASE, LX_FAST_SIZE, 3, 0x32 /*PRIVATE|ANON|FIXED*/, -1, 0) != (long)LX_FAST_BASE)
    die(129);
  *(ulong*)LX_FAST_BASE = (ulong)lx_fast_entry;
  sys3(NR_mprotect, LX_FAST_BASE, LX_FAST_SIZE, 5 /*READ|EXEC*/);
}

/* A thread's fast-entry state: its mailbox in the host gs base (unless the
 * guest has its own there) and its alternate stack. */
static void init_fast_thread(struct lx_mailbox* mb, ulong altstack_top) {
  mb->stack_top = altstack_top;
  mb->fast_state = LX_FAST_OUT;
  if (!hdr->fast_syscalls) return;
  mb->fast_magic = LX_FAST_MAGIC;
  sys2(NR_arch_prctl, 0x1001 /*ARCH_SET_GS*/, host_gs(mb, mb->applied_gs));
}

/* The FP area of a thread's first entry frame: the initial FPU state in
 * Linux's signal-frame format (XSTATE_BV 0 makes XRSTOR load the init state
 * of every component; MXCSR is still read). Published at READY like a real
 * frame's, so the provider can save or replace it before the first run.
 * Returns 0 (no area: the host then loads the init state) if the header's
 * layout, written by the provider, does not fit the buffer. */
static ulong build_entry_fp(unsigned char* buf) {
  uint64_t xfeatures = hdr->fp_xfeatures;
  uint32_t size = hdr->fp_xsave_size;
  if (size < 512 || size > LX_FP_ENTRY_MAX - 4) return 0;
  zero(buf, size + 4);
  *(uint16_t*)buf = 0x37f;          /* FCW */
  *(uint32_t*)(buf + 24) = 0x1f80;  /* MXCSR */
  if (xfeatures) {                  /* struct _fpx_sw_bytes in the FXSAVE area's software bytes */
    *(uint32_t*)(buf + 464) = 0x46505853U; /* FP_XSTATE_MAGIC1 */
    *(uint32_t*)(buf + 468) = size + 4;    /* extended_size */
    *(uint64_t*)(buf + 472) = xfeatures;
    *(uint32_t*)(buf + 480) = size;        /* xstate_size */
    *(uint32_t*)(buf + size) = 0x46505845U; /* FP_XSTATE_MAGIC2 */
  }
  return (ulong)buf;
}

/* First entry into the guest: fabricate the frame rt_sigreturn expects. */
static __attribute__((noreturn)) void enter_guest(struct lx_mailbox* mb, ulong altstack, ulong fp) {
  struct k_ucontext uc;
  __builtin_memset(&uc, 0, sizeof uc);
  uc.mc.fpstate = fp;
  uc.flags = 0x2 | 0x4; /* UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS */
  uc.stack.sp = altstack;
  uc.stack.size = LX_ALTSTACK_SIZE - 4096;
  load_regs(mb, &uc.mc);
  uc.mc.eflags = 0x202 | (mb->regs.rflags & 0x0dd5UL);
  uc.mc.cs = 0x33;
  uc.mc.ss = 0x2b;
  apply_segment_bases(mb);
  __asm__ volatile("mov %0, %%rsp\n mov $15, %%eax\n syscall\n hlt" : : "r"(&uc) : "memory");
  __builtin_unreachable();
}

static long map_altstack(ulong idx) {
  ulong base = LX_ALTSTACK_BASE + idx * LX_ALTSTACK_SIZE;
  long r = sys6(NR_mmap, (long)base, LX_ALTSTACK_SIZE, 3, 0x32 /*PRIVATE|ANON|FIXED*/, -1, 0);
  if (r != (long)base) return r < 0 ? r : -12;
  sys3(NR_mprotect, base, 4096, 0); /* guard page */
  return 0;
}

static ulong use_altstack(ulong idx) {
  ulong base = LX_ALTSTACK_BASE + idx * LX_ALTSTACK_SIZE;
  struct k_stack ss = {base + 4096, 0, 0, LX_ALTSTACK_SIZE - 4096};
  if (sys2(NR_sigaltstack, &ss, 0) != 0) die(123);
  return base + 4096;
}

/* A new thread starts on the top of its own (not yet active) alternate
 * stack; those frames are abandoned for good when it enters the guest. */
void lx_thread_main(ulong idx);
void lx_thread_main(ulong idx) {
  unsigned char fpbuf[LX_FP_ENTRY_MAX] __attribute__((aligned(64)));
  struct lx_mailbox* mb = mailbox(idx);
  ulong altstack = use_altstack(idx);
  init_fast_thread(mb, LX_ALTSTACK_BASE + (idx + 1) * LX_ALTSTACK_SIZE);
  ulong fp = build_entry_fp(fpbuf);
  mb->fpstate = fp;
  mb->host_tid = (uint64_t)sys0(NR_gettid);
  mb->event = LX_EV_READY;
  post_to_provider(mb);
  serve(mb, 0);
  enter_guest(mb, altstack, fp);
}

/* clone(flags, stack) whose child calls lx_thread_main(idx) on that stack. */
extern long lx_clone_thread(ulong flags, ulong stack, ulong idx) __attribute__((visibility("hidden")));
__asm__(".text\n.globl lx_clone_thread\nlx_clone_thread:\n"
        " push %r12\n mov %rdx, %r12\n xor %edx, %edx\n xor %r10d, %r10d\n xor %r8d, %r8d\n"
        " mov $56, %eax\n syscall\n test %rax, %rax\n jz 1f\n pop %r12\n ret\n"
        "1:\n mov %r12, %rdi\n xor %ebp, %ebp\n and $-16, %rsp\n call lx_thread_main\n hlt\n");

static long new_thread(struct lx_mailbox* parent, ulong idx) {
  /* Slots are reused once their thread is gone; never this thread's own. */
  if (idx >= LX_MAX_THREADS || mailbox(idx) == parent) return -22; /* EINVAL */
  long r = map_altstack(idx);
  if (r < 0) return r;
  struct lx_mailbox* mb = mailbox(idx);
  /* clone copies the parent's fs/gs bases; record that so the first resume
   * only reloads them if the provider wants something else. */
  mb->applied_fs = parent->applied_fs;
  mb->applied_gs = parent->applied_gs;
  const ulong flags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000;
  /* CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM */
  return lx_clone_thread(flags, LX_ALTSTACK_BASE + (idx + 1) * LX_ALTSTACK_SIZE, idx);
}

void stub_main(ulong* sp);
void stub_main(ulong* sp) {
  /* auxv follows argv and envp on the initial stack */
  ulong argc = sp[0];
  ulong* p = sp + 1 + argc + 1;
  while (*p) ++p;
  ++p;
  ulong vdso = 0;
  for (; p[0] != 0; p += 2)
    if (p[0] == 33 /*AT_SYSINFO_EHDR*/) vdso = p[1];

  if (sys6(NR_mmap, (long)LX_CTL_ADDR, LX_CTL_SIZE, 3, 0x11 /*SHARED|FIXED*/, LX_CTL_FD, 0) !=
      (long)LX_CTL_ADDR)
    die(120);
  sys1(NR_close, LX_CTL_FD);
  if (hdr->magic != LX_STUB_MAGIC) die(121);
  hdr->vdso_base = vdso;

  ulong all = ~0UL;
  sys4(NR_rt_sigprocmask, 2 /*SIG_SETMASK*/, &all, 0, 8);
  if (map_altstack(0) != 0) die(122);
  ulong altstack = use_altstack(0);
  static const int sigs[] = {SIGSYS, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, LX_KICK_SIGNAL};
  /* Everything blocked in the handlers but SIGSEGV and SIGBUS, so that a
   * fault in lx_safe_copy reaches handler() instead of killing us. */
  const ulong mask = ~((1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1)));
  struct k_sigaction sa = {(ulong)handler, 0x4 | 0x08000000 | 0x04000000 /*SIGINFO|ONSTACK|RESTORER*/,
                           (ulong)lx_restore_rt, mask};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; ++i)
    if (sys4(NR_rt_sigaction, sigs[i], &sa, 0, 8) != 0) die(124);
  sys0(NR_setsid); /* no controlling terminal: tty signals go to the provider */

  struct { unsigned short len; ulong filter; } prog = {(unsigned short)hdr->bpf_len, (ulong)hdr->bpf};
  if (sys2(NR_prctl, 38 /*PR_SET_NO_NEW_PRIVS*/, 1) != 0) die(125);
  if (sys3(NR_seccomp, 1 /*SET_MODE_FILTER*/, 0, &prog) != 0) die(126);

  unsigned char fpbuf[LX_FP_ENTRY_MAX] __attribute__((aligned(64)));
  ulong fp = build_entry_fp(fpbuf);
  struct lx_mailbox* mb = mailbox(0);
  map_fast_region();
  init_fast_thread(mb, LX_ALTSTACK_BASE + LX_ALTSTACK_SIZE);
  mb->fpstate = fp;
  mb->host_tid = (uint64_t)sys0(NR_getpid);
  mb->event = LX_EV_READY;
  post_to_provider(mb);
  serve(mb, 0);
  enter_guest(mb, altstack, fp);
}
