// PtyPort: the host's end of an instance pty (lx's terminal relay), driven
// without a guest: typed input reaches the slave through the line
// discipline (with echo back out), slave output comes out ONLCR-processed,
// the change callback fires, resize sets the window size, and the master
// reads EIO once every slave is gone.
#include <fcntl.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "kernel/Kernel.h"
#include "kernel/dev/DevSetup.h"
#include "kernel/tty/PtyPort.h"
#include "kernel/vfs/Vfs.h"
#include "pico/fake/FakeHost.h"

namespace lx {
namespace {

std::span<const uint8_t> bytes(const char* s) { return {reinterpret_cast<const uint8_t*>(s), strlen(s)}; }

class PtyPortTest : public ::testing::Test {
 protected:
  PtyPortTest() {
    char tmpl[] = "/tmp/lx_pty_port_test.XXXXXX";
    host_dir_ = mkdtemp(tmpl);
    std::filesystem::create_directories(host_dir_ + "/dev");
    auto vfs = Vfs::create(host_dir_, /*read_only=*/true).release_value();
    EXPECT_TRUE(setup_dev(*vfs).ok());
    kernel = std::make_unique<Kernel>(host, std::move(vfs), KernelConfig{});
  }
  ~PtyPortTest() override {
    kernel.reset();
    std::error_code ec;
    std::filesystem::remove_all(host_dir_, ec);
  }
  std::string drain(PtyPort& port) {
    std::string out;
    uint8_t buf[256];
    for (;;) {
      auto n = port.output(buf);
      if (!n.ok() || n.value() == 0) return out;
      out.append(reinterpret_cast<char*>(buf), n.value());
    }
  }

  std::string host_dir_;
  pico::fake::FakeHost host;
  std::unique_ptr<Kernel> kernel;
};

TEST_F(PtyPortTest, TypedLineReachesSlaveAndIsEchoed) {
  auto port = PtyPort::open(*kernel, abi::Winsize{30, 100, 0, 0});
  ASSERT_TRUE(port.ok());
  PtyPort& p = *port.value();
  ASSERT_TRUE(p.slave());
  EXPECT_EQ(p.input(bytes("ls\r")), 3u);
  EXPECT_EQ(drain(p), "ls\r\n");  // ICRNL on input, echo with ONLCR
  uint8_t buf[16];
  std::lock_guard lock(kernel->big_lock());
  auto n = p.slave()->read(buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), n.value()), "ls\n");
}

TEST_F(PtyPortTest, SlaveOutputComesOutWithOnlcrAndNotifies) {
  auto port = PtyPort::open(*kernel, abi::Winsize{30, 100, 0, 0});
  ASSERT_TRUE(port.ok());
  PtyPort& p = *port.value();
  int changes = 0;
  p.on_change([&changes] { ++changes; });
  {
    std::lock_guard lock(kernel->big_lock());
    ASSERT_EQ(p.slave()->write(bytes("hi\n")).value(), 3u);
  }
  EXPECT_GT(changes, 0);
  EXPECT_EQ(drain(p), "hi\r\n");
  EXPECT_EQ(p.output(std::span<uint8_t>()).value(), 0u);
}

TEST_F(PtyPortTest, ResizeSetsWindowSize) {
  auto port = PtyPort::open(*kernel, abi::Winsize{30, 100, 0, 0});
  ASSERT_TRUE(port.ok());
  PtyPort& p = *port.value();
  bool slave = false;
  PtyRef pty = pty_ref(*p.slave(), &slave);
  ASSERT_TRUE(pty);
  EXPECT_TRUE(slave);
  EXPECT_EQ(pty->winsize.ws_col, 100);
  p.resize(abi::Winsize{40, 120, 0, 0});  // no foreground group: nobody to signal
  EXPECT_EQ(pty->winsize.ws_col, 120);
  EXPECT_EQ(pty->winsize.ws_row, 40);
  EXPECT_FALSE(pty->locked);
}

TEST_F(PtyPortTest, InterruptCharacterIsNotInput) {
  auto port = PtyPort::open(*kernel, abi::Winsize{30, 100, 0, 0});
  ASSERT_TRUE(port.ok());
  PtyPort& p = *port.value();
  EXPECT_EQ(p.input(bytes("ab\x03")), 3u);  // VINTR: signals the (absent) foreground group
  // Without NOFLSH both queues are flushed (the echoed "ab" too), then ^C echoes.
  EXPECT_EQ(drain(p), "^C");
  PtyRef pty = pty_ref(*p.slave());
  std::lock_guard lock(kernel->big_lock());
  EXPECT_EQ(pty->ld.input_available(), 0u);
}

TEST_F(PtyPortTest, MasterReadsEioOnceSlavesAreGone) {
  auto port = PtyPort::open(*kernel, abi::Winsize{30, 100, 0, 0});
  ASSERT_TRUE(port.ok());
  PtyPort& p = *port.value();
  p.release_slave();
  EXPECT_FALSE(p.slave());
  uint8_t buf[8];
  auto n = p.output(buf);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error(), EIO);
}

}  // namespace
}  // namespace lx
