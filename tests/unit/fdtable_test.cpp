// The fd table on its own, and the dup/fcntl/close syscalls that edit it.
#include <fcntl.h>

#include <memory>

#include <gtest/gtest.h>

#include "tests/unit/SyscallInvoke.h"

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/FdTable.h"
#include "pico/fake/FakeHost.h"

namespace {

using namespace lx;

class DummyFile : public OpenFile {
 public:
  explicit DummyFile(int flags = O_RDONLY | 0100000) { set_status_flags(flags); }
  Result<lx::abi::Stat> stat() override { return lx::abi::Stat{}; }
};

OpenFileRef dummy(int flags = O_RDONLY | 0100000) { return std::make_shared<DummyFile>(flags); }

TEST(FdTable, InstallPicksTheLowestFreeFdAtOrAboveTheMinimum) {
  FdTable t;
  EXPECT_EQ(t.install(dummy(), false).value(), 0);
  EXPECT_EQ(t.install(dummy(), false).value(), 1);
  EXPECT_EQ(t.install(dummy(), false, 10).value(), 10);
  ASSERT_TRUE(t.close(0).ok());
  EXPECT_EQ(t.install(dummy(), false).value(), 0);
  EXPECT_EQ(t.install(dummy(), false, 10).value(), 11);
}

TEST(FdTable, FullTableIsEmfileAndMinimumBeyondTheLimitEinval) {
  FdTable t;
  t.set_max_fds(2);
  EXPECT_TRUE(t.check_free_slot().ok());
  EXPECT_TRUE(t.install(dummy(), false).ok());
  EXPECT_TRUE(t.install(dummy(), false).ok());
  EXPECT_EQ(t.install(dummy(), false).error(), EMFILE);
  EXPECT_EQ(t.check_free_slot().error(), EMFILE);
  EXPECT_EQ(t.install(dummy(), false, 2).error(), EINVAL);
}

TEST(FdTable, ClosedOrNeverOpenedFdsAreEbadf) {
  FdTable t;
  EXPECT_EQ(t.get(0).error(), EBADF);
  EXPECT_EQ(t.get(-1).error(), EBADF);
  EXPECT_EQ(t.close(5).error(), EBADF);
  EXPECT_EQ(t.cloexec(3).error(), EBADF);
  EXPECT_EQ(t.set_cloexec(3, true).error(), EBADF);
}

TEST(FdTable, InstallAtReplacesAndCloexecIsPerFd) {
  FdTable t;
  auto a = dummy(), b = dummy();
  int fa = t.install(a, true).value();
  ASSERT_TRUE(t.install_at(7, a, false).ok());
  EXPECT_TRUE(t.cloexec(fa).value());
  EXPECT_FALSE(t.cloexec(7).value());
  ASSERT_TRUE(t.install_at(7, b, true).ok());
  EXPECT_EQ(t.get(7).value(), b);
  EXPECT_EQ(a.use_count(), 2);  // the replaced reference was dropped
  EXPECT_EQ(t.install_at(FdTable::kDefaultMaxFds, a, false).error(), EBADF);
}

TEST(FdTable, CloseOnExecDropsOnlyMarkedFds) {
  FdTable t;
  int keep = t.install(dummy(), false).value();
  int drop = t.install(dummy(), true).value();
  t.close_on_exec();
  EXPECT_TRUE(t.get(keep).ok());
  EXPECT_EQ(t.get(drop).error(), EBADF);
}

// ---- dup / fcntl syscalls -----------------------------------------------------

class NoHost : public pico::Host {
 public:
  Result<std::unique_ptr<pico::Process>> create_process() override { return err(ENOSYS); }
  std::string name() const override { return "none"; }
};

enum : int { kClose = 3, kDup = 32, kDup2 = 33, kFcntl = 72, kDup3 = 292 };

class FdSyscalls : public ::testing::Test {
 protected:
  FdSyscalls() : kernel_(host_, nullptr, KernelConfig{}) {
    auto proc = std::make_unique<pico::fake::FakeProcess>();
    auto* p = proc.get();
    tg_ = std::make_unique<ThreadGroup>(kernel_, std::move(proc), 1);
    task_ = std::make_unique<Task>(*tg_, p->main_thread(), 1);
    file_ = dummy(O_RDWR | O_APPEND | 0100000);
    fd_ = tg_->fds().install(file_, false).value();
  }
  long call(int nr, SyscallArgs a = {}) { return test_support::invoke_syscall(*task_, static_cast<uint64_t>(nr), a); }
  static uint64_t u(long v) { return static_cast<uint64_t>(v); }

  NoHost host_;
  Kernel kernel_;
  std::unique_ptr<ThreadGroup> tg_;
  std::unique_ptr<Task> task_;
  OpenFileRef file_;
  long fd_ = -1;
};

TEST_F(FdSyscalls, DupSharesTheDescriptionAndClearsCloexec) {
  ASSERT_TRUE(tg_->fds().set_cloexec(static_cast<int>(fd_), true).ok());
  long d = call(kDup, {u(fd_)});
  EXPECT_EQ(d, fd_ + 1);
  EXPECT_EQ(tg_->fds().get(static_cast<int>(d)).value(), file_);
  EXPECT_EQ(call(kFcntl, {u(d), F_GETFD}), 0);
  EXPECT_EQ(call(kDup, {99}), -EBADF);
}

TEST_F(FdSyscalls, Dup2OnItselfReturnsTheFdAndChecksIt) {
  EXPECT_EQ(call(kDup2, {u(fd_), u(fd_)}), fd_);
  EXPECT_EQ(call(kDup2, {50, 50}), -EBADF);
  EXPECT_EQ(call(kDup2, {u(fd_), 20}), 20);
  EXPECT_EQ(tg_->fds().get(20).value(), file_);
  EXPECT_EQ(call(kDup2, {u(fd_), u(-1)}), -EBADF);
  EXPECT_EQ(call(kDup2, {u(fd_), 1 << 20}), -EBADF);
}

TEST_F(FdSyscalls, Dup3RejectsSameFdAndUnknownFlagsAndSetsCloexec) {
  EXPECT_EQ(call(kDup3, {u(fd_), u(fd_), 0}), -EINVAL);
  EXPECT_EQ(call(kDup3, {u(fd_), 9, O_NONBLOCK}), -EINVAL);
  EXPECT_EQ(call(kDup3, {u(fd_), 9, O_CLOEXEC}), 9);
  EXPECT_EQ(call(kFcntl, {9, F_GETFD}), FD_CLOEXEC);
  EXPECT_EQ(call(kDup3, {77, 9, 0}), -EBADF);
}

TEST_F(FdSyscalls, FcntlDupfdHonoursTheMinimumAndTheLimit) {
  EXPECT_EQ(call(kFcntl, {u(fd_), F_DUPFD, 10}), 10);
  EXPECT_EQ(call(kFcntl, {u(fd_), F_DUPFD, 10}), 11);
  EXPECT_EQ(call(kFcntl, {u(fd_), F_DUPFD_CLOEXEC, 5}), 5);
  EXPECT_EQ(call(kFcntl, {5, F_GETFD}), FD_CLOEXEC);
  EXPECT_EQ(call(kFcntl, {u(fd_), F_DUPFD, u(-1)}), -EINVAL);
  EXPECT_EQ(call(kFcntl, {u(fd_), F_DUPFD, FdTable::kDefaultMaxFds}), -EINVAL);
}

TEST_F(FdSyscalls, FcntlFlagsGetAndSetOnlyTheChangeableBits) {
  EXPECT_EQ(call(kFcntl, {u(fd_), F_GETFL}), O_RDWR | O_APPEND | 0100000);
  // The access mode and O_CREAT are not changeable; O_NONBLOCK is, and
  // O_APPEND is cleared because it is absent.
  EXPECT_EQ(call(kFcntl, {u(fd_), F_SETFL, O_WRONLY | O_NONBLOCK | O_CREAT}), 0);
  EXPECT_EQ(call(kFcntl, {u(fd_), F_GETFL}), O_RDWR | O_NONBLOCK | 0100000);
  EXPECT_EQ(call(kFcntl, {u(fd_), F_SETFD, FD_CLOEXEC}), 0);
  EXPECT_EQ(call(kFcntl, {u(fd_), F_GETFD}), FD_CLOEXEC);
  EXPECT_EQ(call(kFcntl, {u(fd_), 9999}), -EINVAL);
  EXPECT_EQ(call(kFcntl, {99, F_GETFL}), -EBADF);
}

TEST_F(FdSyscalls, CloseFreesTheSlotForReuse) {
  EXPECT_EQ(call(kClose, {u(fd_)}), 0);
  EXPECT_EQ(call(kClose, {u(fd_)}), -EBADF);
  EXPECT_EQ(call(kDup, {u(fd_)}), -EBADF);
}

}  // namespace
