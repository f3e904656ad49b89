// MAP_SHARED and host file mappings, msync and mincore against the fake host:
// which mappings are handed to the host as file mappings (Thread::map_file)
// and what the kernel records for them.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/SyscallInvoke.h"

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/HostFile.h"
#include "pico/fake/FakeHost.h"

namespace {

using pico::fake::FakeProcess;
constexpr uint64_t kPage = 4096;

class MmapShared : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = std::make_unique<FakeProcess>();
    proc = p.get();
    tg = std::make_unique<lx::ThreadGroup>(kernel, std::move(p), 1);
    task = std::make_unique<lx::Task>(*tg, tg->pico().main_thread(), 1);
    tg->mm().set_mmap_base(0x7f0000000000ull);
    char tmpl[] = "/tmp/lx-mmap-unit.XXXXXX";
    int fd = mkstemp(tmpl);
    path = tmpl;
    std::string data(2 * kPage, 'f');
    EXPECT_EQ(pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
    close(fd);
  }
  void TearDown() override { unlink(path.c_str()); }

  int install(int flags) {
    int host = open(path.c_str(), flags | O_CLOEXEC);
    EXPECT_GE(host, 0);
    return tg->fds().install(lx::make_host_fd_file(host, flags), false).value();
  }
  long call(int nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
            uint64_t a5 = 0) {
    return lx::test_support::invoke_syscall(*task, static_cast<uint64_t>(nr), {a0, a1, a2, a3, a4, a5});
  }
  long mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd = -1, uint64_t off = 0) {
    return call(SYS_mmap, addr, len, static_cast<uint64_t>(prot), static_cast<uint64_t>(flags),
                static_cast<uint64_t>(static_cast<int64_t>(fd)), off);
  }
  pico::fake::FakeThread& thread() { return proc->fake_main_thread(); }

  pico::fake::FakeHost host;
  lx::Kernel kernel{host, nullptr, lx::KernelConfig{}};
  FakeProcess* proc = nullptr;
  std::unique_ptr<lx::ThreadGroup> tg;
  std::unique_ptr<lx::Task> task;
  std::string path;
};

TEST_F(MmapShared, SharedMappingOfAWritableHostFileIsAHostFileMapping) {
  int fd = install(O_RDWR);
  long a = mmap(0, 2 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, kPage);
  ASSERT_GT(a, 0);
  ASSERT_EQ(thread().file_maps.size(), 1u);
  EXPECT_TRUE(thread().file_maps[0].shared);
  EXPECT_EQ(thread().file_maps[0].offset, kPage);
  const lx::Vma* v = tg->mm().find(static_cast<uint64_t>(a));
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(v->shared && v->host_file && v->may_write);
  EXPECT_EQ(proc->memory().peek(static_cast<uint64_t>(a), 1)[0], 'f');
  // MADV_DONTNEED leaves shared pages alone (they are the file's).
  size_t maps = thread().file_maps.size();
  EXPECT_EQ(call(SYS_madvise, static_cast<uint64_t>(a), kPage, MADV_DONTNEED), 0);
  EXPECT_EQ(thread().file_maps.size(), maps);
}

TEST_F(MmapShared, PrivateMappingsOfHostFilesAreHostMappingsToo) {
  int fd = install(O_RDONLY);
  long a = mmap(0, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ASSERT_GT(a, 0);
  ASSERT_EQ(thread().file_maps.size(), 1u);
  EXPECT_FALSE(thread().file_maps[0].shared);
  // MADV_DONTNEED brings the file's bytes back by mapping it again.
  EXPECT_EQ(call(SYS_madvise, static_cast<uint64_t>(a), kPage, MADV_DONTNEED), 0);
  EXPECT_EQ(thread().file_maps.size(), 2u);
}

TEST_F(MmapShared, ReadOnlyDescriptorCannotGiveAWritableSharedMapping) {
  int fd = install(O_RDONLY);
  EXPECT_EQ(mmap(0, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), -EACCES);
  long a = mmap(0, kPage, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_GT(a, 0);
  EXPECT_EQ(call(SYS_mprotect, static_cast<uint64_t>(a), kPage, PROT_READ | PROT_WRITE), -EACCES);
}

TEST_F(MmapShared, SharedAnonymousMemoryIsAHostMemfdMapping) {
  long a = mmap(0, 3 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
  ASSERT_GT(a, 0);
  ASSERT_EQ(thread().file_maps.size(), 1u);
  EXPECT_TRUE(thread().file_maps[0].shared);
  const lx::Vma* v = tg->mm().find(static_cast<uint64_t>(a));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->name, "/dev/zero (deleted)");
  EXPECT_NE(tg->mm().render_proc_maps().find("rw-s 00000000 00:01"), std::string::npos)
      << tg->mm().render_proc_maps();
  // mremap moves it by mapping the same memfd again, not by copying.
  long m = call(SYS_mremap, static_cast<uint64_t>(a), 3 * kPage, 6 * kPage, MREMAP_MAYMOVE);
  ASSERT_GT(m, 0);
  EXPECT_EQ(thread().file_maps.size(), 2u);
}

TEST_F(MmapShared, MsyncRules) {
  long a = mmap(0, 3 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, install(O_RDWR), 0);
  ASSERT_GT(a, 0);
  uint64_t p = static_cast<uint64_t>(a);
  EXPECT_EQ(call(SYS_msync, p + 1, kPage, MS_SYNC), -EINVAL);
  EXPECT_EQ(call(SYS_msync, p, kPage, MS_SYNC | MS_ASYNC), -EINVAL);
  EXPECT_EQ(call(SYS_msync, p, kPage, 0x80), -EINVAL);
  EXPECT_EQ(call(SYS_msync, p, 0, MS_SYNC), 0);
  EXPECT_EQ(call(SYS_msync, p, 2 * kPage, MS_SYNC), 0);
  EXPECT_EQ(call(SYS_msync, p, ~0ull - p + 2, MS_SYNC), -ENOMEM) << "range wraps";
  EXPECT_EQ(call(SYS_munmap, p + kPage, kPage), 0);
  EXPECT_EQ(call(SYS_msync, p, 3 * kPage, MS_ASYNC), -ENOMEM);
}

TEST_F(MmapShared, MincoreReportsWrittenPagesAndRejectsHoles) {
  long a = mmap(0, 3 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  long vec = mmap(0, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  ASSERT_GT(a, 0);
  uint64_t p = static_cast<uint64_t>(a), v = static_cast<uint64_t>(vec);
  ASSERT_TRUE(proc->write_memory(p + kPage, "x", 1).ok());
  EXPECT_EQ(call(SYS_mincore, p, 3 * kPage, v), 0);
  auto bytes = proc->memory().peek(v, 3);
  EXPECT_EQ(bytes[0], 0);
  EXPECT_EQ(bytes[1], 1);
  EXPECT_EQ(call(SYS_mincore, p + 1, kPage, v), -EINVAL);
  EXPECT_EQ(call(SYS_mincore, p, kPage, 0x1000), -EFAULT);
  EXPECT_EQ(call(SYS_munmap, p + 2 * kPage, kPage), 0);
  EXPECT_EQ(call(SYS_mincore, p, 3 * kPage, v), -ENOMEM);
  EXPECT_EQ(call(SYS_mincore, 0x7ffffffff000ull, 2 * kPage, v), -ENOMEM);
}

}  // namespace
