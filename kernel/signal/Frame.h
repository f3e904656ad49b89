// The x86-64 rt_sigframe, laid out exactly as Linux builds it on the user
// stack, so glibc, unwinders and language runtimes read it unchanged.
#pragma once

#include <cstdint>

#include "kernel/signal/SigInfo.h"

namespace lx::abi {

struct SigStack {  // stack_t
  uint64_t sp;
  int32_t flags;
  int32_t pad;
  uint64_t size;
};
static_assert(sizeof(SigStack) == 24);

struct SigContext {  // struct sigcontext (64-bit)
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
  uint16_t cs, gs, fs, ss;
  uint64_t err, trapno, oldmask, cr2;
  uint64_t fpstate;  // guest address of the XSAVE area, or 0
  uint64_t reserved1[8];
};
static_assert(sizeof(SigContext) == 256);

struct UContext {  // the kernel's struct ucontext (sigset_t is 8 bytes)
  uint64_t flags;
  uint64_t link;
  SigStack stack;
  SigContext mcontext;
  uint64_t sigmask;
};
static_assert(sizeof(UContext) == 304);

struct RtSigframe {
  uint64_t pretcode;  // sa_restorer: where the handler's `ret` goes
  UContext uc;
  SigInfo info;
};
static_assert(sizeof(RtSigframe) == 440);

constexpr uint64_t kUcFpXstate = 1, kUcSigcontextSs = 2, kUcStrictRestoreSs = 4;
constexpr int kSsOnstack = 1, kSsDisable = 2;
constexpr uint32_t kSsAutodisarm = 1u << 31;

}  // namespace lx::abi
