// The fake host's fork_process, exit_thread and FP-state operations, which
// kernel unit tests build on.
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "pico/fake/FakeHost.h"

namespace {

using pico::fake::FakeProcess;
using pico::fake::FakeThread;

constexpr uint64_t kData = 0x20000000;
constexpr int kRw = pico::kProtRead | pico::kProtWrite;

TEST(FakeHostProcess, ForkCopiesMemoryRegsAndLayout) {
  FakeProcess parent({pico::fake::kDefaultReserved}, 0x7fff0000);
  auto& t = parent.fake_main_thread();
  ASSERT_TRUE(t.map_anonymous(kData, 0x2000, kRw).ok());
  uint64_t v = 1;
  ASSERT_TRUE(parent.write_memory(kData, &v, sizeof v).ok());
  t.regs().rip = 0x1234;
  auto forked = t.fork_process();
  ASSERT_TRUE(forked.ok());
  auto& child = dynamic_cast<FakeProcess&>(*forked.value());
  EXPECT_EQ(child.main_thread().regs().rip, 0x1234u);
  EXPECT_EQ(child.vdso_base(), 0x7fff0000u);
  EXPECT_EQ(child.reserved().size(), 1u);
  EXPECT_EQ(child.memory().prot_at(kData + 0x1000), kRw);
  EXPECT_EQ(child.memory().peek_u64(kData), 1u);
  v = 2;
  ASSERT_TRUE(child.write_memory(kData, &v, sizeof v).ok());
  EXPECT_EQ(parent.memory().peek_u64(kData), 1u) << "a copy, not shared";
  EXPECT_EQ(t.fork_calls, 1);
  t.fail_next_fork = ENOMEM;
  EXPECT_EQ(t.fork_process().error(), ENOMEM);
}

TEST(FakeHostProcess, ExitedThreadRunsToExited) {
  FakeProcess p;
  auto created = p.main_thread().create_thread();
  ASSERT_TRUE(created.ok());
  auto& t = *static_cast<FakeThread*>(created.value());
  t.push_syscall(39);
  ASSERT_TRUE(t.exit_thread().ok());
  EXPECT_TRUE(t.exited());
  EXPECT_EQ(t.run().kind, pico::EventKind::Exited);
  EXPECT_EQ(t.exit_thread().error(), ESRCH);
  EXPECT_EQ(t.fork_process().error(), ESRCH);
}

TEST(FakeHostProcess, FpstateRoundTripsThroughGuestMemory) {
  FakeProcess p;
  auto& t = p.fake_main_thread();
  ASSERT_TRUE(t.map_anonymous(kData, 0x2000, kRw).ok());
  const uint64_t n = p.fpstate_size();
  ASSERT_GT(n, 512u);
  std::vector<uint8_t> area(n, 0xaa);
  ASSERT_TRUE(p.write_memory(kData, area.data(), n).ok());
  ASSERT_TRUE(t.restore_fpstate(kData).ok());
  EXPECT_EQ(t.fp_state(), area);
  ASSERT_TRUE(t.reset_fpstate().ok());
  ASSERT_TRUE(t.save_fpstate(kData).ok());
  std::vector<uint8_t> saved(n, 1);
  ASSERT_TRUE(p.read_memory(kData, saved.data(), n).ok());
  EXPECT_EQ(saved, std::vector<uint8_t>(n, 0));
  EXPECT_EQ(t.save_fpstate(kData + 8).error(), EINVAL);
  EXPECT_EQ(t.save_fpstate(0x1000).error(), EFAULT);
  EXPECT_EQ(t.restore_fpstate(0x1000).error(), EFAULT);
}

}  // namespace
