/* syscall_loop MODE N [PATH]: the guest workload of lx_bench.
 *
 *   MODE getppid        N getppid calls
 *   MODE openreadclose  N times open(PATH) + read 64 bytes + close
 *                       (PATH defaults to /etc/hostname, else /etc/passwd)
 *
 * Runs N/10 untimed warm-up operations, then times N with
 * clock_gettime(CLOCK_MONOTONIC) and prints "ns_per_op=<float>" on stdout.
 *
 * Freestanding on purpose (own _start, raw syscalls, no libc): the same
 * binary runs natively, under lx and under the peers, and a runtime still
 * being written should need to implement nothing but the syscalls measured
 * plus clock_gettime, write and exit_group. clock_gettime is a plain
 * syscall here (no vDSO), made twice per run, outside the timed loop. */

typedef unsigned long ulong;

#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_close 3
#define NR_getppid 110
#define NR_clock_gettime 228
#define NR_exit_group 231
#define CLOCK_MONOTONIC 1

static inline long sys3(long n, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}

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
    put(2, "usage: syscall_loop getppid|openreadclose N [PATH]\n");
    return 2;
  }
  int (*op)(const char*);
  if (equal(argv[1], "getppid")) {
    op = op_getppid;
  } else if (equal(argv[1], "openreadclose")) {
    op = op_openreadclose;
  } else {
    put(2, "syscall_loop: unknown mode\n");
    return 2;
  }
  const char* path = argc > 3 ? argv[3] : "/etc/hostname";
  if (argc <= 3 && op_openreadclose(path)) path = "/etc/passwd";

  for (ulong i = 0; i < n / 10 + 1; ++i)
    if (op(path)) goto failed;
  ulong t0 = now_ns();
  for (ulong i = 0; i < n; ++i)
    if (op(path)) goto failed;
  ulong t1 = now_ns();
  report(t1 - t0, n);
  return 0;
failed:
  put(2, "syscall_loop: operation failed\n");
  return 3;
}

/* The kernel leaves argc at (%rsp) and argv right above it. */
void start_c(long* sp);
__attribute__((used, noinline, noreturn)) void start_c(long* sp) {
  quit(run((int)sp[0], (char**)(sp + 1)));
}
__asm__(".text\n.globl _start\n_start:\n xor %ebp, %ebp\n mov %rsp, %rdi\n and $-16, %rsp\n"
        " call start_c\n hlt\n");
