// The initial process stack as Linux's create_elf_tables() lays it out, built
// as a byte image so it can be checked without a guest:
//
//   top:  8 zero bytes, execfn, envp strings, argv strings (argv[0] lowest)
//         (random jitter, 16-byte alignment)
//         platform string, 16 AT_RANDOM bytes
//         padding to 16 bytes
//   sp:   argc, argv[0..argc), NULL, envp[0..envc), NULL, auxv pairs, AT_NULL
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kernel/base/Result.h"

namespace lx {

struct AuxEntry {
  uint64_t type;
  uint64_t value;
};

struct StackSpec {
  uint64_t top = 0;         // one past the highest stack byte
  uint64_t max_size = 0;    // bytes the image may use (E2BIG beyond)
  std::vector<std::string> argv, envp;
  std::string execfn;
  std::string platform = "x86_64";
  std::array<uint8_t, 16> random{};
  uint64_t jitter = 0;      // bytes dropped below the strings (arch_align_stack randomness), < 8192
  // Auxiliary vector without AT_NULL; AT_RANDOM, AT_EXECFN and AT_PLATFORM
  // values are filled in with the addresses of their data on the stack.
  std::vector<AuxEntry> auxv;
};

struct InitialStack {
  uint64_t sp = 0;                // where argc is: the guest's rsp
  std::vector<uint8_t> bytes;     // contents of [sp, top)
  uint64_t random_addr = 0, execfn_addr = 0, platform_addr = 0;
};

// Limits on argument strings (fs/exec.c): per string, and for all strings
// plus pointers together given a stack size.
constexpr uint64_t kMaxArgStrlen = 32ull * 4096;
Result<void> check_arg_limits(const std::vector<std::string>& argv, const std::vector<std::string>& envp,
                              const std::string& execfn, uint64_t stack_limit);

Result<InitialStack> build_initial_stack(const StackSpec& spec);

}  // namespace lx
