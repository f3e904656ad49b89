// The seccomp filter of a guest process. libseccomp cannot match on the
// instruction pointer, which is the whole point here (the stub's syscalls are
// told apart from the guest's by where they come from), so this small
// program is written as classic BPF directly.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <cstddef>
#include <cstring>

#include "pico/linux/LinuxHost.h"
#include "pico/linux/StubAbi.h"

namespace pico {
namespace {

uint64_t pack(sock_filter f) {
  uint64_t v;
  static_assert(sizeof(f) == sizeof(v));
  std::memcpy(&v, &f, sizeof v);
  return v;
}

// What the stub itself may do, from its own code only.
constexpr int kStubSyscalls[] = {
    SYS_rt_sigreturn, SYS_futex,        SYS_mmap,   SYS_munmap, SYS_mprotect,
    SYS_mremap,       SYS_madvise,      SYS_arch_prctl, SYS_exit, SYS_exit_group,
    SYS_clone,        SYS_sigaltstack, SYS_rt_sigprocmask, SYS_getpid, SYS_gettid,
    SYS_recvmsg,      SYS_close,  // LX_CMD_MAP_FD: receive a host fd to map, then drop it
    SYS_getppid,      SYS_dup2,   // LX_CMD_FORK: check the child's parent, install its socket
    SYS_set_tid_address,          // LX_CMD_EXIT_THREAD: be told when the thread is gone
    SYS_sendto,       SYS_recvfrom, SYS_ppoll,  // LX_CMD_RESUME_IO on a socket lent by the provider
};
// prctl only for this option (LX_CMD_FORK re-arms the death signal in the
// child): the others would let a guest that jumps into stub code change
// process attributes the provider relies on (dumpable, name, mm fields).
constexpr uint32_t kPrSetPdeathsig = 1;

}  // namespace

std::vector<uint64_t> build_stub_filter() {
  constexpr size_t kArch = offsetof(seccomp_data, arch);
  constexpr size_t kNr = offsetof(seccomp_data, nr);
  constexpr size_t kIpHigh = offsetof(seccomp_data, instruction_pointer) + 4;
  constexpr size_t kArg0Low = offsetof(seccomp_data, args);  // prctl's option is an int
  constexpr size_t kCount = std::size(kStubSyscalls);

  // Layout (cBPF jumps are forward offsets, so the verdicts sit at the end):
  //   0-1  arch != x86-64 (int 0x80, x32)        -> TRAP
  //   2-3  instruction pointer outside the arena -> TRAP
  //   4    load nr; then one JEQ per allowlisted number -> ALLOW
  //   prctl: JEQ, load arg0, JEQ PR_SET_PDEATHSIG -> ALLOW, else KILL
  //   KILL (a stub bug, or a guest jumping into stub code), ALLOW, TRAP
  const size_t kPrctl = 5 + kCount;
  const size_t kKill = kPrctl + 3;
  const size_t kAllow = kKill + 1;
  const size_t kTrap = kAllow + 1;
  std::vector<uint64_t> p;
  auto off = [&](size_t target) { return static_cast<uint8_t>(target - p.size() - 1); };
  p.push_back(pack(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArch)));
  p.push_back(pack(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, off(kTrap))));
  p.push_back(pack(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpHigh)));
  p.push_back(pack(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LX_ARENA_HI32, 0, off(kTrap))));
  p.push_back(pack(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr)));
  for (int nr : kStubSyscalls)
    p.push_back(pack(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), off(kAllow), 0)));
  p.push_back(pack(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, off(kKill))));
  p.push_back(pack(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArg0Low)));
  p.push_back(pack(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kPrSetPdeathsig, off(kAllow), off(kKill))));
  p.push_back(pack(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)));
  p.push_back(pack(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)));
  p.push_back(pack(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP)));
  return p;
}

}  // namespace pico
