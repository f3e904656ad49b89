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
};

}  // namespace

std::vector<uint64_t> build_stub_filter() {
  constexpr size_t kArch = offsetof(seccomp_data, arch);
  constexpr size_t kNr = offsetof(seccomp_data, nr);
  constexpr size_t kIpHigh = offsetof(seccomp_data, instruction_pointer) + 4;
  constexpr auto kCount = static_cast<uint8_t>(std::size(kStubSyscalls));

  std::vector<uint64_t> p;
  // 0-1: anything that is not the native x86-64 ABI (int 0x80, x32) traps.
  p.push_back(pack(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArch)));
  p.push_back(pack(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, kCount + 5)));
  // 2-3: from outside the stub arena: trap.
  p.push_back(pack(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kIpHigh)));
  p.push_back(pack(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LX_ARENA_HI32, 0, kCount + 3)));
  // From the stub: the allowlist, everything else kills (a stub bug, or a
  // guest jumping into stub code with other numbers).
  p.push_back(pack(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr)));
  for (uint8_t i = 0; i < kCount; ++i)
    p.push_back(pack(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(kStubSyscalls[i]),
                              static_cast<uint8_t>(kCount - i), 0)));
  p.push_back(pack(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)));
  p.push_back(pack(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)));
  p.push_back(pack(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP)));
  return p;
}

}  // namespace pico
