// exec_image against the fake host and a hostfs root: segments in memory,
// the initial stack exactly as Linux lays it out, and the error cases.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <set>

#include <gtest/gtest.h>

#include "kernel/Kernel.h"
#include "kernel/exec/Elf.h"
#include "kernel/exec/Exec.h"
#include "kernel/exec/Script.h"
#include "kernel/exec/Stack.h"
#include "pico/fake/FakeHost.h"

namespace {

namespace elf = lx::elf;
using pico::fake::FakeProcess;

constexpr uint64_t kText = 0x400000, kEntry = 0x400180, kData = 0x401010;

struct TinyElf {
  uint16_t type = elf::kTypeExec;
  uint16_t machine = elf::kMachineX86_64;
  uint16_t phnum = 2;
  uint64_t bias = 0;         // link addresses are kText/kData + bias (for ET_DYN: 0)
  std::string interp;        // adds a PT_INTERP when set
  int gnu_stack = -1;        // p_flags of a PT_GNU_STACK; none if negative
};

// A two-segment program: text (headers + code, r-x) and data (32 bytes of
// file, 0x3000 of memory, rw-) whose vaddr is not page aligned.
std::string make_elf(const TinyElf& t) {
  std::string f(0x1030, '\0');
  elf::Ehdr eh{};
  std::memcpy(eh.ident, elf::kMagic, 4);
  eh.ident[elf::kIdentClass] = elf::kClass64;
  eh.ident[elf::kIdentData] = elf::kDataLsb;
  eh.ident[6] = 1;
  eh.type = t.type;
  eh.machine = t.machine;
  eh.version = 1;
  eh.entry = kEntry + t.bias;
  eh.phoff = sizeof(elf::Ehdr);
  eh.ehsize = sizeof(elf::Ehdr);
  eh.phentsize = sizeof(elf::Phdr);
  eh.phnum = static_cast<uint16_t>(t.phnum + (t.interp.empty() ? 0 : 1) + (t.gnu_stack >= 0 ? 1 : 0));
  std::memcpy(f.data(), &eh, sizeof eh);
  std::vector<elf::Phdr> ph;
  ph.push_back({elf::kPtLoad, elf::kPfR | elf::kPfX, 0, kText + t.bias, 0, 0x200, 0x200, 0x1000});
  ph.push_back({elf::kPtLoad, elf::kPfR | elf::kPfW, 0x1010, kData + t.bias, 0, 0x20, 0x3000, 0x1000});
  if (!t.interp.empty()) {
    ph.push_back({elf::kPtInterp, elf::kPfR, 0x1c0, 0, 0, t.interp.size() + 1, t.interp.size() + 1, 1});
    std::memcpy(f.data() + 0x1c0, t.interp.c_str(), t.interp.size() + 1);
  }
  if (t.gnu_stack >= 0) ph.push_back({elf::kPtGnuStack, static_cast<uint32_t>(t.gnu_stack), 0, 0, 0, 0, 0, 16});
  std::memcpy(f.data() + sizeof eh, ph.data(), ph.size() * sizeof(elf::Phdr));
  std::memset(f.data() + 0x180, 0xcc, 0x20);        // "code"
  std::memset(f.data() + 0x1000, 0x11, 0x10);       // shares the data page, before vaddr
  std::memset(f.data() + 0x1010, 0x22, 0x20);       // .data
  return f;
}

class Exec : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lx-exec-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root = tmpl;
    write("prog", make_elf({}), 0755);
    auto vfs = lx::Vfs::create(root, true);
    ASSERT_TRUE(vfs.ok());
    lx::KernelConfig cfg;
    cfg.uid = 1000;
    cfg.gid = 1000;
    kernel = std::make_unique<lx::Kernel>(host, vfs.release_value(), cfg);
    make_task(kernel.get());
  }
  void TearDown() override { std::filesystem::remove_all(root); }

  void make_task(lx::Kernel* k) {
    auto p = std::make_unique<FakeProcess>();
    proc = p.get();
    tg = std::make_unique<lx::ThreadGroup>(*k, std::move(p), 1);
    // As run_program gives the init process the configured ids (auxv reports the task's).
    tg->uid = tg->euid = tg->suid = tg->fsuid = k->config().uid;
    tg->gid = tg->egid = tg->sgid = tg->fsgid = k->config().gid;
    task = std::make_unique<lx::Task>(*tg, tg->pico().main_thread(), 1);
  }

  void write(const std::string& name, const std::string& data, mode_t mode) {
    std::string path = root + "/" + name;
    std::ofstream(path, std::ios::binary) << data;
    ::chmod(path.c_str(), mode);
  }

  int exec(const std::string& path, std::vector<std::string> argv = {"prog"},
           std::vector<std::string> envp = {"HOME=/root", "K=V"}) {
    lx::Result<void> r = lx::exec_image(*task, lx::ExecRequest{path, std::move(argv), std::move(envp)});
    return r.ok() ? 0 : r.error();
  }

  pico::fake::FakeMemory& mem() { return proc->memory(); }
  uint64_t word(uint64_t addr) { return mem().peek_u64(addr); }

  struct StackView {
    uint64_t argc;
    std::vector<std::string> argv, envp;
    std::vector<std::pair<uint64_t, uint64_t>> auxv;  // in order, AT_NULL included
    std::map<uint64_t, uint64_t> aux;
  };
  StackView read_stack() {
    StackView s;
    uint64_t p = task->regs().rsp;
    s.argc = word(p);
    p += 8;
    for (uint64_t i = 0; i < s.argc; ++i, p += 8) s.argv.push_back(mem().peek_string(word(p)));
    EXPECT_EQ(word(p), 0u) << "argv terminator";
    for (p += 8; word(p) != 0; p += 8) s.envp.push_back(mem().peek_string(word(p)));
    for (p += 8;; p += 16) {
      s.auxv.emplace_back(word(p), word(p + 8));
      s.aux[word(p)] = word(p + 8);
      if (word(p) == elf::kAtNull) break;
    }
    return s;
  }

  std::string root;
  pico::fake::FakeHost host;
  std::unique_ptr<lx::Kernel> kernel;
  FakeProcess* proc = nullptr;
  std::unique_ptr<lx::ThreadGroup> tg;
  std::unique_ptr<lx::Task> task;
};

TEST_F(Exec, LoadsSegmentsWithProtectionsAndBss) {
  ASSERT_EQ(exec("/prog"), 0);
  EXPECT_EQ(task->regs().rip, kEntry);
  auto head = mem().peek(kText, 4);
  EXPECT_EQ(std::memcmp(head.data(), elf::kMagic, 4), 0) << "the text segment maps file offset 0";
  EXPECT_EQ(mem().peek(kEntry, 1)[0], 0xcc);
  EXPECT_EQ(mem().prot_at(kText), pico::kProtRead | pico::kProtExec);
  EXPECT_EQ(mem().peek(0x401000, 1)[0], 0x11) << "file bytes before an unaligned vaddr";
  EXPECT_EQ(mem().peek(kData, 1)[0], 0x22);
  EXPECT_EQ(mem().peek(kData + 0x1f, 1)[0], 0x22);
  EXPECT_EQ(mem().peek(kData + 0x20, 1)[0], 0) << "bss in the last file page is zero";
  EXPECT_EQ(mem().prot_at(kData), pico::kProtRead | pico::kProtWrite);
  EXPECT_TRUE(mem().mapped(0x405000 - 1)) << "kData + memsz, rounded up";
  EXPECT_FALSE(mem().mapped(0x405000));

  lx::MemoryMap& mm = tg->mm();
  EXPECT_GE(mm.brk_start, 0x405000u);
  EXPECT_LT(mm.brk_start, 0x405000u + (32u << 20));
  EXPECT_EQ(mm.brk_start, mm.brk_end);
  EXPECT_EQ(mm.find(kText)->name, "/prog");
  EXPECT_EQ(mm.find(0x402000)->name, "") << "bss pages beyond the file are anonymous";
  EXPECT_EQ(tg->exe_path, "/prog");
  EXPECT_EQ(proc->reserved_violations, 0);
  std::string maps = mm.render_proc_maps();
  EXPECT_NE(maps.find("00400000-00401000 r-xp 00000000"), std::string::npos) << maps;
  EXPECT_NE(maps.find("[stack]"), std::string::npos) << maps;
}

TEST_F(Exec, BuildsTheInitialStackLikeLinux) {
  ASSERT_EQ(exec("/prog", {"prog", "arg one"}), 0);
  const pico::Registers& r = task->regs();
  EXPECT_EQ(r.rsp % 16, 0u);
  EXPECT_EQ(r.rdx, 0u);
  EXPECT_EQ(r.rax | r.rbx | r.rcx | r.rdi | r.rsi | r.rbp | r.fs_base, 0u);
  const lx::Vma* stack = tg->mm().find(r.rsp);
  ASSERT_NE(stack, nullptr);
  EXPECT_EQ(stack->name, "[stack]");
  EXPECT_EQ(stack->end - stack->start, 8u << 20);
  EXPECT_LT(stack->end, pico::fake::kDefaultReserved.start + 1);
  EXPECT_LT(tg->mm().mmap_base(), stack->start);

  StackView s = read_stack();
  EXPECT_EQ(s.argc, 2u);
  EXPECT_EQ(s.argv, (std::vector<std::string>{"prog", "arg one"}));
  EXPECT_EQ(s.envp, (std::vector<std::string>{"HOME=/root", "K=V"}));
  EXPECT_EQ(s.auxv.front().first, uint64_t{elf::kAtMinsigstksz}) << "no vDSO: the arch entries lead";
  EXPECT_EQ(s.aux.count(elf::kAtSysinfoEhdr), 0u);
  EXPECT_EQ(s.aux[elf::kAtPhdr], kText + sizeof(elf::Ehdr));
  EXPECT_EQ(s.aux[elf::kAtPhent], sizeof(elf::Phdr));
  EXPECT_EQ(s.aux[elf::kAtPhnum], 2u);
  EXPECT_EQ(s.aux[elf::kAtPagesz], 4096u);
  EXPECT_EQ(s.aux[elf::kAtClktck], 100u);
  EXPECT_EQ(s.aux[elf::kAtBase], 0u);
  EXPECT_EQ(s.aux[elf::kAtEntry], kEntry);
  EXPECT_EQ(s.aux[elf::kAtUid], 1000u);
  EXPECT_EQ(s.aux[elf::kAtEgid], 1000u);
  EXPECT_EQ(s.aux[elf::kAtSecure], 0u);
  EXPECT_NE(s.aux[elf::kAtHwcap], 0u);
  EXPECT_GE(s.aux[elf::kAtMinsigstksz], 2048u);
  EXPECT_EQ(mem().peek_string(s.aux[elf::kAtExecfn]), "/prog");
  EXPECT_EQ(mem().peek_string(s.aux[elf::kAtPlatform]), "x86_64");
  uint64_t rnd = s.aux[elf::kAtRandom];
  EXPECT_TRUE(stack->start <= rnd && rnd + 16 <= stack->end);
  auto bytes = mem().peek(rnd, 16);
  EXPECT_NE(std::vector<uint8_t>(16, 0), bytes) << "16 random bytes";
  // The string area: argv strings lowest, then envp, then execfn, then a zero word at the top.
  uint64_t argv0 = word(r.rsp + 8);
  EXPECT_EQ(mem().peek_string(argv0 + 5), "arg one");
  EXPECT_EQ(s.aux[elf::kAtExecfn] + 6, stack->end - 8);
  EXPECT_EQ(word(stack->end - 8), 0u);
  EXPECT_EQ(s.auxv.back().first, uint64_t{elf::kAtNull});
}

TEST_F(Exec, EmptyArgvGetsAnEmptyArgv0) {
  ASSERT_EQ(exec("/prog", {}), 0);
  StackView s = read_stack();
  EXPECT_EQ(s.argc, 1u);
  EXPECT_EQ(s.argv[0], "");
}

TEST_F(Exec, RelativePathsResolveAgainstCwd) {
  std::filesystem::create_directory(root + "/dir");
  write("dir/p2", make_elf({}), 0755);
  tg->cwd = "/dir";
  ASSERT_EQ(exec("p2"), 0);
  EXPECT_EQ(tg->exe_path, "/dir/p2");
}

TEST_F(Exec, ErrorsBeforeLoadingLeaveTheProcessUntouched) {
  write("text", "hello, world\n", 0755);
  write("noexec", make_elf({}), 0644);
  std::filesystem::create_directory(root + "/adir");
  ::chmod((root + "/adir").c_str(), 0755);
  EXPECT_EQ(exec("/text"), ENOEXEC);
  EXPECT_EQ(exec("/noexec"), EACCES);
  EXPECT_EQ(exec("/adir"), EACCES);
  EXPECT_EQ(exec("/missing"), ENOENT);
  EXPECT_EQ(exec("/prog/x"), ENOTDIR);
  EXPECT_EQ(exec(""), ENOENT);
  EXPECT_EQ(proc->fake_main_thread().map_calls, 0);
  EXPECT_EQ(lx::exec_failure_status(ENOENT), 127);
  EXPECT_EQ(lx::exec_failure_status(ENOEXEC), 126);
  EXPECT_EQ(lx::exec_failure_status(EACCES), 126);
}

TEST_F(Exec, MalformedElfIsEnoexec) {
  TinyElf arm;
  arm.machine = 183;  // EM_AARCH64
  write("arm", make_elf(arm), 0755);
  TinyElf rel;
  rel.type = 1;  // ET_REL
  write("rel", make_elf(rel), 0755);
  TinyElf nophdr;
  nophdr.phnum = 0;
  write("nophdr", make_elf(nophdr), 0755);
  std::string c32 = make_elf({});
  c32[elf::kIdentClass] = 1;
  write("c32", c32, 0755);
  std::string huge = make_elf({});
  // p_memsz of the data segment wraps the address space.
  uint64_t bad = ~0ull - 0x10;
  std::memcpy(huge.data() + 64 + 56 + 40, &bad, 8);
  write("huge", huge, 0755);
  std::string filebig = make_elf({});
  uint64_t fsz = 0x4000;  // p_filesz > p_memsz
  std::memcpy(filebig.data() + 64 + 56 + 32, &fsz, 8);
  write("filebig", filebig, 0755);
  write("short", std::string("\x7f" "ELF", 4), 0755);

  for (const char* name : {"/arm", "/rel", "/nophdr", "/c32", "/huge", "/filebig", "/short"})
    EXPECT_EQ(exec(name), ENOEXEC) << name;
  EXPECT_EQ(proc->fake_main_thread().map_calls, 0);
}

TEST_F(Exec, StaticPieLoadsAtARandomizedBase) {
  TinyElf pie;
  pie.type = elf::kTypeDyn;
  pie.bias = static_cast<uint64_t>(-static_cast<int64_t>(kText));  // link at 0
  write("pie", make_elf(pie), 0755);
  ASSERT_EQ(exec("/pie"), 0);
  uint64_t rip = task->regs().rip;
  EXPECT_EQ(rip % 4096, kEntry % 4096);
  EXPECT_GE(rip, 0x555555554000u);
  EXPECT_LT(rip, 0x555555554000u + (1ull << 33));
  StackView s = read_stack();
  EXPECT_EQ(s.aux[elf::kAtEntry], rip);
  EXPECT_EQ(s.aux[elf::kAtPhdr], rip - (kEntry - kText) + sizeof(elf::Ehdr));
  EXPECT_EQ(mem().peek(s.aux[elf::kAtPhdr] - sizeof(elf::Ehdr), 1)[0], 0x7f);
}

TEST_F(Exec, InterpreterIsLoadedAndEntered) {
  TinyElf ld;
  ld.type = elf::kTypeDyn;
  ld.bias = static_cast<uint64_t>(-static_cast<int64_t>(kText));
  write("ld.so", make_elf(ld), 0755);
  TinyElf dyn;
  dyn.interp = "/ld.so";
  write("dyn", make_elf(dyn), 0755);
  ASSERT_EQ(exec("/dyn"), 0);
  StackView s = read_stack();
  uint64_t base = s.aux[elf::kAtBase];
  EXPECT_NE(base, 0u);
  EXPECT_EQ(base % 4096, 0u);
  EXPECT_EQ(task->regs().rip, base + (kEntry - kText));
  EXPECT_EQ(s.aux[elf::kAtEntry], kEntry) << "AT_ENTRY is the program's, not the interpreter's";
  EXPECT_LT(base, tg->mm().mmap_base());
  EXPECT_EQ(tg->mm().find(base)->name, "/ld.so");
  EXPECT_EQ(mem().peek(base + 0x180, 1)[0], 0xcc);

  TinyElf missing;
  missing.interp = "/lib/nope.so";
  write("dyn2", make_elf(missing), 0755);
  make_task(kernel.get());
  EXPECT_EQ(exec("/dyn2"), ENOENT);
  write("broken.so", "not an elf at all", 0755);
  TinyElf broken;
  broken.interp = "/broken.so";
  write("dyn3", make_elf(broken), 0755);
  EXPECT_EQ(exec("/dyn3"), ELIBBAD);
}

TEST_F(Exec, ScriptsRunTheirInterpreter) {
  write("script", "#!/prog  -x  y \necho hi\n", 0755);
  ASSERT_EQ(exec("/script", {"script", "a1"}), 0);
  StackView s = read_stack();
  EXPECT_EQ(s.argv, (std::vector<std::string>{"/prog", "-x  y", "/script", "a1"}));
  EXPECT_EQ(mem().peek_string(s.aux[elf::kAtExecfn]), "/script");
  EXPECT_EQ(tg->exe_path, "/prog");

  write("loop", "#!/loop\n", 0755);
  make_task(kernel.get());
  EXPECT_EQ(exec("/loop"), ELOOP);
  write("empty", "#!   \n", 0755);
  EXPECT_EQ(exec("/empty"), ENOEXEC);
}

TEST_F(Exec, ScriptsNestFiveDeepThenELOOP) {
  // Linux 6.x: a script whose interpreter chain holds five scripts runs, a
  // sixth is ELOOP (checked against the host with #!/path chains).
  write("s0", "#!/prog\n", 0755);
  for (int i = 1; i <= 5; ++i) write("s" + std::to_string(i), "#!/s" + std::to_string(i - 1) + "\n", 0755);
  ASSERT_EQ(exec("/s4"), 0);
  StackView s = read_stack();
  EXPECT_EQ(s.argv, (std::vector<std::string>{"/prog", "/s0", "/s1", "/s2", "/s3", "/s4"}));
  make_task(kernel.get());
  EXPECT_EQ(exec("/s5"), ELOOP);
}

TEST_F(Exec, GnuStackWithPfXMakesTheStackExecutable) {
  auto stack_prot = [&] {
    for (const lx::Vma& v : tg->mm().vmas())
      if (v.name == "[stack]") return v.prot;
    return -1;
  };
  ASSERT_EQ(exec("/prog"), 0);
  EXPECT_EQ(stack_prot(), PROT_READ | PROT_WRITE) << "no PT_GNU_STACK: not executable on x86-64";
  TinyElf nx;
  nx.gnu_stack = elf::kPfR | elf::kPfW;
  write("nx", make_elf(nx), 0755);
  make_task(kernel.get());
  ASSERT_EQ(exec("/nx"), 0);
  EXPECT_EQ(stack_prot(), PROT_READ | PROT_WRITE);
  TinyElf x;
  x.gnu_stack = elf::kPfR | elf::kPfW | elf::kPfX;
  write("x", make_elf(x), 0755);
  make_task(kernel.get());
  ASSERT_EQ(exec("/x"), 0);
  EXPECT_EQ(stack_prot(), PROT_READ | PROT_WRITE | PROT_EXEC);
  uint64_t sp = task->regs().rsp;
  EXPECT_EQ(mem().prot_at(sp), PROT_READ | PROT_WRITE | PROT_EXEC) << "the host mapping too";
}

TEST_F(Exec, PieAndInterpreterBasesAreRandomizedPerExec) {
  TinyElf ld;
  ld.type = elf::kTypeDyn;
  ld.bias = static_cast<uint64_t>(-static_cast<int64_t>(kText));
  write("ld.so", make_elf(ld), 0755);
  TinyElf pie = ld;
  pie.interp = "/ld.so";
  write("pie", make_elf(pie), 0755);
  std::set<uint64_t> mains, interps;
  for (int i = 0; i < 4; ++i) {
    make_task(kernel.get());
    ASSERT_EQ(exec("/pie"), 0);
    StackView s = read_stack();
    mains.insert(s.aux[elf::kAtPhdr]);
    interps.insert(s.aux[elf::kAtBase]);
    // mmap-region style: the interpreter sits below mmap_base, the PIE
    // program in the ELF_ET_DYN_BASE window.
    EXPECT_LT(s.aux[elf::kAtBase], tg->mm().mmap_base());
    EXPECT_GE(s.aux[elf::kAtPhdr], 0x555555554000u);
  }
  EXPECT_GT(mains.size(), 1u);
  EXPECT_GT(interps.size(), 1u);
}

TEST_F(Exec, ArgumentLimitsAreE2big) {
  EXPECT_EQ(exec("/prog", {"prog", std::string(lx::kMaxArgStrlen, 'x')}), E2BIG);
  std::vector<std::string> many(40, std::string(64 * 1024, 'e'));
  EXPECT_EQ(exec("/prog", {"prog"}, many), E2BIG);
  EXPECT_EQ(proc->fake_main_thread().map_calls, 0);
  EXPECT_EQ(exec("/prog", {"prog", std::string(lx::kMaxArgStrlen - 1, 'x')}), 0);
}

TEST(ScriptLine, ParsesLikeBinfmtScript) {
  auto parse = [](const std::string& s) {
    return lx::parse_script_line(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  };
  EXPECT_FALSE(parse("\x7f" "ELF").value().has_value());
  auto a = parse("#!/bin/sh\n").value();
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->interpreter, "/bin/sh");
  EXPECT_FALSE(a->arg.has_value());
  auto b = parse("#! /usr/bin/env  python3 -u \t\nprint()").value();
  EXPECT_EQ(b->interpreter, "/usr/bin/env");
  EXPECT_EQ(*b->arg, "python3 -u");
  EXPECT_EQ(parse("#!" + std::string(300, 'a')).error(), ENOEXEC) << "name cut off by the 256-byte header";
  EXPECT_TRUE(parse("#!/bin/sh " + std::string(300, 'a')).ok());
}

TEST(InitialStack, LayoutAndLimits) {
  lx::StackSpec spec;
  spec.top = 0x7ff000000000;
  spec.max_size = 1 << 20;
  spec.argv = {"a", "bc"};
  spec.envp = {"E=1"};
  spec.execfn = "/x";
  spec.jitter = 100;
  spec.auxv = {{elf::kAtPagesz, 4096}, {elf::kAtRandom, 0}};
  auto st = lx::build_initial_stack(spec).value();
  EXPECT_EQ(st.sp % 16, 0u);
  auto word = [&](uint64_t a) {
    uint64_t v;
    std::memcpy(&v, st.bytes.data() + (a - st.sp), 8);
    return v;
  };
  EXPECT_EQ(word(st.sp), 2u);
  uint64_t a0 = word(st.sp + 8);
  EXPECT_EQ(word(st.sp + 16), a0 + 2) << "argv strings are contiguous, argv[0] first";
  EXPECT_EQ(word(st.sp + 24), 0u);
  EXPECT_EQ(word(st.sp + 32), a0 + 5);
  EXPECT_EQ(word(st.sp + 40), 0u);
  EXPECT_EQ(word(st.sp + 48), uint64_t{elf::kAtPagesz});
  EXPECT_EQ(word(st.sp + 72), st.random_addr);
  EXPECT_EQ(word(st.sp + 80), uint64_t{elf::kAtNull});
  EXPECT_EQ(st.execfn_addr, spec.top - 8 - 3);
  EXPECT_LT(st.random_addr, st.platform_addr);
  EXPECT_LT(st.platform_addr, a0);

  spec.max_size = 64;
  EXPECT_EQ(lx::build_initial_stack(spec).error(), E2BIG);
}

TEST(ExecRealBinaries, StaticBusyboxFromTheHost) {
  if (access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "no /bin/busybox";
  pico::fake::FakeHost host;
  lx::Kernel kernel(host, lx::Vfs::create("/", true).release_value(), lx::KernelConfig{});
  auto p = std::make_unique<FakeProcess>();
  FakeProcess* proc = p.get();
  lx::ThreadGroup tg(kernel, std::move(p), 1);
  lx::Task task(tg, tg.pico().main_thread(), 1);
  auto r = lx::exec_image(task, lx::ExecRequest{"/bin/busybox", {"busybox", "true"}, {}});
  ASSERT_TRUE(r.ok()) << r.error();
  // The entry point's bytes are the file's bytes.
  EXPECT_TRUE(proc->memory().mapped(task.regs().rip));
  EXPECT_NE(proc->memory().prot_at(task.regs().rip) & pico::kProtExec, 0);
  EXPECT_EQ(proc->reserved_violations, 0);
}

TEST(ExecRealBinaries, DynamicLsLoadsTheHostInterpreter) {
  if (access("/bin/ls", X_OK) != 0) GTEST_SKIP() << "no /bin/ls";
  pico::fake::FakeHost host;
  lx::Kernel kernel(host, lx::Vfs::create("/", true).release_value(), lx::KernelConfig{});
  auto p = std::make_unique<FakeProcess>();
  lx::ThreadGroup tg(kernel, std::move(p), 1);
  lx::Task task(tg, tg.pico().main_thread(), 1);
  auto r = lx::exec_image(task, lx::ExecRequest{"/bin/ls", {"ls"}, {}});
  ASSERT_TRUE(r.ok()) << r.error();
  const lx::Vma* at_entry = tg.mm().find(task.regs().rip);
  ASSERT_NE(at_entry, nullptr);
  EXPECT_NE(at_entry->name.find("ld-linux"), std::string::npos) << tg.mm().render_proc_maps();
}

}  // namespace
