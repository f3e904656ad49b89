// The instance's /dev (DevSetup) through the Vfs, without a guest: device
// nodes open their drivers, devpts lists live ptys, data crosses a pty.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "kernel/dev/DevSetup.h"
#include "kernel/vfs/Vfs.h"

namespace lx {
namespace {

class DevFs : public ::testing::Test {
 protected:
  DevFs() {
    char tmpl[] = "/tmp/lx_devfs_test.XXXXXX";
    host_ = mkdtemp(tmpl);
    std::filesystem::create_directories(host_ + "/dev");
    vfs = Vfs::create(host_, /*read_only=*/true).release_value();
    EXPECT_TRUE(setup_dev(*vfs).ok());
  }
  ~DevFs() override {
    std::error_code ec;
    std::filesystem::remove_all(host_, ec);
  }
  std::string host_;
  std::unique_ptr<Vfs> vfs;
};

std::span<const uint8_t> bytes(const char* s) { return {reinterpret_cast<const uint8_t*>(s), strlen(s)}; }

TEST_F(DevFs, NodesCarryDeviceNumbers) {
  auto st = vfs->stat("/", "/dev/null", true);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(S_ISCHR(st.value().st_mode));
  EXPECT_EQ(st.value().st_rdev, makedev(1, 3));
  EXPECT_EQ(vfs->readlink("/", "/dev/stdin").value(), "/proc/self/fd/0");
  EXPECT_TRUE(vfs->stat("/", "/dev/shm", true).ok());
  EXPECT_EQ(vfs->stat("/", "/dev/pts/ptmx", true).value().st_rdev, makedev(5, 2));
}

TEST_F(DevFs, MemoryDevicesBehave) {
  auto null = vfs->open("/", "/dev/null", O_RDWR, 0);
  ASSERT_TRUE(null.ok());
  uint8_t buf[4] = {1, 1, 1, 1};
  EXPECT_EQ(null.value()->read(buf).value(), 0u);
  EXPECT_EQ(null.value()->write(bytes("abc")).value(), 3u);
  auto full = vfs->open("/", "/dev/full", O_RDWR, 0);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full.value()->write(bytes("abc")).error(), ENOSPC);
  EXPECT_EQ(full.value()->read(buf).value(), 4u);
  EXPECT_EQ(buf[0] | buf[3], 0);
}

TEST_F(DevFs, PtyPairLivesInDevpts) {
  auto master = vfs->open("/", "/dev/ptmx", O_RDWR | O_NOCTTY, 0);
  ASSERT_TRUE(master.ok()) << master.error();
  auto st = vfs->stat("/", "/dev/pts/0", true);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().st_rdev, makedev(136, 0));
  // Locked until unlockpt (an ioctl, which needs a guest).
  EXPECT_EQ(vfs->open("/", "/dev/pts/0", O_RDWR | O_NOCTTY, 0).error(), EIO);
  master.value().reset();
  EXPECT_EQ(vfs->stat("/", "/dev/pts/0", true).error(), ENOENT);
  // The index is free again.
  auto again = vfs->open("/", "/dev/pts/ptmx", O_RDWR | O_NOCTTY, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(vfs->stat("/", "/dev/pts/0", true).ok());
}

TEST_F(DevFs, TtyWithoutTaskIsENXIO) {
  EXPECT_EQ(vfs->open("/", "/dev/tty", O_RDWR, 0).error(), ENXIO);
}

}  // namespace
}  // namespace lx
