// strace-format rendering, against guest memory held in a map.
#include "kernel/trace/Trace.h"
#include "pico/fake/FakeHost.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

namespace lx {
namespace {

// Guest memory: one mapped window at kBuf; everything else is unmapped.
struct TraceProcess {
  TraceProcess() { fake.memory().map(0x10000, 0x10000, pico::kProtRead | pico::kProtWrite).release_value(); }
  void put(uint64_t addr, const std::string& s) { fake.write_memory(addr, s.data(), s.size()).release_value(); }
  pico::fake::FakeProcess fake;
};

SyscallEntry entry(const char* name, std::array<Arg, 6> args, bool returns_ptr = false) {
  SyscallEntry e;
  e.name = name;
  e.support = Support::Full;
  e.args = args;
  e.returns_ptr = returns_ptr;
  return e;
}

class TraceTest : public ::testing::Test {
 protected:
  std::string fmt(const SyscallEntry& e, SyscallArgs a, long result) {
    return format_syscall(&e, 0, a, result, mem);
  }
  TraceProcess proc;
  GuestMemory mem{proc.fake};
};

constexpr uint64_t kBuf = 0x10000;
constexpr uint64_t kUnmapped = 0x50000;

TEST_F(TraceTest, OpenatShowsFlagsAndOmitsModeWithoutCreat) {
  auto e = entry("openat", {Arg::DirFd, Arg::Path, Arg::OpenFlags, Arg::Mode});
  proc.put(kBuf, std::string("/etc/passwd\0", 12));
  EXPECT_EQ(fmt(e, {static_cast<uint64_t>(-100), kBuf, 02000000, 0}, 3),
            "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3");
  EXPECT_EQ(fmt(e, {static_cast<uint64_t>(-100), kBuf, 0, 0}, -ENOENT),
            "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = -1 ENOENT (No such file or directory)");
  EXPECT_EQ(fmt(e, {3, kBuf, 01 | 0100 | 01000, 0644}, 4),
            "openat(3, \"/etc/passwd\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4");
  EXPECT_EQ(fmt(e, {3, kBuf, 2 | 04010000, 0}, 4), "openat(3, \"/etc/passwd\", O_RDWR|O_SYNC) = 4");
}

TEST_F(TraceTest, UnreadablePointersPrintAsAddresses) {
  auto e = entry("openat", {Arg::DirFd, Arg::Path, Arg::OpenFlags, Arg::Mode});
  EXPECT_EQ(fmt(e, {3, kUnmapped, 0, 0}, -EFAULT), "openat(3, 0x50000, O_RDONLY) = -1 EFAULT (Bad address)");
  EXPECT_EQ(fmt(e, {3, 0, 0, 0}, -EFAULT), "openat(3, NULL, O_RDONLY) = -1 EFAULT (Bad address)");
}

TEST_F(TraceTest, WriteBufferIsQuotedAndTruncated) {
  auto e = entry("write", {Arg::Fd, Arg::InBuf, Arg::Size});
  proc.put(kBuf, "hi\n");
  EXPECT_EQ(fmt(e, {1, kBuf, 3}, 3), "write(1, \"hi\\n\", 3) = 3");
  std::string long_text(40, 'a');
  proc.put(kBuf, long_text);
  EXPECT_EQ(fmt(e, {1, kBuf, 40}, 40), "write(1, \"" + std::string(32, 'a') + "\"..., 40) = 40");
  // Only the shown bytes need to be readable, as strace.
  EXPECT_EQ(fmt(e, {1, kBuf, 1000}, -EFAULT),
            "write(1, \"" + std::string(32, 'a') + "\"..., 1000) = -1 EFAULT (Bad address)");
}

TEST_F(TraceTest, EscapesFollowStrace) {
  auto e = entry("write", {Arg::Fd, Arg::InBuf, Arg::Size});
  proc.put(kBuf, std::string("\x1b[0m\"\\\t\0001\x7f\xff", 11));
  EXPECT_EQ(fmt(e, {2, kBuf, 11}, 11), R"(write(2, "\33[0m\"\\\t\0001\177\377", 11) = 11)");
}

TEST_F(TraceTest, ReadBufferUsesResultLength) {
  auto e = entry("read", {Arg::Fd, Arg::OutBuf, Arg::Size});
  proc.put(kBuf, "root:x:0:0");
  EXPECT_EQ(fmt(e, {3, kBuf, 4096}, 4), "read(3, \"root\", 4096) = 4");
  EXPECT_EQ(fmt(e, {3, kBuf, 4096}, 0), "read(3, \"\", 4096) = 0");
  EXPECT_EQ(fmt(e, {3, kBuf, 4096}, -EAGAIN),
            "read(3, 0x10000, 4096) = -1 EAGAIN (Resource temporarily unavailable)");
}

TEST_F(TraceTest, MmapIsSymbolicAndReturnsHex) {
  auto e = entry("mmap", {Arg::Ptr, Arg::Size, Arg::Prot, Arg::MapFlags, Arg::Fd, Arg::Hex}, true);
  EXPECT_EQ(fmt(e, {0, 4096, 3, 0x22, static_cast<uint64_t>(-1), 0}, 0x7f0000000000),
            "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000");
  EXPECT_EQ(fmt(e, {0x400000, 8192, 0, 0x12, 3, 0x1000}, 0x400000),
            "mmap(0x400000, 8192, PROT_NONE, MAP_PRIVATE|MAP_FIXED, 3, 0x1000) = 0x400000");
  EXPECT_EQ(fmt(e, {0, 4096, 5, 0x22, static_cast<uint64_t>(-1), 0}, -ENOMEM),
            "mmap(NULL, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM (Cannot "
            "allocate memory)");
}

TEST_F(TraceTest, OtherSymbolicKinds) {
  EXPECT_EQ(fmt(entry("lseek", {Arg::Fd, Arg::Long, Arg::Whence}), {3, static_cast<uint64_t>(-5), 2}, 10),
            "lseek(3, -5, SEEK_END) = 10");
  EXPECT_EQ(fmt(entry("access", {Arg::Path, Arg::AccessMode}), {kUnmapped, 5}, 0), "access(0x50000, R_OK|X_OK) = 0");
  EXPECT_EQ(fmt(entry("access", {Arg::Path, Arg::AccessMode}), {kUnmapped, 0}, 0), "access(0x50000, F_OK) = 0");
  EXPECT_EQ(fmt(entry("newfstatat", {Arg::DirFd, Arg::Path, Arg::Ptr, Arg::AtFlags}), {3, kUnmapped, kBuf, 0x1100}, 0),
            "newfstatat(3, 0x50000, 0x10000, AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH) = 0");
  EXPECT_EQ(fmt(entry("faccessat2", {Arg::DirFd, Arg::Path, Arg::AccessMode, Arg::AtFlags}), {3, 0, 2, 0x200}, 0),
            "faccessat2(3, NULL, W_OK, AT_EACCESS) = 0");
  EXPECT_EQ(fmt(entry("umask", {Arg::Mode}), {022}, 022), "umask(022) = 022");
  EXPECT_EQ(fmt(entry("umask", {Arg::Mode}), {0}, 022), "umask(000) = 022");
}

TEST_F(TraceTest, SignalsAndRegisteredEntries) {
  const auto& table = SyscallTable::instance();
  EXPECT_EQ(format_syscall(table.find(62), 62, {1, 15}, -ENOSYS, mem),
            "kill(1, SIGTERM) = -1 ENOSYS (Function not implemented)");
  EXPECT_EQ(format_syscall(table.find(62), 62, {1, 33}, 0, mem), "kill(1, SIGRT_1) = 0");
  EXPECT_EQ(format_syscall(table.find(62), 62, {1, 0}, 0, mem), "kill(1, 0) = 0");
  EXPECT_EQ(format_syscall(table.find(13), 13, {2, kBuf, 0, 8}, 0, mem),
            "rt_sigaction(SIGINT, 0x10000, NULL, 8) = 0");
  EXPECT_EQ(format_syscall(table.find(14), 14, {2, 0, kBuf, 8}, 0, mem),
            "rt_sigprocmask(SIG_SETMASK, NULL, 0x10000, 8) = 0");
  EXPECT_EQ(format_syscall(table.find(158), 158, {0x1002, 0x7f0000001000}, 0, mem),
            "arch_prctl(ARCH_SET_FS, 0x7f0000001000) = 0");
  EXPECT_EQ(format_syscall(table.find(158), 158, {0x4001, 0}, -EINVAL, mem),
            "arch_prctl(0x4001, 0) = -1 EINVAL (Invalid argument)");
  EXPECT_EQ(format_syscall(table.find(228), 228, {1, kBuf}, 0, mem), "clock_gettime(CLOCK_MONOTONIC, 0x10000) = 0");
  EXPECT_EQ(format_syscall(table.find(302), 302, {0, 3, 0, kBuf}, 0, mem),
            "prlimit64(0, RLIMIT_STACK, NULL, 0x10000) = 0");
  EXPECT_EQ(format_syscall(table.find(39), 39, {}, 42, mem), "getpid() = 42");
  EXPECT_EQ(format_syscall(table.find(231), 231, {3}, 0, mem), "exit_group(3) = ?");
  proc.put(kBuf, "abcd");
  EXPECT_EQ(format_syscall(table.find(318), 318, {kBuf, 4, 1}, 4, mem),
            "getrandom(\"\\x61\\x62\\x63\\x64\", 4, GRND_NONBLOCK) = 4");
}

TEST_F(TraceTest, StrArgumentsAreTruncatedAtNul) {
  auto e = entry("sethostname_like", {Arg::Str});
  proc.put(kBuf, std::string("short\0", 6));
  EXPECT_EQ(fmt(e, {kBuf}, 0), "sethostname_like(\"short\") = 0");
  proc.put(kBuf, std::string(40, 'x') + '\0');
  EXPECT_EQ(fmt(e, {kBuf}, 0), "sethostname_like(\"" + std::string(32, 'x') + "\"...) = 0");
}

TEST_F(TraceTest, UnknownSyscallsUseTheirLibseccompName) {
  EXPECT_EQ(format_syscall(nullptr, 435, {0x1000, 88, 0, 0, 0, 0}, -ENOSYS, mem),
            "clone3(0x1000, 0x58, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)");
  EXPECT_EQ(format_syscall(nullptr, 1000, {}, -ENOSYS, mem),
            "syscall_1000(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)");
}

}  // namespace
}  // namespace lx
