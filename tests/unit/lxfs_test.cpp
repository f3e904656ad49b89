// The DAC rules (vfs/Permission.h) on their own, and lxfs through the Vfs
// (no guest task: the instance's default credentials, root) on a real
// temporary host directory: metadata in the xattr, fallback to host
// metadata, the staging directory hidden, guest xattrs namespaced.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "kernel/fs/lxfs/LxFs.h"
#include "kernel/fs/lxfs/LxMeta.h"
#include "kernel/vfs/Permission.h"
#include "kernel/vfs/Vfs.h"

namespace {

using namespace lx;
namespace fs = std::filesystem;

lx::abi::Stat attrs(unsigned mode, uint32_t uid, uint32_t gid) {
  lx::abi::Stat st{};
  st.st_mode = mode;
  st.st_uid = uid;
  st.st_gid = gid;
  return st;
}

Credentials user(uint32_t uid, uint32_t gid, std::vector<uint32_t> groups = {}) {
  Credentials c;
  c.uid = uid;
  c.gid = gid;
  c.groups = std::move(groups);
  c.caps = 0;
  return c;
}

int error_of(const Result<void>& r) { return r.ok() ? 0 : r.error(); }

TEST(Permission, OwnerGroupOtherClasses) {
  const lx::abi::Stat f = attrs(S_IFREG | 0640, 1000, 50);
  EXPECT_EQ(error_of(generic_permission(f, kMayRead | kMayWrite, user(1000, 1))), 0);
  EXPECT_EQ(error_of(generic_permission(f, kMayRead, user(2000, 50))), 0);
  EXPECT_EQ(error_of(generic_permission(f, kMayRead, user(2000, 1, {50}))), 0);
  EXPECT_EQ(error_of(generic_permission(f, kMayWrite, user(2000, 50))), EACCES);
  EXPECT_EQ(error_of(generic_permission(f, kMayRead, user(2000, 1))), EACCES);
}

TEST(Permission, RootNeedsAnExecuteBitOnFilesOnly) {
  Credentials root;  // uid 0, capabilities from the uid
  EXPECT_EQ(error_of(generic_permission(attrs(S_IFREG | 0, 5, 5), kMayRead | kMayWrite, root)), 0);
  EXPECT_EQ(error_of(generic_permission(attrs(S_IFREG | 0644, 5, 5), kMayExec, root)), EACCES);
  EXPECT_EQ(error_of(generic_permission(attrs(S_IFREG | 0100, 5, 5), kMayExec, root)), 0);
  EXPECT_EQ(error_of(generic_permission(attrs(S_IFDIR | 0, 5, 5), kMayExec | kMayWrite, root)), 0);
  // Without CAP_DAC_OVERRIDE (dropped by setfsuid) root is a plain owner-less user.
  Credentials dropped = user(0, 0);
  EXPECT_EQ(error_of(generic_permission(attrs(S_IFREG | 0, 5, 5), kMayRead, dropped)), EACCES);
}

TEST(Permission, StickyDirectoryDeletion) {
  const lx::abi::Stat tmp = attrs(S_IFDIR | 01777, 0, 0);
  const lx::abi::Stat bobs = attrs(S_IFREG | 0644, 1001, 1001);
  EXPECT_EQ(error_of(may_delete(tmp, bobs, user(1000, 1000))), EPERM);
  EXPECT_EQ(error_of(may_delete(tmp, bobs, user(1001, 1001))), 0);
  EXPECT_EQ(error_of(may_delete(attrs(S_IFDIR | 01777, 1000, 0), bobs, user(1000, 1000))), 0);
  EXPECT_EQ(error_of(may_delete(attrs(S_IFDIR | 0755, 0, 0), bobs, user(1001, 1001))), EACCES);
}

TEST(Permission, ChownChmodRules) {
  const lx::abi::Stat mine = attrs(S_IFREG | 0644, 1000, 1000);
  EXPECT_EQ(error_of(check_chown(mine, 1001, UINT32_MAX, user(1000, 1000))), EPERM);
  EXPECT_EQ(error_of(check_chown(mine, UINT32_MAX, 50, user(1000, 1000, {50}))), 0);
  EXPECT_EQ(error_of(check_chown(mine, UINT32_MAX, 51, user(1000, 1000, {50}))), EPERM);
  EXPECT_EQ(error_of(check_chown(mine, 1000, UINT32_MAX, user(1001, 1001))), EPERM);
  EXPECT_EQ(error_of(check_chown(mine, 5, 5, Credentials{})), 0);
  EXPECT_EQ(check_chmod(attrs(S_IFREG | 0644, 1000, 50), 02755, user(1000, 1000)).value_or(0), 0755u);
  EXPECT_EQ(check_chmod(attrs(S_IFREG | 0644, 1000, 50), 02755, user(1000, 1000, {50})).value_or(0), 02755u);
  EXPECT_FALSE(check_chmod(mine, 0600, user(1001, 1001)).ok());
  EXPECT_EQ(mode_after_chown(S_IFREG | 06755), S_IFREG | 0755u);
  EXPECT_EQ(mode_after_chown(S_IFREG | 02644), S_IFREG | 02644u);
}

TEST(LxMeta, EncodingRoundTripsAndRejectsOtherVersions) {
  lxfs::Meta m{1234, 5678, S_IFCHR | 0620, makedev(4, 1)};
  auto b = lxfs::encode_meta(m);
  EXPECT_EQ(b.size(), 24u);
  auto d = lxfs::decode_meta(b);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->uid, 1234u);
  EXPECT_EQ(d->gid, 5678u);
  EXPECT_EQ(d->mode, S_IFCHR | 0620u);
  EXPECT_EQ(d->rdev, makedev(4, 1));
  b[0] = 2;
  EXPECT_FALSE(lxfs::decode_meta(b).has_value());
  EXPECT_FALSE(lxfs::decode_meta(std::span<const uint8_t>(b.data(), 23)).has_value());
  EXPECT_TRUE(lxfs::meta_fits_host(S_IFLNK, S_IFREG));
  EXPECT_FALSE(lxfs::meta_fits_host(S_IFDIR, S_IFREG));
  EXPECT_FALSE(lxfs::meta_fits_host(S_IFREG, S_IFDIR));
}

class LxfsVfs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lx_lxfs_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ / "plain") << "host file";
    auto v = Vfs::create(dir_.string(), true);
    ASSERT_TRUE(v.ok());
    vfs_ = v.release_value();
    auto root = make_lxfs_root(dir_.string());
    ASSERT_TRUE(root.ok());
    ASSERT_TRUE(vfs_->mount_filesystem("/", root.release_value(), false, "lxfs").ok());
  }
  void TearDown() override {
    vfs_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  lxfs::Meta host_meta(const std::string& rel) {
    uint8_t buf[64];
    ssize_t n = ::lgetxattr((dir_ / rel).c_str(), lxfs::kMetaXattr, buf, sizeof buf);
    EXPECT_EQ(n, 24) << rel;
    return lxfs::decode_meta(std::span<const uint8_t>(buf, n > 0 ? static_cast<size_t>(n) : 0)).value_or(lxfs::Meta{});
  }
  fs::path dir_;
  std::unique_ptr<Vfs> vfs_;
};

TEST_F(LxfsVfs, HostFilesWithoutMetadataShowHostModesOwnedByRoot) {
  auto st = vfs_->stat("/", "/plain", false);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().st_mode & S_IFMT, static_cast<unsigned>(S_IFREG));
  EXPECT_EQ(st.value().st_uid, 0u);  // the provider's own files read as root's
}

TEST_F(LxfsVfs, ChownChmodMknodSymlinkLandInTheXattr) {
  ASSERT_TRUE(vfs_->mkdir("/", "/d", 0750).ok());
  ASSERT_TRUE(vfs_->chown("/", "/d", 1000, 1001, true).ok());
  ASSERT_TRUE(vfs_->chmod("/", "/plain", 04711, true).ok());
  ASSERT_TRUE(vfs_->mknod("/", "/d/tty", S_IFCHR | 0620, makedev(4, 1)).ok());
  ASSERT_TRUE(vfs_->symlink("target/x", "/", "/d/ln").ok());
  lxfs::Meta d = host_meta("d");
  EXPECT_EQ(d.uid, 1000u);
  EXPECT_EQ(d.gid, 1001u);
  EXPECT_EQ(d.mode, S_IFDIR | 0750u);
  EXPECT_EQ(host_meta("plain").mode, S_IFREG | 04711u);
  lxfs::Meta tty = host_meta("d/tty");
  EXPECT_EQ(tty.mode, S_IFCHR | 0620u);
  EXPECT_EQ(tty.rdev, makedev(4, 1));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(dir_ / "d" / "tty")));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(dir_ / "d" / "ln")));
  auto st = vfs_->stat("/", "/d/tty", false).value();
  EXPECT_EQ(st.st_mode, S_IFCHR | 0620u);
  EXPECT_EQ(st.st_rdev, makedev(4, 1));
  EXPECT_EQ(vfs_->readlink("/", "/d/ln").value_or(""), "target/x");
  EXPECT_EQ(vfs_->stat("/", "/d/ln", false).value().st_mode & S_IFMT, static_cast<unsigned>(S_IFLNK));
  // The staging directory is not the guest's.
  EXPECT_EQ(vfs_->stat("/", "/.lxcore", false).error(), ENOENT);
  EXPECT_EQ(vfs_->mkdir("/", "/.lxcore", 0755).error(), EPERM);
}

TEST_F(LxfsVfs, GuestXattrsLiveUnderTheirOwnHostPrefix) {
  const uint8_t v[] = {'v'};
  ASSERT_TRUE(vfs_->setxattr("/", "/plain", "user.k", v, 0, true).ok());
  uint8_t buf[8];
  EXPECT_EQ(::getxattr((dir_ / "plain").c_str(), "user.lxg.user.k", buf, sizeof buf), 1);
  ASSERT_TRUE(vfs_->chmod("/", "/plain", 0600, true).ok());  // our own xattr now exists too
  uint8_t list[256];
  auto n = vfs_->listxattr("/", "/plain", list, true);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(list), n.value()), std::string("user.k\0", 7));
  EXPECT_EQ(vfs_->getxattr("/", "/plain", "user.lxcore.meta", buf, true).error(), ENODATA);
  EXPECT_EQ(vfs_->setxattr("/", "/plain", "system.x", v, 0, true).error(), EOPNOTSUPP);
}

// The lxfs directory cache (LxDirCache.h): guest renames, removals and
// chmods through any path are seen at once by later walks.
TEST_F(LxfsVfs, CachedDirectoriesFollowGuestRenamesAndRemovals) {
  ASSERT_TRUE(vfs_->mkdir("/", "/a", 0755).ok());
  ASSERT_TRUE(vfs_->mkdir("/", "/a/b", 0755).ok());
  ASSERT_TRUE(vfs_->stat("/", "/a/b/.", false).ok());  // walks (and caches) a and b
  ASSERT_TRUE(vfs_->rename("/", "/a", "/", "/c", 0).ok());
  EXPECT_EQ(vfs_->stat("/", "/a/b/.", false).error(), ENOENT);
  ASSERT_TRUE(vfs_->stat("/", "/c/b/.", false).ok());
  ASSERT_TRUE(vfs_->rmdir("/", "/c/b").ok());
  EXPECT_EQ(vfs_->stat("/", "/c/b/.", false).error(), ENOENT);
  ASSERT_TRUE(vfs_->mkdir("/", "/c/b", 0700).ok());
  EXPECT_EQ(vfs_->stat("/", "/c/b/.", false).value().st_mode, S_IFDIR | 0700u);
}

TEST_F(LxfsVfs, MetadataChangesReachEveryCachedCopy) {
  ASSERT_TRUE(vfs_->mkdir("/", "/d", 0755).ok());
  ASSERT_TRUE(vfs_->mkdir("/", "/d/e", 0755).ok());
  ASSERT_TRUE(vfs_->stat("/", "/d/e/.", false).ok());
  ASSERT_TRUE(vfs_->chmod("/", "/d/e", 0700, true).ok());
  ASSERT_TRUE(vfs_->chown("/", "/d/", 7, 8, true).ok());
  EXPECT_EQ(vfs_->stat("/", "/d/e/.", false).value().st_mode, S_IFDIR | 0700u);
  const lx::abi::Stat d = vfs_->stat("/", "/d/.", false).value();
  EXPECT_EQ(d.st_uid, 7u);
  EXPECT_EQ(d.st_gid, 8u);
  // A file open through one name, changed through another (a hard link).
  ASSERT_TRUE(vfs_->link("/", "/plain", "/", "/d/hard", 0).ok());
  auto f = vfs_->open("/", "/plain", O_RDONLY, 0);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f.value()->stat().ok());
  ASSERT_TRUE(vfs_->chmod("/", "/d/hard", 0604, true).ok());
  EXPECT_EQ(f.value()->stat().value().st_mode, S_IFREG | 0604u);
  EXPECT_EQ(vfs_->stat("/", "/plain", false).value().st_mode, S_IFREG | 0604u);
}

// Cached files (symlinks, nodes, recent lookups): unlink and rename forget
// the names they remove or replace, and more than LxDirCache::kMaxFiles of
// them stay right.
TEST_F(LxfsVfs, CachedFilesFollowUnlinksRenamesAndTheFileLimit) {
  ASSERT_TRUE(vfs_->symlink("one", "/", "/s").ok());
  ASSERT_TRUE(vfs_->chown("/", "/s", 3, 4, false).ok());
  ASSERT_TRUE(vfs_->unlink("/", "/s").ok());
  ASSERT_TRUE(vfs_->symlink("two", "/", "/s").ok());
  EXPECT_EQ(vfs_->readlink("/", "/s").value_or(""), "two");
  EXPECT_EQ(vfs_->stat("/", "/s", false).value().st_uid, 0u);
  for (int i = 0; i < 100; ++i) {
    const std::string n = "/l" + std::to_string(i);
    ASSERT_TRUE(vfs_->symlink("t" + std::to_string(i), "/", n).ok());
    ASSERT_TRUE(vfs_->chown("/", n, static_cast<uint32_t>(i), 0, false).ok());
  }
  for (int i = 0; i < 100; ++i) {
    const std::string n = "/l" + std::to_string(i);
    EXPECT_EQ(vfs_->readlink("/", n).value_or(""), "t" + std::to_string(i));
    EXPECT_EQ(vfs_->stat("/", n, false).value().st_uid, static_cast<uint32_t>(i));
  }
  ASSERT_TRUE(vfs_->rename("/", "/l1", "/", "/l99", 0).ok());
  EXPECT_EQ(vfs_->readlink("/", "/l99").value_or(""), "t1");
  EXPECT_EQ(vfs_->stat("/", "/l1", false).error(), ENOENT);
  ASSERT_TRUE(vfs_->chown("/", "/l99", 42, 0, false).ok());
  auto f = vfs_->open("/", "/l99", O_PATH | O_NOFOLLOW, 0);
  ASSERT_TRUE(f.ok());
  const lx::abi::Stat st = f.value()->stat().value();
  EXPECT_EQ(st.st_mode & S_IFMT, static_cast<unsigned>(S_IFLNK));
  EXPECT_EQ(st.st_uid, 42u);
  EXPECT_EQ(vfs_->mknod("/", "/l99", S_IFIFO | 0644, 0).error(), EEXIST);
  EXPECT_EQ(vfs_->mkdir("/", "/l98", 0755).error(), EEXIST);
}

TEST_F(LxfsVfs, HostSideRenamesAreSeenAfterTheCacheLifetime) {
  ASSERT_TRUE(vfs_->mkdir("/", "/h", 0755).ok());
  ASSERT_TRUE(vfs_->mkdir("/", "/h/i", 0755).ok());
  ASSERT_TRUE(vfs_->stat("/", "/h/i/.", false).ok());
  fs::rename(dir_ / "h", dir_ / "g");
  ::usleep(1'500'000);  // > LxDirCache::kTtlNs
  EXPECT_EQ(vfs_->stat("/", "/h/i/.", false).error(), ENOENT);
  EXPECT_TRUE(vfs_->stat("/", "/g/i/.", false).ok());
}

}  // namespace
