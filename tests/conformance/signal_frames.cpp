// What a handler's frame holds and what returning from it restores: the
// ucontext registers (a handler that edits RIP/RAX changes where and with
// what the program resumes; other registers and the FP/SSE state come back
// untouched), and the synchronous signals of faulting instructions with
// their si_code/si_addr: SIGSEGV (SEGV_MAPERR, SEGV_ACCERR), SIGFPE
// (FPE_INTDIV), SIGILL (ud2), SIGTRAP (int3), and what happens when such a
// signal is blocked or ignored.
#include <setjmp.h>
#include <ucontext.h>

#include "proc_util.h"

namespace {

using conf::ForkChild;
using conf::ScopedHandler;
using conf::WaitPid;

siginfo_t g_info;
volatile sig_atomic_t g_count;
greg_t g_rip_in_handler;
sigjmp_buf g_jump;

void Reset() {
  memset(&g_info, 0, sizeof g_info);
  g_count = 0;
  g_rip_in_handler = 0;
}

// ud2 is two bytes: skip it and hand the interrupted code a new RAX.
void SkipUd2SetRax(int, siginfo_t* si, void* ctx) {
  auto* uc = static_cast<ucontext_t*>(ctx);
  g_info = *si;
  g_rip_in_handler = uc->uc_mcontext.gregs[REG_RIP];
  uc->uc_mcontext.gregs[REG_RIP] += 2;
  uc->uc_mcontext.gregs[REG_RAX] = 0x1234567890abcdefLL;
  uc->uc_mcontext.gregs[REG_RBX] ^= 0xff;  // an edited callee-saved register
  g_count = g_count + 1;
}

TEST(UContext, HandlerEditsOfRipRaxRbxApplyOnReturn) {
  Reset();
  ScopedHandler h(SIGILL, SkipUd2SetRax);
  uint64_t rax = 0, rbx = 0x1100, r12 = 0, r15 = 0, ud2_addr = 0;
  asm volatile(
      "mov $0x2222, %%r12\n"
      "mov $0x5555, %%r15\n"
      "lea 1f(%%rip), %%rdx\n"
      "mov %%rdx, %[addr]\n"
      "xor %%eax, %%eax\n"
      "1: ud2\n"
      "mov %%r12, %[r12]\n"
      "mov %%r15, %[r15]\n"
      : "=a"(rax), "+b"(rbx), [r12] "=m"(r12), [r15] "=m"(r15), [addr] "=m"(ud2_addr)
      :
      : "rdx", "r12", "r15", "memory", "cc");
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(rax, 0x1234567890abcdefULL);
  EXPECT_EQ(rbx, 0x11ffULL);
  EXPECT_EQ(r12, 0x2222u);
  EXPECT_EQ(r15, 0x5555u);
  EXPECT_EQ(static_cast<uint64_t>(g_rip_in_handler), ud2_addr);
  EXPECT_EQ(g_info.si_signo, SIGILL);
  EXPECT_EQ(g_info.si_code, ILL_ILLOPN);
  EXPECT_EQ(reinterpret_cast<uint64_t>(g_info.si_addr), ud2_addr);
}

TEST(UContext, MaskEditedInUcontextAppliesOnReturn) {
  ScopedHandler h(SIGUSR1, [](int, siginfo_t*, void* ctx) {
    sigaddset(&static_cast<ucontext_t*>(ctx)->uc_sigmask, SIGUSR2);
  });
  raise(SIGUSR1);
  sigset_t now;
  sigprocmask(SIG_BLOCK, nullptr, &now);
  EXPECT_TRUE(sigismember(&now, SIGUSR2));
  EXPECT_FALSE(sigismember(&now, SIGUSR1));
  sigset_t u2;
  sigemptyset(&u2);
  sigaddset(&u2, SIGUSR2);
  sigprocmask(SIG_UNBLOCK, &u2, nullptr);
}

TEST(UContext, SavedMaskIsTheInterruptedMask) {
  static sigset_t saved;
  ScopedHandler h(SIGUSR1, [](int, siginfo_t*, void* ctx) { saved = static_cast<ucontext_t*>(ctx)->uc_sigmask; });
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, &old);
  raise(SIGUSR1);
  sigprocmask(SIG_SETMASK, &old, nullptr);
  EXPECT_TRUE(sigismember(&saved, SIGTERM));
  EXPECT_FALSE(sigismember(&saved, SIGUSR1));
}

// FP/SSE state: the interrupted code's xmm registers survive a handler that
// overwrites all sixteen.
alignas(16) uint8_t g_xmm_in[16 * 16];
alignas(16) uint8_t g_xmm_out[16 * 16];

#define LX_XMM_ALL(op, base) \
  op " 0x00(%" base "), %%xmm0\n" op " 0x10(%" base "), %%xmm1\n" op " 0x20(%" base "), %%xmm2\n" \
  op " 0x30(%" base "), %%xmm3\n" op " 0x40(%" base "), %%xmm4\n" op " 0x50(%" base "), %%xmm5\n" \
  op " 0x60(%" base "), %%xmm6\n" op " 0x70(%" base "), %%xmm7\n" op " 0x80(%" base "), %%xmm8\n" \
  op " 0x90(%" base "), %%xmm9\n" op " 0xa0(%" base "), %%xmm10\n" op " 0xb0(%" base "), %%xmm11\n" \
  op " 0xc0(%" base "), %%xmm12\n" op " 0xd0(%" base "), %%xmm13\n" op " 0xe0(%" base "), %%xmm14\n" \
  op " 0xf0(%" base "), %%xmm15\n"
#define LX_XMM_STORE_ALL(base) \
  "movdqa %%xmm0, 0x00(%" base ")\nmovdqa %%xmm1, 0x10(%" base ")\nmovdqa %%xmm2, 0x20(%" base ")\n" \
  "movdqa %%xmm3, 0x30(%" base ")\nmovdqa %%xmm4, 0x40(%" base ")\nmovdqa %%xmm5, 0x50(%" base ")\n" \
  "movdqa %%xmm6, 0x60(%" base ")\nmovdqa %%xmm7, 0x70(%" base ")\nmovdqa %%xmm8, 0x80(%" base ")\n" \
  "movdqa %%xmm9, 0x90(%" base ")\nmovdqa %%xmm10, 0xa0(%" base ")\nmovdqa %%xmm11, 0xb0(%" base ")\n" \
  "movdqa %%xmm12, 0xc0(%" base ")\nmovdqa %%xmm13, 0xd0(%" base ")\nmovdqa %%xmm14, 0xe0(%" base ")\n" \
  "movdqa %%xmm15, 0xf0(%" base ")\n"

#define LX_CLOBBER_XMM                                                                                  \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
      "xmm12", "xmm13", "xmm14", "xmm15"

void ClobberXmm(int, siginfo_t*, void*) {
  alignas(16) static uint8_t junk[16 * 16];
  memset(junk, 0xa5, sizeof junk);
  asm volatile(LX_XMM_ALL("movdqa", "0") : : "r"(junk) : LX_CLOBBER_XMM);
  g_count = g_count + 1;
}

void FillPattern() {
  for (size_t i = 0; i < sizeof g_xmm_in; ++i) g_xmm_in[i] = static_cast<uint8_t>(i * 7 + 3);
  memset(g_xmm_out, 0, sizeof g_xmm_out);
}

TEST(FpState, XmmRegistersSurviveHandlerAfterSyscall) {
  Reset();
  ScopedHandler h(SIGUSR1, ClobberXmm);
  FillPattern();
  const long pid = getpid(), tid = gettid();
  long ret;
  // Load, tgkill ourselves (the handler runs on the way out of the
  // syscall), store: nothing in between may touch the xmm registers.
  asm volatile(LX_XMM_ALL("movdqa", "[in]") "syscall\n" LX_XMM_STORE_ALL("[out]")
               : "=a"(ret)
               : "a"(SYS_tgkill), "D"(pid), "S"(tid), "d"(SIGUSR1), [in] "r"(g_xmm_in), [out] "r"(g_xmm_out)
               : "rcx", "r11", "memory", LX_CLOBBER_XMM);
  EXPECT_EQ(ret, 0);
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(memcmp(g_xmm_in, g_xmm_out, sizeof g_xmm_in), 0);
}

void ClobberXmmSkipUd2(int sig, siginfo_t* si, void* ctx) {
  ClobberXmm(sig, si, ctx);
  static_cast<ucontext_t*>(ctx)->uc_mcontext.gregs[REG_RIP] += 2;
}

TEST(FpState, XmmRegistersSurviveHandlerAfterFault) {
  Reset();
  ScopedHandler h(SIGILL, ClobberXmmSkipUd2);
  FillPattern();
  asm volatile(LX_XMM_ALL("movdqa", "[in]") "ud2\n" LX_XMM_STORE_ALL("[out]")
               :
               : [in] "r"(g_xmm_in), [out] "r"(g_xmm_out)
               : "memory", LX_CLOBBER_XMM);
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(memcmp(g_xmm_in, g_xmm_out, sizeof g_xmm_in), 0);
}

TEST(FpState, FpstatePointerInUcontextHoldsInterruptedXmm) {
  static uint32_t seen_xmm0 = 0;
  ScopedHandler h(SIGILL, [](int, siginfo_t*, void* ctx) {
    auto* uc = static_cast<ucontext_t*>(ctx);
    if (uc->uc_mcontext.fpregs) seen_xmm0 = uc->uc_mcontext.fpregs->_xmm[0].element[0];
    uc->uc_mcontext.gregs[REG_RIP] += 2;
  });
  alignas(16) uint32_t v[4] = {0xfeedf00d, 1, 2, 3};
  asm volatile("movdqa (%0), %%xmm0\nud2\n" : : "r"(v) : "xmm0", "memory");
  EXPECT_EQ(seen_xmm0, 0xfeedf00du);
}

// ---- synchronous signals from faulting instructions --------------------

void JumpOut(int, siginfo_t* si, void*) {
  g_info = *si;
  g_count = g_count + 1;
  siglongjmp(g_jump, 1);
}

TEST(Fault, UnmappedAddressGivesSegvMaperr) {
  Reset();
  ScopedHandler h(SIGSEGV, JumpOut);
  const size_t page = conf::PageSize();
  char* p = static_cast<char*>(mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(p, MAP_FAILED);
  ASSERT_SYS_OK(munmap(p, page));
  volatile char* target = p + 123;
  if (sigsetjmp(g_jump, 1) == 0) {
    *target = 1;
    FAIL() << "store to an unmapped page did not fault";
  }
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_info.si_signo, SIGSEGV);
  EXPECT_EQ(g_info.si_code, SEGV_MAPERR);
  EXPECT_EQ(g_info.si_addr, p + 123);
}

TEST(Fault, ProtNonePageGivesSegvAccerr) {
  Reset();
  ScopedHandler h(SIGSEGV, JumpOut);
  conf::GuardedPage g;
  volatile char* target = g.End() + 7;
  if (sigsetjmp(g_jump, 1) == 0) {
    (void)*target;
    FAIL() << "read of a PROT_NONE page did not fault";
  }
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_info.si_code, SEGV_ACCERR);
  EXPECT_EQ(g_info.si_addr, g.End() + 7);
}

TEST(Fault, WriteToReadOnlyPageGivesSegvAccerr) {
  Reset();
  ScopedHandler h(SIGSEGV, JumpOut);
  const size_t page = conf::PageSize();
  char* p = static_cast<char*>(mmap(nullptr, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(p, MAP_FAILED);
  volatile char* target = p + 8;
  if (sigsetjmp(g_jump, 1) == 0) {
    *target = 1;
    FAIL() << "write to a read-only page did not fault";
  }
  munmap(p, page);
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_info.si_code, SEGV_ACCERR);
  EXPECT_EQ(g_info.si_addr, p + 8);
}

TEST(Fault, IntegerDivideByZeroGivesFpeIntdiv) {
  Reset();
  ScopedHandler h(SIGFPE, JumpOut);
  volatile int zero = 0;
  volatile int result = 0;
  uint64_t insn = 0;
  if (sigsetjmp(g_jump, 1) == 0) {
    int a = 10, d = zero;
    asm volatile(
        "lea 1f(%%rip), %%rcx\n"
        "mov %%rcx, %[insn]\n"
        "cltd\n"
        "1: idivl %[d]\n"
        : "+a"(a), [insn] "=m"(insn)
        : [d] "r"(d)
        : "rcx", "rdx", "cc");
    result = a;
    FAIL() << "division by zero did not trap";
  }
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_info.si_signo, SIGFPE);
  EXPECT_EQ(g_info.si_code, FPE_INTDIV);
  EXPECT_EQ(reinterpret_cast<uint64_t>(g_info.si_addr), insn);
  (void)result;
}

TEST(Fault, Int3GivesSigtrapWithRipAfterIt) {
  Reset();
  static greg_t rip = 0;
  ScopedHandler h(SIGTRAP, [](int, siginfo_t* si, void* ctx) {
    g_info = *si;
    rip = static_cast<ucontext_t*>(ctx)->uc_mcontext.gregs[REG_RIP];
    g_count = g_count + 1;
  });
  uint64_t after = 0;
  asm volatile("int3\n1:\nlea 1b(%%rip), %%rcx\nmov %%rcx, %0\n" : "=m"(after) : : "rcx");
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_info.si_signo, SIGTRAP);
  EXPECT_EQ(g_info.si_code, SI_KERNEL);
  EXPECT_EQ(static_cast<uint64_t>(rip), after);  // resumes after the int3
}

TEST(Fault, BlockedFaultSignalKillsTheProcess) {
  pid_t pid = ForkChild([] {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGILL);
    sigprocmask(SIG_BLOCK, &s, nullptr);
    asm volatile("ud2");
    return 0;
  });
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGILL);
}

TEST(Fault, IgnoredFaultSignalKillsTheProcess) {
  pid_t pid = ForkChild([] {
    signal(SIGSEGV, SIG_IGN);
    *conf::Opaque(static_cast<volatile int*>(nullptr)) = 1;
    return 0;
  });
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGSEGV);
}

TEST(Fault, FaultInsideItsOwnHandlerKills) {
  pid_t pid = ForkChild([] {
    struct sigaction sa{};
    sa.sa_handler = [](int) { asm volatile("ud2"); };  // SIGILL is blocked here
    sigaction(SIGILL, &sa, nullptr);
    asm volatile("ud2");
    return 0;
  });
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGILL);
}

}  // namespace
