/* syscall_loop MODE N [PATH]: the guest workload of lx_bench.
 *
 *   MODE getppid        N getppid calls
 *   MODE openreadclose  N times open(PATH) + read 64 bytes + close
 *                       (PATH defaults to /etc/hostname, else /etc/passwd)
 *   MODE forkwait       N times fork; the child exit_group(0)s; wait4 for it
 *   MODE forkexec       N times fork; the child execve(PATH) (default
 *                       /bin/true) with no arguments; wait4 for it (status 0)
 *   MODE pipepingpong   a forked child echoes 1 byte between two pipes; one
 *                       op = write 1 byte + read it back (a round trip)
 *   MODE unixpingpong   the same over an AF_UNIX SOCK_STREAM socketpair: a
 *                       forked child echoes 1 byte; one op = a round trip
 *   MODE futexpingpong  a second thread (raw clone, CLONE_THREAD) and the
 *                       main thread hand a turn word back and forth with
 *                       FUTEX_WAIT/FUTEX_WAKE (private); one op = a round trip
 *   MODE epollwake      a forked child epoll_waits on an eventfd and answers
 *                       on another one that the parent epoll_waits on; one
 *                       op = write + epoll_wait wake-up + read, both ways
 *   MODE tcprr          a forked child echoes over a TCP loopback connection
 *                       (127.0.0.1, TCP_NODELAY); one op = send 1 KiB + read
 *                       the 1 KiB echo back (a request/response round trip)
 *   MODE tcpstream      a forked child drains a TCP loopback connection; one
 *                       op = send 1 MiB + read the child's 1-byte ack sent
 *                       once all of it arrived (MiB/s = 1e9 / ns_per_op)
 *   MODE statx          N statx(AT_FDCWD, PATH, AT_SYMLINK_NOFOLLOW) of a deep
 *                       path, as `ls -l` does (PATH defaults to
 *                       /usr/share/doc/bash/copyright, else /etc/passwd)
 *   MODE lgetxattr      N lgetxattr(PATH, "security.selinux") (ls -l's
 *                       SELinux probe; ENODATA or EOPNOTSUPP count as done)
 *   MODE getxattr       N getxattr(PATH, "system.posix_acl_access", NULL, 0)
 *                       (ls -l's ACL probe; same PATH and outcomes)
 *   MODE getdents       N times lseek(dir, 0) + getdents64 of a directory
 *                       opened once (PATH defaults to /usr/share/doc/bash,
 *                       else /etc); one op reads the whole (small) directory
 *
 * Runs N/10 untimed warm-up operations, then times N with
 * clock_gettime(CLOCK_MONOTONIC) and prints "ns_per_op=<float>" on stdout.
 *
 * Freestanding on purpose (own _start, raw syscalls, no libc): the same
 * binary runs natively, under lx and under the peers, and a runtime still
 * being written should need to implement nothing but the syscalls measured
 * plus clock_gettime, write and exit_group. clock_gettime is a plain
 * syscall here (no vDSO), made twice per run, outside the timed loop.
 * The process modes set up (fork the echo child, clone the thread) before
 * the warm-up and tear down (EOF + wait4, thread exit) after the timed loop. */

typedef unsigned long ulong;

#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_close 3
#define NR_lseek 8
#define NR_getxattr 191
#define NR_lgetxattr 192
#define NR_getdents64 217
#define NR_openat 257
#define NR_statx 332
#define AT_FDCWD (-100)
#define ENODATA 61
#define EOPNOTSUPP 95
#define NR_pipe 22
#define NR_socket 41
#define NR_connect 42
#define NR_accept 43
#define NR_bind 49
#define NR_listen 50
#define NR_getsockname 51
#define NR_setsockopt 54
#define NR_clone 56
#define NR_fork 57
#define NR_execve 59
#define NR_exit 60
#define NR_wait4 61
#define NR_getppid 110
#define NR_socketpair 53
#define NR_futex 202
#define NR_epoll_wait 232
#define NR_epoll_ctl 233
#define NR_eventfd2 290
#define NR_epoll_create1 291
#define NR_clock_gettime 228
#define NR_exit_group 231
#define CLOCK_MONOTONIC 1
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

/* Every call is `mov $nr, %eax; syscall`, the instruction pair of glibc's
 * wrappers, so the loops measure syscalls the way programs make them
 * (under lx such a site is rewritten into the stub's fast entry after two
 * traps; LX_FAST_SYSCALLS=0 measures the trap path), not whatever the
 * compiler would schedule between the two. n must be a literal or a macro
 * that expands to one. */
#define SYS_STR_(x) #x
#define SYS_STR(x) SYS_STR_(x)
#define sys3(n, a, b, c)                                                                       \
  ({                                                                                           \
    long a_ = (long)(a), b_ = (long)(b), c_ = (long)(c), r_;                                   \
    __asm__ volatile("mov $" SYS_STR(n) ", %%eax\n syscall"                                    \
                     : "=a"(r_)                                                                \
                     : "D"(a_), "S"(b_), "d"(c_)                                               \
                     : "rcx", "r11", "memory");                                                \
    r_;                                                                                        \
  })
#define sys4(n, a, b, c, d)                                                                    \
  ({                                                                                           \
    long a_ = (long)(a), b_ = (long)(b), c_ = (long)(c), d_ = (long)(d), r_;                   \
    register long r10_ __asm__("r10") = d_;                                                    \
    __asm__ volatile("mov $" SYS_STR(n) ", %%eax\n syscall"                                    \
                     : "=a"(r_)                                                                \
                     : "D"(a_), "S"(b_), "d"(c_), "r"(r10_)                                    \
                     : "rcx", "r11", "memory");                                                \
    r_;                                                                                        \
  })
#define sys5(n, a, b, c, d, e)                                                                 \
  ({                                                                                           \
    long a_ = (long)(a), b_ = (long)(b), c_ = (long)(c), d_ = (long)(d), e_ = (long)(e), r_;   \
    register long r10_ __asm__("r10") = d_;                                                    \
    register long r8_ __asm__("r8") = e_;                                                      \
    __asm__ volatile("mov $" SYS_STR(n) ", %%eax\n syscall"                                    \
                     : "=a"(r_)                                                                \
                     : "D"(a_), "S"(b_), "d"(c_), "r"(r10_), "r"(r8_)                          \
                     : "rcx", "r11", "memory");                                                \
    r_;                                                                                        \
  })

static __attribute__((noreturn)) void quit(int code) {
  for (;;) sys3(NR_exit_group, code, 0, 0);
}

static ulong length(const char* s) {
  ulong n = 0;
  while (s[n]) ++n;
  return n;
}

static void put(int fd, const char* s) { sys3(NR_write, fd, (long)s, (long)length(s)); }

static int equal(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

static int parse_count(const char* s, ulong* out) {
  ulong v = 0;
  if (!*s) return 0;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9') return 0;
    v = v * 10 + (ulong)(*s - '0');
  }
  *out = v;
  return v > 0;
}

struct timespec_k {
  long sec, nsec;
};

static ulong now_ns(void) {
  struct timespec_k ts;
  sys3(NR_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0);
  return (ulong)ts.sec * 1000000000UL + (ulong)ts.nsec;
}

/* One operation; returns 0 on success. */
static int op_getppid(const char* path) {
  (void)path;
  return sys3(NR_getppid, 0, 0, 0) < 0;
}

static int op_openreadclose(const char* path) {
  char buf[64];
  long fd = sys3(NR_open, (long)path, 0 /* O_RDONLY */, 0);
  if (fd < 0) return 1;
  long got = sys3(NR_read, fd, (long)buf, sizeof buf);
  sys3(NR_close, fd, 0, 0);
  return got <= 0;
}

/* ---- the `ls -laR` walk's per-file calls: statx, (l)getxattr, getdents64 - */
static int op_statx(const char* path) {
  static unsigned char stx[256];
  return sys5(NR_statx, AT_FDCWD, (long)path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x2ff /* ls's mask */,
              (long)stx) != 0;
}

/* A missing attribute (ENODATA) or none supported (EOPNOTSUPP) is the
 * expected outcome, as for ls; any other error is a failure. */
static int xattr_done(long r) { return r >= 0 || r == -ENODATA || r == -EOPNOTSUPP; }

static int op_lgetxattr(const char* path) {
  static char value[255];
  return !xattr_done(sys4(NR_lgetxattr, (long)path, (long)"security.selinux", (long)value, sizeof value));
}

static int op_getxattr(const char* path) {
  return !xattr_done(sys4(NR_getxattr, (long)path, (long)"system.posix_acl_access", 0, 0));
}

static long g_dir_fd = -1;

static int op_getdents(const char* path) {
  static char buf[32768];
  (void)path;
  if (sys3(NR_lseek, g_dir_fd, 0, 0 /* SEEK_SET */) != 0) return 1;
  return sys3(NR_getdents64, g_dir_fd, (long)buf, sizeof buf) <= 0;
}

static int setup_getdents(const char* path) {
  g_dir_fd = sys4(NR_openat, AT_FDCWD, (long)path, 0x10000 /* O_DIRECTORY */, 0);
  return g_dir_fd < 0;
}

static int teardown_getdents(void) { return sys3(NR_close, g_dir_fd, 0, 0) != 0; }

static char** g_envp;

/* Reaps `pid`; returns 0 if it exited with status 0. */
static int reap(long pid) {
  int status = 0;
  if (sys4(NR_wait4, pid, (long)&status, 0, 0) != pid) return 1;
  return status != 0; /* exited(0) is the all-zero wait status */
}

static int op_forkwait(const char* path) {
  (void)path;
  long pid = sys3(NR_fork, 0, 0, 0);
  if (pid == 0) quit(0);
  if (pid < 0) return 1;
  return reap(pid);
}

static int op_forkexec(const char* path) {
  long pid = sys3(NR_fork, 0, 0, 0);
  if (pid == 0) {
    char* argv[2] = {(char*)path, 0};
    sys3(NR_execve, (long)path, (long)argv, (long)g_envp);
    quit(127);
  }
  if (pid < 0) return 1;
  return reap(pid);
}

/* ---- pipepingpong: to_child / from_child pipes and an echoing child ---- */
static int g_to_child[2], g_from_child[2];
static long g_echo_pid;

static int setup_pipepingpong(void) {
  if (sys3(NR_pipe, (long)g_to_child, 0, 0) != 0 || sys3(NR_pipe, (long)g_from_child, 0, 0) != 0)
    return 1;
  g_echo_pid = sys3(NR_fork, 0, 0, 0);
  if (g_echo_pid < 0) return 1;
  if (g_echo_pid == 0) {
    char c;
    sys3(NR_close, g_to_child[1], 0, 0);
    sys3(NR_close, g_from_child[0], 0, 0);
    while (sys3(NR_read, g_to_child[0], (long)&c, 1) == 1)
      if (sys3(NR_write, g_from_child[1], (long)&c, 1) != 1) quit(3);
    quit(0);
  }
  sys3(NR_close, g_to_child[0], 0, 0);
  sys3(NR_close, g_from_child[1], 0, 0);
  return 0;
}

static int op_pipepingpong(const char* path) {
  (void)path;
  char c = 'x';
  if (sys3(NR_write, g_to_child[1], (long)&c, 1) != 1) return 1;
  return sys3(NR_read, g_from_child[0], (long)&c, 1) != 1 || c != 'x';
}

static int teardown_pipepingpong(void) {
  sys3(NR_close, g_to_child[1], 0, 0); /* EOF ends the echo loop */
  int bad = reap(g_echo_pid);
  sys3(NR_close, g_from_child[0], 0, 0);
  return bad;
}

/* ---- epollwake: eventfd ping/pong, each side blocked in epoll_wait ------ */
static long g_ping, g_pong, g_ep, g_waker_pid;

/* An epoll instance watching efd for EPOLLIN; -1 on failure. */
static long epoll_on(long efd) {
  long ep = sys3(NR_epoll_create1, 0, 0, 0);
  if (ep < 0) return -1;
  unsigned char ev[12] = {1 /* EPOLLIN */}; /* struct epoll_event is packed on x86-64 */
  if (sys4(NR_epoll_ctl, ep, 1 /* EPOLL_CTL_ADD */, efd, (long)ev) != 0) return -1;
  return ep;
}

/* Waits for efd's counter through ep and drains it; returns the value (0 on error). */
static ulong wait_and_take(long ep, long efd) {
  unsigned char ev[12];
  ulong v = 0;
  if (sys4(NR_epoll_wait, ep, (long)ev, 1, -1) != 1) return 0;
  if (sys3(NR_read, efd, (long)&v, 8) != 8) return 0;
  return v;
}

static int setup_epollwake(void) {
  g_ping = sys3(NR_eventfd2, 0, 0, 0);
  g_pong = sys3(NR_eventfd2, 0, 0, 0);
  if (g_ping < 0 || g_pong < 0) return 1;
  g_waker_pid = sys3(NR_fork, 0, 0, 0);
  if (g_waker_pid < 0) return 1;
  if (g_waker_pid == 0) {
    long ep = epoll_on(g_ping);
    if (ep < 0) quit(3);
    for (;;) {
      ulong v = wait_and_take(ep, g_ping);
      if (v != 1) quit(v == 2 ? 0 : 3); /* 2: the parent is done */
      if (sys3(NR_write, g_pong, (long)&v, 8) != 8) quit(3);
    }
  }
  g_ep = epoll_on(g_pong);
  return g_ep < 0;
}

static int op_epollwake(const char* path) {
  (void)path;
  ulong one = 1;
  if (sys3(NR_write, g_ping, (long)&one, 8) != 8) return 1;
  return wait_and_take(g_ep, g_pong) != 1;
}

static int teardown_epollwake(void) {
  ulong two = 2;
  if (sys3(NR_write, g_ping, (long)&two, 8) != 8) return 1;
  return reap(g_waker_pid);
}

/* ---- unixpingpong: one socketpair, the child echoes on its end --------- */
static int g_unix[2];
static long g_unix_pid;

static int setup_unixpingpong(void) {
  if (sys4(NR_socketpair, 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, (long)g_unix) != 0) return 1;
  g_unix_pid = sys3(NR_fork, 0, 0, 0);
  if (g_unix_pid < 0) return 1;
  if (g_unix_pid == 0) {
    char c;
    sys3(NR_close, g_unix[0], 0, 0);
    while (sys3(NR_read, g_unix[1], (long)&c, 1) == 1)
      if (sys3(NR_write, g_unix[1], (long)&c, 1) != 1) quit(3);
    quit(0);
  }
  sys3(NR_close, g_unix[1], 0, 0);
  return 0;
}

static int op_unixpingpong(const char* path) {
  (void)path;
  char c = 'x';
  if (sys3(NR_write, g_unix[0], (long)&c, 1) != 1) return 1;
  return sys3(NR_read, g_unix[0], (long)&c, 1) != 1 || c != 'x';
}

static int teardown_unixpingpong(void) {
  sys3(NR_close, g_unix[0], 0, 0); /* EOF ends the echo loop */
  return reap(g_unix_pid);
}

/* ---- tcprr / tcpstream: a TCP loopback connection to a forked child ----- */
#define TCP_RR_SIZE 1024
#define TCP_STREAM_SIZE (1 << 20)
static long g_tcp_fd = -1, g_tcp_child;
static char g_tcp_buf[TCP_STREAM_SIZE];

struct sockaddr_in_k {
  unsigned short family, port;
  unsigned int addr;
  char zero[8];
};

static int write_all(long fd, const char* p, ulong n) {
  while (n) {
    long w = sys3(NR_write, fd, (long)p, (long)n);
    if (w <= 0) return 1;
    p += w, n -= (ulong)w;
  }
  return 0;
}

static int read_all(long fd, char* p, ulong n) {
  while (n) {
    long r = sys3(NR_read, fd, (long)p, (long)n);
    if (r <= 0) return 1;
    p += r, n -= (ulong)r;
  }
  return 0;
}

static void tcp_nodelay(long fd) {
  int one = 1;
  sys5(NR_setsockopt, fd, 6 /* IPPROTO_TCP */, 1 /* TCP_NODELAY */, (long)&one, sizeof one);
}

/* The child's loop: rr echoes every 1 KiB message, stream acks every 1 MiB. */
static __attribute__((noreturn)) void tcp_child(const struct sockaddr_in_k* addr, int stream) {
  long fd = sys3(NR_socket, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
  if (fd < 0 || sys3(NR_connect, fd, (long)addr, sizeof *addr) != 0) quit(4);
  tcp_nodelay(fd);
  ulong msg = stream ? TCP_STREAM_SIZE : TCP_RR_SIZE;
  for (;;) {
    if (read_all(fd, g_tcp_buf, msg)) quit(0); /* EOF: the parent is done */
    if (stream ? write_all(fd, "k", 1) : write_all(fd, g_tcp_buf, msg)) quit(5);
  }
}

static int setup_tcp(int stream) {
  struct sockaddr_in_k addr = {2, 0, 0x0100007f /* 127.0.0.1 */, {0}};
  int len = sizeof addr;
  long l = sys3(NR_socket, 2, 1, 0);
  if (l < 0 || sys3(NR_bind, l, (long)&addr, sizeof addr) != 0 || sys3(NR_listen, l, 1, 0) != 0 ||
      sys3(NR_getsockname, l, (long)&addr, (long)&len) != 0)
    return 1;
  g_tcp_child = sys3(NR_fork, 0, 0, 0);
  if (g_tcp_child < 0) return 1;
  if (g_tcp_child == 0) tcp_child(&addr, stream);
  g_tcp_fd = sys3(NR_accept, l, 0, 0);
  sys3(NR_close, l, 0, 0);
  if (g_tcp_fd < 0) return 1;
  tcp_nodelay(g_tcp_fd);
  for (ulong i = 0; i < sizeof g_tcp_buf; ++i) g_tcp_buf[i] = (char)i;
  return 0;
}

static int op_tcprr(const char* path) {
  (void)path;
  static char reply[TCP_RR_SIZE];
  if (write_all(g_tcp_fd, g_tcp_buf, TCP_RR_SIZE) || read_all(g_tcp_fd, reply, TCP_RR_SIZE)) return 1;
  return reply[TCP_RR_SIZE - 1] != g_tcp_buf[TCP_RR_SIZE - 1];
}

static int op_tcpstream(const char* path) {
  (void)path;
  char ack;
  if (write_all(g_tcp_fd, g_tcp_buf, TCP_STREAM_SIZE) || read_all(g_tcp_fd, &ack, 1)) return 1;
  return ack != 'k';
}

static int teardown_tcp(void) {
  sys3(NR_close, g_tcp_fd, 0, 0); /* EOF ends the child's loop */
  return reap(g_tcp_child);
}

/* ---- futexpingpong: main thread and a raw CLONE_THREAD partner ---------- */
/* g_turn: 0 = main's turn, 1 = partner's. g_partner_ops: partner's op count,
 * set before it starts; g_partner_done: set by the partner before SYS_exit. */
static volatile int g_turn;
static volatile long g_partner_ops;
static volatile int g_partner_done;
static char g_partner_stack[64 * 1024] __attribute__((aligned(16)));

/* Waits until *word == want, sleeping in FUTEX_WAIT while it is not. */
static void await_turn(volatile int* word, int want) {
  for (;;) {
    int v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    if (v == want) return;
    sys4(NR_futex, (long)word, FUTEX_WAIT_PRIVATE, v, 0);
  }
}

static void give_turn(volatile int* word, int to) {
  __atomic_store_n(word, to, __ATOMIC_RELEASE);
  sys4(NR_futex, (long)word, FUTEX_WAKE_PRIVATE, 1, 0);
}

static void partner_main(void) {
  for (long i = 0; i < g_partner_ops; ++i) {
    await_turn(&g_turn, 1);
    give_turn(&g_turn, 0);
  }
  __atomic_store_n(&g_partner_done, 1, __ATOMIC_RELEASE);
  sys4(NR_futex, (long)&g_partner_done, FUTEX_WAKE_PRIVATE, 1, 0);
}

/* raw_clone_thread(flags, stack_top, fn): the child runs fn() on stack_top,
 * then SYS_exit(0). Returns the child's tid (or -errno) in the parent. */
long raw_clone_thread(long flags, void* stack_top, void (*fn)(void));
__asm__(".text\n.globl raw_clone_thread\nraw_clone_thread:\n"
        " sub $16, %rsi\n mov %rdx, (%rsi)\n"
        " mov $56, %eax\n xor %edx, %edx\n xor %r10d, %r10d\n xor %r8d, %r8d\n syscall\n"
        " test %rax, %rax\n jnz 1f\n"
        " xor %ebp, %ebp\n pop %rax\n and $-16, %rsp\n call *%rax\n"
        " xor %edi, %edi\n mov $60, %eax\n syscall\n hlt\n"
        "1: ret\n");

#define CLONE_THREAD_FLAGS (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000) /* VM FS FILES SIGHAND THREAD SYSVSEM */

static int setup_futexpingpong(long ops) {
  g_turn = 0;
  g_partner_ops = ops;
  long tid = raw_clone_thread(CLONE_THREAD_FLAGS, g_partner_stack + sizeof g_partner_stack, partner_main);
  return tid <= 0;
}

static int op_futexpingpong(const char* path) {
  (void)path;
  give_turn(&g_turn, 1);
  await_turn(&g_turn, 0);
  return 0;
}

static int teardown_futexpingpong(void) {
  while (!__atomic_load_n(&g_partner_done, __ATOMIC_ACQUIRE))
    sys4(NR_futex, (long)&g_partner_done, FUTEX_WAIT_PRIVATE, 0, 0);
  return 0;
}

/* "ns_per_op=" + total_ns / n with three decimals, in integer arithmetic. */
static void report(ulong total_ns, ulong n) {
  char out[64];
  char digits[24];
  ulong milli = (total_ns * 1000 + n / 2) / n; /* thousandths of a ns */
  ulong whole = milli / 1000, frac = milli % 1000;
  int d = 0, o = 0;
  do digits[d++] = (char)('0' + whole % 10); while (whole /= 10);
  const char* prefix = "ns_per_op=";
  while (*prefix) out[o++] = *prefix++;
  while (d) out[o++] = digits[--d];
  out[o++] = '.';
  out[o++] = (char)('0' + frac / 100);
  out[o++] = (char)('0' + frac / 10 % 10);
  out[o++] = (char)('0' + frac % 10);
  out[o++] = '\n';
  sys3(NR_write, 1, (long)out, o);
}

static int run(int argc, char** argv) {
  ulong n;
  if (argc < 3 || !parse_count(argv[2], &n) || n > 1000000000000UL) {
    put(2, "usage: syscall_loop getppid|openreadclose|forkwait|forkexec|pipepingpong|unixpingpong|futexpingpong|epollwake|tcprr|tcpstream|statx|lgetxattr|getxattr|getdents N [PATH]\n");
    return 2;
  }
  int (*op)(const char*);
  int (*teardown)(void) = 0;
  const char* path = argc > 3 ? argv[3] : 0;
  ulong warmup = n / 10 + 1;
  if (equal(argv[1], "getppid")) {
    op = op_getppid;
  } else if (equal(argv[1], "openreadclose")) {
    op = op_openreadclose;
    if (!path) path = op_openreadclose("/etc/hostname") ? "/etc/passwd" : "/etc/hostname";
  } else if (equal(argv[1], "forkwait")) {
    op = op_forkwait;
  } else if (equal(argv[1], "forkexec")) {
    op = op_forkexec;
    if (!path) path = "/bin/true";
  } else if (equal(argv[1], "pipepingpong")) {
    op = op_pipepingpong;
    teardown = teardown_pipepingpong;
    if (setup_pipepingpong()) goto failed;
  } else if (equal(argv[1], "unixpingpong")) {
    op = op_unixpingpong;
    teardown = teardown_unixpingpong;
    if (setup_unixpingpong()) goto failed;
  } else if (equal(argv[1], "futexpingpong")) {
    op = op_futexpingpong;
    teardown = teardown_futexpingpong;
    if (setup_futexpingpong((long)(warmup + n))) goto failed;
  } else if (equal(argv[1], "epollwake")) {
    op = op_epollwake;
    teardown = teardown_epollwake;
    if (setup_epollwake()) goto failed;
  } else if (equal(argv[1], "tcprr") || equal(argv[1], "tcpstream")) {
    int stream = equal(argv[1], "tcpstream");
    op = stream ? op_tcpstream : op_tcprr;
    teardown = teardown_tcp;
    if (setup_tcp(stream)) goto failed;
  } else if (equal(argv[1], "statx") || equal(argv[1], "lgetxattr") || equal(argv[1], "getxattr")) {
    op = equal(argv[1], "statx") ? op_statx : equal(argv[1], "lgetxattr") ? op_lgetxattr : op_getxattr;
    if (!path) path = op_statx("/usr/share/doc/bash/copyright") ? "/etc/passwd" : "/usr/share/doc/bash/copyright";
  } else if (equal(argv[1], "getdents")) {
    op = op_getdents;
    teardown = teardown_getdents;
    if (!path) path = setup_getdents("/usr/share/doc/bash") ? "/etc" : "/usr/share/doc/bash";
    if (g_dir_fd < 0 && setup_getdents(path)) goto failed;
  } else {
    put(2, "syscall_loop: unknown mode\n");
    return 2;
  }

  for (ulong i = 0; i < warmup; ++i)
    if (op(path)) goto failed;
  ulong t0 = now_ns();
  for (ulong i = 0; i < n; ++i)
    if (op(path)) goto failed;
  ulong t1 = now_ns();
  if (teardown && teardown()) goto failed;
  report(t1 - t0, n);
  return 0;
failed:
  put(2, "syscall_loop: operation failed\n");
  return 3;
}

/* The kernel leaves argc at (%rsp) and argv right above it. */
void start_c(long* sp);
__attribute__((used, noinline, noreturn)) void start_c(long* sp) {
  int argc = (int)sp[0];
  char** argv = (char**)(sp + 1);
  g_envp = argv + argc + 1;
  quit(run(argc, argv));
}
__asm__(".text\n.globl _start\n_start:\n xor %ebp, %ebp\n mov %rsp, %rdi\n and $-16, %rsp\n"
        " call start_c\n hlt\n");
