#include "kernel/exec/Stack.h"

#include <algorithm>
#include <cstring>

#include "kernel/exec/Elf.h"

namespace lx {

Result<void> check_arg_limits(const std::vector<std::string>& argv, const std::vector<std::string>& envp,
                              const std::string& execfn, uint64_t stack_limit) {
  // fs/exec.c: a quarter of the stack for strings and pointers, but never
  // less than ARG_MAX (32 pages), never more than 3/4 of _STK_LIM.
  constexpr uint64_t kArgMax = 32ull * 4096, kStkLim = 8ull << 20;
  uint64_t limit = std::min(kStkLim / 4 * 3, stack_limit / 4);
  limit = std::max(limit, kArgMax);
  uint64_t ptrs = (std::max<uint64_t>(argv.size(), 1) + envp.size()) * sizeof(uint64_t);
  if (ptrs > limit) return err(E2BIG);
  uint64_t strings = execfn.size() + 1;
  for (const auto* list : {&argv, &envp})
    for (const std::string& s : *list) {
      if (s.size() + 1 > kMaxArgStrlen) return err(E2BIG);
      strings += s.size() + 1;
    }
  if (strings > limit - ptrs) return err(E2BIG);
  return {};
}

Result<InitialStack> build_initial_stack(const StackSpec& spec) {
  const uint64_t argc = spec.argv.size(), envc = spec.envp.size();
  const uint64_t words = (argc + 1) + (envc + 1) + 1 + 2 * (spec.auxv.size() + 1);
  // Everything the image can need, checked before any address arithmetic.
  uint64_t need = 8 + spec.execfn.size() + 1 + spec.jitter + 15 + spec.platform.size() + 1 + 16 + 15;
  for (const auto* list : {&spec.argv, &spec.envp})
    for (const std::string& s : *list)
      if (__builtin_add_overflow(need, s.size() + 1, &need)) return err(E2BIG);
  if (words > (UINT64_MAX - need) / 8) return err(E2BIG);
  need += words * 8;
  if (need > spec.max_size || need > spec.top) return err(E2BIG);

  struct Placed {
    uint64_t addr;
    const std::string* s;
  };
  std::vector<Placed> strings;
  uint64_t p = spec.top - 8;  // the zero word Linux leaves at the very top
  auto push = [&](const std::string& s) {
    p -= s.size() + 1;
    strings.push_back({p, &s});
    return p;
  };
  InitialStack out;
  out.execfn_addr = push(spec.execfn);
  std::vector<uint64_t> env_addr(envc), arg_addr(argc);
  for (uint64_t i = envc; i-- > 0;) env_addr[i] = push(spec.envp[i]);
  for (uint64_t i = argc; i-- > 0;) arg_addr[i] = push(spec.argv[i]);
  p = (p - spec.jitter) & ~uint64_t{15};
  if (!spec.platform.empty()) out.platform_addr = push(spec.platform);
  p -= 16;
  out.random_addr = p;
  out.sp = (p - words * 8) & ~uint64_t{15};

  out.bytes.assign(spec.top - out.sp, 0);
  auto at = [&](uint64_t addr) { return out.bytes.data() + (addr - out.sp); };
  for (const Placed& s : strings) std::memcpy(at(s.addr), s.s->c_str(), s.s->size() + 1);
  std::memcpy(at(out.random_addr), spec.random.data(), spec.random.size());

  std::vector<uint64_t> table;
  table.reserve(words);
  table.push_back(argc);
  table.insert(table.end(), arg_addr.begin(), arg_addr.end());
  table.push_back(0);
  table.insert(table.end(), env_addr.begin(), env_addr.end());
  table.push_back(0);
  for (AuxEntry e : spec.auxv) {
    if (e.type == elf::kAtRandom) e.value = out.random_addr;
    if (e.type == elf::kAtExecfn) e.value = out.execfn_addr;
    if (e.type == elf::kAtPlatform) e.value = out.platform_addr;
    table.push_back(e.type);
    table.push_back(e.value);
  }
  table.push_back(elf::kAtNull);
  table.push_back(0);
  std::memcpy(at(out.sp), table.data(), table.size() * sizeof(uint64_t));
  return out;
}

}  // namespace lx
