#include "kernel/exec/Exec.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <span>

#include "kernel/Kernel.h"
#include "kernel/exec/CpuInfo.h"
#include "kernel/exec/Elf.h"
#include "kernel/exec/ElfLoader.h"
#include "kernel/exec/Script.h"
#include "kernel/exec/Stack.h"
#include "kernel/mm/AddressSpace.h"
#include "kernel/syscalls/Process.h"
#include "kernel/vfs/Permission.h"

namespace lx {

namespace {

constexpr uint32_t kModeTypeMask = 0170000, kModeRegular = 0100000;
constexpr int kOpenReadOnly = 0;
constexpr int kMaxScriptDepth = 4;                    // binfmt rewrites after the first script
constexpr uint64_t kEtDynBase = 0x555555554000ull;    // ELF_ET_DYN_BASE: 2/3 of the 47-bit space
constexpr uint64_t kTopRegion = 0x7f0000000000ull;    // reserved ranges above this cap the stack
constexpr uint64_t kDefaultStack = 8ull << 20;
constexpr uint64_t kMinStack = 128ull << 10, kMaxStack = 1ull << 30;
constexpr uint64_t kMinStackGap = 128ull << 20;       // mmap_base stays this far below the stack
constexpr uint64_t kClockTicks = 100;

// Randomization ranges, in pages (smaller than Linux's; enough to make
// addresses differ from run to run without crowding the fixed regions).
constexpr uint64_t kStackRndPages = 1u << 14, kMmapRndPages = 1u << 16, kPieRndPages = 1u << 20;
constexpr uint64_t kBrkRndPages = (32ull << 20) / kPageSize;  // Linux: brk start within 32 MiB

uint64_t random_u64() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) | rd();
}
uint64_t random_pages(uint64_t n) { return (random_u64() % n) * kPageSize; }

// The caller's execute permission (the VFS's DAC rules: root needs some x
// bit) on the file the path names; `st` receives its attributes (set-id bits).
Result<OpenFileRef> open_executable(Task& task, const std::string& path, abi::Stat* st_out = nullptr) {
  Vfs& vfs = task.kernel().vfs();
  // Checked before opening: opening a FIFO for reading would block.
  abi::Stat st = TRY(vfs.stat(task.tg().cwd, path, /*follow=*/true));
  if ((st.st_mode & kModeTypeMask) != kModeRegular) return err(EACCES);
  TRY(generic_permission(st, kMayExec, vfs.cred()));
  OpenFileRef file = TRY(vfs.open(task.tg().cwd, path, kOpenReadOnly, 0));
  // do_open_execat(): nothing on a noexec mount runs; set-id bits on a
  // nosuid mount are ignored (bprm_fill_uid).
  if (file->mount_noexec()) return err(EACCES);
  if (file->mount_nosuid()) st.st_mode &= ~06000u;
  if (st_out) *st_out = st;
  return file;
}

// Everything exec needs, gathered before the old image is destroyed.
struct Program {
  std::string path;  // the binary actually loaded (the interpreter of a script)
  std::vector<std::string> argv;
  OpenFileRef file;
  abi::Stat st{};  // of `file`: its set-id bits and owner decide the new credentials
  ElfFile elf;
  OpenFileRef interp_file;
  ElfFile interp;
};

// The canonical guest path of a loaded image (symlinks followed, as Linux's
// /proc/<pid>/exe and maps name it), or the path as given if unknown.
std::string image_path(const OpenFileRef& file, const std::string& cwd, const std::string& path) {
  if (file && !file->guest_path().empty()) return file->guest_path();
  return join_guest_path(cwd, path);
}

Result<Program> resolve_program(Task& task, const ExecRequest& req) {
  Program prog;
  prog.path = req.path;
  prog.argv = req.argv;
  // Linux 5.18+: an empty argv gets "" as argv[0] so programs can rely on it.
  if (prog.argv.empty()) prog.argv.emplace_back();
  for (int depth = 0;; ++depth) {
    prog.file = TRY(open_executable(task, prog.path, &prog.st));
    uint8_t head[kScriptHeaderSize];
    uint64_t got = TRY(prog.file->pread(std::span<uint8_t>(head, sizeof head), 0));
    auto script = TRY(parse_script_line(std::span<const uint8_t>(head, static_cast<size_t>(got))));
    if (!script) break;
    // fs/exec.c exec_binprm(): the program plus up to 5 interpreters may
    // be scripts; a sixth script is ELOOP (measured on Linux 6.x).
    if (depth > kMaxScriptDepth) return err(ELOOP);
    prog.argv = script_argv(*script, prog.path, prog.argv);
    prog.path = script->interpreter;
  }
  prog.elf = TRY(read_elf(*prog.file, ENOEXEC));
  if (!prog.elf.is_dyn()) {
    MemoryMap probe;  // the program's fixed addresses must be ours to map
    probe.set_reserved(task.tg().mm().reserved());
    TRY(choose_load_bias(probe, prog.elf, 0));
  }
  if (!prog.elf.interp.empty()) {
    prog.interp_file = TRY(open_executable(task, prog.elf.interp));
    prog.interp = TRY(read_elf(*prog.interp_file, ELIBBAD));
  }
  return prog;
}

// A set-user-ID file makes its owner the effective user, a set-group-ID
// file (group-executable: otherwise the bit means mandatory locking) its
// group the effective group (bprm_fill_uid). The saved and filesystem ids
// follow at the end of exec. The file was already found executable.
void apply_setid(ThreadGroup& tg, const abi::Stat& st) {
  if (st.st_mode & 04000) tg.euid = st.st_uid;
  if ((st.st_mode & 02010) == 02010) tg.egid = st.st_gid;
  if (tg.euid != tg.uid || tg.egid != tg.gid) tg.dumpable = 0;
}

uint64_t stack_size_for(ThreadGroup& tg) {
  uint64_t cur = tg.rlimits[kRlimitStack].cur;
  if (cur == 0 || cur == kRlimInfinity) return kDefaultStack;
  cur = std::clamp(cur, kMinStack, kMaxStack);
  return page_down(cur);
}

// The stack goes just under the lowest host-reserved range near the top of
// the address space (the Linux backend's stub arena), like the real stack
// sits just under TASK_SIZE.
Result<uint64_t> place_stack(const MemoryMap& mm, uint64_t size) {
  uint64_t ceiling = MemoryMap::kUserEnd;
  for (const auto& r : mm.reserved())
    if (r.start >= kTopRegion && r.start < ceiling) ceiling = page_down(r.start);
  uint64_t top = ceiling - random_pages(kStackRndPages);
  if (top >= size && mm.usable(top - size, top) && mm.is_free(top - size, top)) return top;
  uint64_t bottom = TRY(mm.find_free_in(size, MemoryMap::kMinAddr, ceiling));
  return bottom + size;
}

std::vector<AuxEntry> make_auxv(Task& task, const LoadedElf& main, const ElfFile& elf, uint64_t interp_base) {
  std::vector<AuxEntry> aux;
  if (uint64_t vdso = task.tg().pico().vdso_base()) aux.push_back({elf::kAtSysinfoEhdr, vdso});
  aux.push_back({elf::kAtMinsigstksz, cpu_min_sigstack_size()});
  aux.push_back({elf::kAtHwcap, cpu_hwcap()});
  aux.push_back({elf::kAtPagesz, kPageSize});
  aux.push_back({elf::kAtClktck, kClockTicks});
  aux.push_back({elf::kAtPhdr, main.phdr});
  aux.push_back({elf::kAtPhent, sizeof(elf::Phdr)});
  aux.push_back({elf::kAtPhnum, elf.ehdr.phnum});
  aux.push_back({elf::kAtBase, interp_base});
  aux.push_back({elf::kAtFlags, 0});
  aux.push_back({elf::kAtEntry, main.entry});
  const ThreadGroup& tg = task.tg();
  aux.push_back({elf::kAtUid, tg.uid});
  aux.push_back({elf::kAtEuid, tg.euid});
  aux.push_back({elf::kAtGid, tg.gid});
  aux.push_back({elf::kAtEgid, tg.egid});
  // Linux's secureexec: the new effective ids differ from the real ones
  // (a set-id program), so the dynamic loader ignores LD_* variables.
  aux.push_back({elf::kAtSecure, tg.euid != tg.uid || tg.egid != tg.gid ? 1u : 0u});
  aux.push_back({elf::kAtRandom, 0});  // address filled in by the stack builder
  aux.push_back({elf::kAtHwcap2, 0});  // no FSGSBASE/ring-3 mwait offered
  aux.push_back({elf::kAtExecfn, 0});
  aux.push_back({elf::kAtPlatform, 0});
  return aux;
}

// After the point of no return: builds the new image into the emptied
// address space.
Result<void> load_program(Task& task, const ExecRequest& req, const Program& prog, uint64_t stack_size) {
  MemoryMap& mm = task.tg().mm();
  const uint64_t stack_top = TRY(place_stack(mm, stack_size));
  const int stack_prot = pico::kProtRead | pico::kProtWrite | (prog.elf.exec_stack ? pico::kProtExec : 0);
  TRY(map_fixed(task, make_vma(stack_top - stack_size, stack_top, stack_prot, "[stack]")));
  const uint64_t gap = std::max(kMinStackGap, stack_size);
  const uint64_t below_stack = stack_top - stack_size;
  mm.set_mmap_base(below_stack > gap + kMmapRndPages * kPageSize
                       ? below_stack - gap - random_pages(kMmapRndPages)
                       : below_stack);

  uint64_t bias = TRY(choose_load_bias(mm, prog.elf, kEtDynBase + random_pages(kPieRndPages)));
  const std::string& cwd = task.tg().cwd;
  LoadedElf main = TRY(load_elf(task, prog.elf, prog.file, image_path(prog.file, cwd, prog.path), bias));
  uint64_t entry = main.entry, interp_base = 0;
  if (prog.interp_file) {
    uint64_t ibias = TRY(choose_load_bias(mm, prog.interp, 0));
    LoadedElf interp =
        TRY(load_elf(task, prog.interp, prog.interp_file, image_path(prog.interp_file, cwd, prog.elf.interp), ibias));
    entry = interp.entry;
    interp_base = interp.bias;
  }

  uint64_t brk = 0;
  if (!page_up(main.end, &brk)) return err(ENOMEM);
  uint64_t shifted = brk + random_pages(kBrkRndPages);
  if (mm.usable(shifted, shifted + kPageSize) && mm.is_free(brk, shifted + kPageSize)) brk = shifted;
  mm.brk_start = mm.brk_end = brk;

  StackSpec spec;
  spec.top = stack_top;
  spec.max_size = stack_size;
  spec.argv = prog.argv;
  spec.envp = req.envp;
  spec.execfn = req.path;
  uint64_t r0 = random_u64(), r1 = random_u64();
  std::memcpy(spec.random.data(), &r0, 8);
  std::memcpy(spec.random.data() + 8, &r1, 8);
  spec.jitter = random_u64() % 8192;
  spec.auxv = make_auxv(task, main, prog.elf, interp_base);
  InitialStack stack = TRY(build_initial_stack(spec));
  TRY(task.tg().pico().write_memory(stack.sp, stack.bytes.data(), stack.bytes.size()));

  pico::Registers& regs = task.regs();
  regs = pico::Registers{};
  regs.rip = entry;
  regs.rsp = stack.sp;  // rdx stays 0: no rtld_fini for the program to register
  return {};
}

}  // namespace

Result<void> exec_image(Task& task, const ExecRequest& req,
                        const std::function<Result<void>(Task&)>& replace_mm) {
  Program prog = TRY(resolve_program(task, req));
  const uint64_t stack_size = stack_size_for(task.tg());
  TRY(check_arg_limits(prog.argv, req.envp, req.path, stack_size));

  // Point of no return.
  if (replace_mm)
    TRY(replace_mm(task));
  else
    TRY(unmap_all(task));
  task.tg().pico().forget_syscall_sites();
  apply_setid(task.tg(), prog.st);
  TRY(load_program(task, req, prog, stack_size));
  task.tg().exe_path = image_path(prog.file, task.tg().cwd, prog.path);
  // comm is the last component of the name exec was given (a script's
  // own name, a symlink's name), not of the file it led to.
  task.comm = req.path.substr(req.path.rfind('/') + 1).substr(0, 15);
  task.tg().environ = req.envp;
  return {};
}

int exec_failure_status(int error) { return error == ENOENT || error == ENOTDIR ? 127 : 126; }

}  // namespace lx
