// The directory cache (kernel/vfs/DirCache.h) and the final-name shortcuts
// (stat_child / getxattr_child) on a real host tree: what the cache holds
// must follow host-side renames and replacements, and symlinks keep their
// meaning whichever way a call goes.
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kernel/vfs/Vfs.h"

namespace {

using namespace lx;
namespace fs = std::filesystem;

class DirCacheTest : public ::testing::Test {
 protected:
  DirCacheTest() {
    char tmpl[] = "/var/tmp/lx_dircache_test.XXXXXX";
    root_ = mkdtemp(tmpl);
    fs::create_directories(root_ / "a" / "b" / "c");
    fs::create_directories(root_ / "etc");
    std::ofstream(root_ / "a" / "b" / "c" / "f") << "f";
    std::ofstream(root_ / "etc" / "passwd") << "p";
    vfs_ = Vfs::create(root_.string(), /*read_only=*/true).release_value();
  }
  ~DirCacheTest() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  int stat_err(const std::string& path, bool follow = true) {
    Result<lx::abi::Stat> r = vfs_->stat("/", path, follow);
    return r.ok() ? 0 : r.error();
  }
  // Host events reach the cache through the watch thread: wait for them.
  bool eventually(const std::function<bool()>& cond) {
    for (int i = 0; i < 400; ++i) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  fs::path root_;
  std::unique_ptr<Vfs> vfs_;
};

TEST_F(DirCacheTest, HostRenameOfACachedDirectoryIsSeen) {
  ASSERT_EQ(stat_err("/a/b/c/f"), 0);
  ASSERT_EQ(stat_err("/a/b/c/f"), 0);  // now through the cache
  fs::rename(root_ / "a" / "b", root_ / "a" / "b2");
  EXPECT_TRUE(eventually([&] { return stat_err("/a/b/c/f") == ENOENT; }));
  EXPECT_EQ(stat_err("/a/b2/c/f"), 0);
}

TEST_F(DirCacheTest, HostReplacingADirectoryWithASymlinkIsFollowedInsideTheRoot) {
  ASSERT_EQ(stat_err("/a/b/c/f"), 0);
  fs::remove_all(root_ / "a" / "b");
  fs::create_symlink("/etc", root_ / "a" / "b");
  // The absolute target restarts at the guest root, never the host's /etc.
  EXPECT_TRUE(eventually([&] { return stat_err("/a/b/passwd") == 0; }));
  EXPECT_EQ(stat_err("/a/b/c/f"), ENOENT);
}

TEST_F(DirCacheTest, DotDotAndMissingNamesThroughCachedDirectories) {
  ASSERT_EQ(stat_err("/a/b/c/f"), 0);
  EXPECT_EQ(stat_err("/a/b/c/../c/f"), 0);
  EXPECT_EQ(stat_err("/a/b/c/../../../../etc/passwd"), 0);
  EXPECT_EQ(stat_err("/a/b/c/missing"), ENOENT);
  EXPECT_EQ(stat_err("/a/b/c/f/"), ENOTDIR);
  EXPECT_EQ(stat_err("/a/b/c/f/x"), ENOTDIR);
}

TEST_F(DirCacheTest, StatOfACachedDirectoryIsFresh) {
  ASSERT_EQ(stat_err("/a/b/c/f"), 0);
  const auto before = vfs_->stat("/", "/a/b/c", true).value().st_nlink;
  fs::create_directory(root_ / "a" / "b" / "c" / "d");  // no watched event, but nlink changes
  EXPECT_EQ(vfs_->stat("/", "/a/b/c", true).value().st_nlink, before + 1);
  EXPECT_EQ(vfs_->stat("/", "/a/b/c/.", true).value().st_nlink, before + 1);
}

TEST_F(DirCacheTest, SymlinkFinalNamesFollowOnlyWhenAsked) {
  fs::create_symlink("c/f", root_ / "a" / "b" / "lnk");
  const std::string lnk = "/a/b/lnk";
  lx::abi::Stat followed = vfs_->stat("/", lnk, true).value();
  lx::abi::Stat link = vfs_->stat("/", lnk, false).value();
  EXPECT_EQ(followed.st_mode & S_IFMT, static_cast<unsigned>(S_IFREG));
  EXPECT_EQ(link.st_mode & S_IFMT, static_cast<unsigned>(S_IFLNK));
  if (::setxattr((root_ / "a" / "b" / "c" / "f").c_str(), "user.lx", "v", 1, 0) != 0)
    GTEST_SKIP() << "no user xattrs on this host filesystem";
  uint8_t buf[8];
  EXPECT_EQ(vfs_->getxattr("/", lnk, "user.lx", buf, true).value(), 1u);
  Result<uint64_t> own = vfs_->getxattr("/", lnk, "user.lx", buf, false);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error(), ENODATA);  // a symlink has no user.* xattrs
  EXPECT_EQ(vfs_->getxattr("/", "/a/b/c/f", "user.lx", buf, false).value(), 1u);
}

TEST_F(DirCacheTest, GetxattrAfterStatSeesAHostReplacementByASymlink) {
  const fs::path f = root_ / "a" / "b" / "c" / "f";
  if (::setxattr(f.c_str(), "user.lx", "v", 1, 0) != 0) GTEST_SKIP() << "no user xattrs on this host filesystem";
  std::ofstream(root_ / "a" / "b" / "c" / "g") << "g";
  uint8_t buf[8];
  // ls's order: lstat notes the name's type, then getxattr follows (or not) by it.
  ASSERT_EQ(stat_err("/a/b/c/g", false), 0);
  ASSERT_EQ(stat_err("/a/b/c/g", false), 0);  // the directory is cached now
  Result<uint64_t> plain = vfs_->getxattr("/", "/a/b/c/g", "user.lx", buf, true);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error(), ENODATA);
  // The host replaces the file by a symlink to f: the noted type is stale.
  fs::remove(root_ / "a" / "b" / "c" / "g");
  fs::create_symlink("f", root_ / "a" / "b" / "c" / "g");
  EXPECT_TRUE(eventually([&] {
    Result<uint64_t> r = vfs_->getxattr("/", "/a/b/c/g", "user.lx", buf, true);
    return r.ok() && r.value() == 1u;
  }));
  // A noted symlink is followed by getxattr and not by lgetxattr.
  ASSERT_EQ(stat_err("/a/b/c/g", false), 0);
  EXPECT_EQ(vfs_->getxattr("/", "/a/b/c/g", "user.lx", buf, true).value(), 1u);
  Result<uint64_t> own = vfs_->getxattr("/", "/a/b/c/g", "user.lx", buf, false);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error(), ENODATA);
}


// ---- xattrs answered from a note (DirCache::facts, XattrAbsence) --------------

constexpr char kAcl[] = "system.posix_acl_access";

// An extended access ACL (user::rw-, user:12345:r--, group::r--, mask::r--,
// other::r--) in the kernel's xattr format: stored as an xattr, unlike an
// ACL the mode bits alone express.
std::vector<uint8_t> ExtendedAcl() {
  std::vector<uint8_t> v;
  auto u16 = [&](uint16_t x) { v.push_back(x & 0xff); v.push_back(x >> 8); };
  auto u32 = [&](uint32_t x) { u16(x & 0xffff); u16(x >> 16); };
  u32(2);  // POSIX_ACL_XATTR_VERSION
  const struct { uint16_t tag, perm; uint32_t id; } entries[] = {
      {0x01, 6, 0xffffffff}, {0x02, 4, 12345}, {0x04, 4, 0xffffffff}, {0x10, 4, 0xffffffff}, {0x20, 4, 0xffffffff}};
  for (const auto& e : entries) {
    u16(e.tag);
    u16(e.perm);
    u32(e.id);
  }
  return v;
}

long host_outcome(const fs::path& p, const char* name, bool follow) {
  uint8_t buf[256];
  ssize_t n = follow ? ::getxattr(p.c_str(), name, buf, sizeof buf) : ::lgetxattr(p.c_str(), name, buf, sizeof buf);
  return n >= 0 ? n : -errno;
}

long vfs_outcome(Vfs& vfs, const std::string& path, const char* name, bool follow) {
  uint8_t buf[256];
  Result<uint64_t> r = vfs.getxattr("/", path, name, buf, follow);
  return r.ok() ? static_cast<long>(r.value()) : -r.error();
}

TEST_F(DirCacheTest, XattrAnswersAfterStatMatchTheHostForEveryType) {
  const fs::path c = root_ / "a" / "b" / "c";
  std::ofstream(c / "g") << "g";
  fs::create_symlink("f", c / "l");
  fs::create_directory(c / "d");
  const bool user_xattrs = ::setxattr((c / "g").c_str(), "user.lx", "v", 1, 0) == 0;
  const char* names[] = {"security.selinux", "security.capability", kAcl, "system.posix_acl_default",
                         "user.lx", "lxbogus.x"};
  for (int round = 0; round < 3; ++round) {
    for (const char* entry : {"f", "g", "l", "d", ".", ".."}) {
      const std::string path = std::string("/a/b/c/") + entry;
      for (const char* n : names) {
        for (bool follow : {false, true}) {
          SCOPED_TRACE(path + " " + n + (follow ? " followed" : " own") + " round " + std::to_string(round));
          vfs_->begin_syscall();
          ASSERT_TRUE(vfs_->stat("/", path, false).ok());
          vfs_->begin_syscall();
          EXPECT_EQ(vfs_outcome(*vfs_, path, n, follow), host_outcome(c / entry, n, follow));
          vfs_->begin_syscall();
          EXPECT_EQ(vfs_outcome(*vfs_, path, n, follow), host_outcome(c / entry, n, follow));
        }
      }
    }
  }
  if (!user_xattrs) GTEST_SKIP() << "no user xattrs on this host filesystem";
}

TEST_F(DirCacheTest, AnXattrSetThroughAnotherMountBetweenCallsIsSeen) {
  // The same host directory, writable at /etc: a change through it must be
  // seen by the next call on the read-only path, watch thread or not.
  ASSERT_TRUE(vfs_->mount_host(root_.string(), "/etc", false).ok());
  const std::vector<uint8_t> acl = ExtendedAcl();
  std::ofstream(root_ / "a" / "b" / "c" / "f2") << "x";
  vfs_->begin_syscall();
  ASSERT_TRUE(vfs_->stat("/", "/a/b/c/f2", false).ok());
  vfs_->begin_syscall();
  ASSERT_EQ(vfs_outcome(*vfs_, "/a/b/c/f2", kAcl, true), -ENODATA);  // learns regular files' answer
  vfs_->begin_syscall();
  ASSERT_TRUE(vfs_->stat("/", "/a/b/c/f", false).ok());
  vfs_->begin_syscall();
  ASSERT_EQ(vfs_outcome(*vfs_, "/a/b/c/f", kAcl, false), -ENODATA);  // f's list: empty
  vfs_->begin_syscall();
  if (!vfs_->setxattr("/", "/etc/a/b/c/f", kAcl, acl, 0, true).ok()) GTEST_SKIP() << "no ACLs on this host filesystem";
  vfs_->begin_syscall();
  EXPECT_EQ(vfs_outcome(*vfs_, "/a/b/c/f", kAcl, true), static_cast<long>(acl.size()));
  vfs_->begin_syscall();
  EXPECT_EQ(vfs_outcome(*vfs_, "/a/b/c/f", kAcl, false), static_cast<long>(acl.size()));
}

TEST_F(DirCacheTest, AnXattrTheHostSetsAfterTheListIsSeenThroughTheWatch) {
  const fs::path f = root_ / "a" / "b" / "c" / "f";
  std::ofstream(root_ / "a" / "b" / "c" / "f2") << "x";
  ASSERT_TRUE(vfs_->stat("/", "/a/b/c/f2", false).ok());
  ASSERT_EQ(vfs_outcome(*vfs_, "/a/b/c/f2", kAcl, true), -ENODATA);  // learns regular files' answer
  ASSERT_TRUE(vfs_->stat("/", "/a/b/c/f", false).ok());
  ASSERT_EQ(vfs_outcome(*vfs_, "/a/b/c/f", kAcl, false), -ENODATA);  // f's list: empty
  const std::vector<uint8_t> acl = ExtendedAcl();
  if (::setxattr(f.c_str(), kAcl, acl.data(), acl.size(), 0) != 0) GTEST_SKIP() << "no ACLs on this host filesystem";
  // No begin_syscall(): only the watch (IN_ATTRIB on an entry) drops the note.
  EXPECT_TRUE(eventually([&] { return vfs_outcome(*vfs_, "/a/b/c/f", kAcl, true) == static_cast<long>(acl.size()); }));
}

TEST_F(DirCacheTest, NotesLastOneSyscallOnly) {
  std::ofstream(root_ / "a" / "b" / "c" / "g") << "g";
  vfs_->begin_syscall();
  ASSERT_TRUE(vfs_->stat("/", "/a/b/c/g", false).ok());
  ASSERT_TRUE(vfs_->stat("/", "/a/b/c/g", false).ok());  // the directory is cached now
  ASSERT_TRUE(vfs_->stat("/", "/a/b/c/g", false).ok());  // ... and g noted
  fs::remove(root_ / "a" / "b" / "c" / "g");
  fs::create_symlink("f", root_ / "a" / "b" / "c" / "g");
  if (::setxattr((root_ / "a" / "b" / "c" / "f").c_str(), "user.lx", "v", 1, 0) != 0)
    GTEST_SKIP() << "no user xattrs on this host filesystem";
  // Two calls later the note is gone whether or not the watch has spoken:
  // getxattr asks what g is now and follows the symlink.
  vfs_->begin_syscall();
  vfs_->begin_syscall();
  EXPECT_EQ(vfs_outcome(*vfs_, "/a/b/c/g", "user.lx", true), 1);
}

}  // namespace
