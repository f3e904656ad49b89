// The mount table and the kernel's path walk: crossing mounts both ways,
// `..` at the root and at mount roots, symlink loops, RESOLVE_* flags,
// read-only mounts, bind mounts, and hostfs read-write operations.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "kernel/vfs/Vfs.h"

namespace {

using namespace lx;
namespace fs = std::filesystem;

template <typename T>
int error_of(const Result<T>& r) {
  return r.ok() ? 0 : r.error();
}

// host/
//   outside            never reachable
//   root/              the instance root (read-only)
//     etc/hosts
//     mnt/             hostfs mount of host/data (read-write)
//     tmp/             tmpfs
//     up -> ../../..   escapes lexically
//     abs -> /mnt/f
//     self -> self
//   data/f             "data"
class Mounts : public ::testing::Test {
 protected:
  Mounts() {
    char tmpl[] = "/tmp/lx_mount_test.XXXXXX";
    host_ = mkdtemp(tmpl);
    root_ = host_ / "root";
    fs::create_directories(root_ / "etc");
    fs::create_directories(root_ / "mnt");
    fs::create_directories(root_ / "tmp");
    fs::create_directories(host_ / "data");
    std::ofstream(host_ / "outside") << "secret";
    std::ofstream(root_ / "etc" / "hosts") << "hosts";
    std::ofstream(host_ / "data" / "f") << "data";
    fs::create_symlink("../../..", root_ / "up");
    fs::create_symlink("/mnt/f", root_ / "abs");
    fs::create_symlink("self", root_ / "self");
    vfs = Vfs::create(root_.string(), true).release_value();
    EXPECT_TRUE(vfs->mount_host((host_ / "data").string(), "/mnt", false).ok());
    EXPECT_TRUE(vfs->mount_tmpfs("/tmp").ok());
  }
  ~Mounts() override {
    std::error_code ec;
    fs::remove_all(host_, ec);
  }
  int open_err(const std::string& base, const std::string& path, int flags, unsigned resolve = 0) {
    return error_of(vfs->open(base, path, flags, 0644, resolve));
  }

  fs::path host_, root_;
  std::unique_ptr<Vfs> vfs;
};

TEST_F(Mounts, TableLookupsAndStacking) {
  const MountNamespace& ns = vfs->mounts();
  EXPECT_EQ(ns.mount_at("/"), &ns.root());
  ASSERT_NE(ns.mount_at("/mnt"), nullptr);
  EXPECT_EQ(ns.mount_at("/mnt")->source, "hostfs:" + (host_ / "data").string());
  EXPECT_EQ(ns.mount_at("/etc"), nullptr);
  EXPECT_TRUE(ns.has_mount_at_or_below("/tmp"));
  EXPECT_FALSE(ns.has_mount_at_or_below("/tm"));
  EXPECT_FALSE(ns.has_mount_at_or_below("/etc"));
  // A second mount on /tmp hides the first.
  ASSERT_TRUE(vfs->mount_tmpfs("/tmp").ok());
  EXPECT_EQ(vfs->mounts().mounts().size(), 4u);
  EXPECT_EQ(error_of(vfs->mount_tmpfs("/nope")), ENOENT);
  EXPECT_EQ(error_of(vfs->mount_tmpfs("/etc/hosts")), ENOTDIR);
}

TEST_F(Mounts, WalkCrossesIntoAndOutOfMounts) {
  auto f = vfs->stat("/", "/mnt/f", true);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.value().st_size, 4);
  EXPECT_EQ(vfs->resolve_directory("/mnt", "..").value_or("?"), "/");
  EXPECT_EQ(vfs->resolve_directory("/", "/mnt/../etc").value_or("?"), "/etc");
  EXPECT_EQ(vfs->resolve_directory("/", "/tmp/../mnt/.").value_or("?"), "/mnt");
  EXPECT_TRUE(vfs->stat("/", "/mnt/../etc/hosts", true).ok());
  // The mount's root is its host directory's: `..` never reaches host/.
  EXPECT_EQ(error_of(vfs->stat("/mnt", "../outside", true)), ENOENT);
  struct stat host_dir;
  ASSERT_EQ(::stat((host_ / "data").c_str(), &host_dir), 0);
  EXPECT_EQ(vfs->stat("/", "/mnt", true).value().st_ino, host_dir.st_ino);
}

TEST_F(Mounts, EscapesStayInsideTheRoot) {
  EXPECT_EQ(vfs->resolve_directory("/", "/up").value_or("?"), "/");
  EXPECT_EQ(vfs->resolve_directory("/", "/../../..").value_or("?"), "/");
  EXPECT_EQ(error_of(vfs->stat("/", "/up/outside", true)), ENOENT);
  auto abs = vfs->stat("/", "/abs", true);  // absolute symlink, resolved in the instance, into a mount
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(abs.value().st_size, 4);
}

TEST_F(Mounts, SymlinkLoopsAndTrailingSlashes) {
  EXPECT_EQ(error_of(vfs->stat("/", "/self", true)), ELOOP);
  EXPECT_TRUE(vfs->stat("/", "/self", false).ok());
  EXPECT_EQ(open_err("/", "/abs", O_RDONLY | O_NOFOLLOW), ELOOP);
  EXPECT_EQ(error_of(vfs->stat("/", "/etc/hosts/", true)), ENOTDIR);
  EXPECT_EQ(error_of(vfs->stat("/", "/abs/", false)), ENOTDIR);  // the slash follows, to a file
  // 40 links are fine, the 41st is ELOOP.
  ASSERT_TRUE(vfs->mkdir("/", "/tmp/c", 0755).ok());
  ASSERT_TRUE(vfs->symlink("/tmp/c", "/", "/tmp/l0").ok());
  for (int i = 1; i <= 41; ++i)
    ASSERT_TRUE(vfs->symlink("l" + std::to_string(i - 1), "/", "/tmp/l" + std::to_string(i)).ok());
  EXPECT_TRUE(vfs->stat("/", "/tmp/l39", true).ok());
  EXPECT_EQ(error_of(vfs->stat("/", "/tmp/l40", true)), ELOOP);
}

TEST_F(Mounts, ResolveFlags) {
  EXPECT_EQ(open_err("/mnt", "../etc/hosts", O_RDONLY, kResolveBeneath), EXDEV);
  EXPECT_EQ(open_err("/", "/etc/hosts", O_RDONLY, kResolveBeneath), EXDEV);
  EXPECT_EQ(open_err("/", "abs", O_RDONLY, kResolveBeneath), EXDEV);  // absolute symlink
  EXPECT_EQ(open_err("/", "etc/../etc/hosts", O_RDONLY, kResolveBeneath), 0);
  // IN_ROOT: the dirfd is "/"; absolute paths and `..` stay in it.
  EXPECT_EQ(open_err("/mnt", "/f", O_RDONLY, kResolveInRoot), 0);
  EXPECT_EQ(open_err("/mnt", "../../f", O_RDONLY, kResolveInRoot), 0);
  EXPECT_EQ(open_err("/", "abs", O_RDONLY, kResolveNoSymlinks), ELOOP);
  EXPECT_EQ(open_err("/", "abs", O_PATH | O_NOFOLLOW, kResolveNoSymlinks), 0);
  EXPECT_EQ(open_err("/", "mnt/f", O_RDONLY, kResolveNoXdev), EXDEV);
  EXPECT_EQ(open_err("/mnt", "f", O_RDONLY, kResolveNoXdev), 0);  // the dirfd may be across
  EXPECT_EQ(open_err("/mnt", "..", O_RDONLY, kResolveNoXdev), EXDEV);
  EXPECT_EQ(open_err("/", "etc", O_RDONLY, kResolveNoMagiclinks), 0);
  EXPECT_EQ(open_err("/", "etc", O_RDONLY, 0x1000), EINVAL);
  EXPECT_EQ(open_err("/", "etc", O_RDONLY, kResolveBeneath | kResolveInRoot), EINVAL);
}

TEST_F(Mounts, ReadOnlyRootAndWritableMounts) {
  EXPECT_EQ(open_err("/", "/etc/new", O_WRONLY | O_CREAT), EROFS);
  EXPECT_EQ(error_of(vfs->mkdir("/", "/etc/d", 0755)), EROFS);
  EXPECT_EQ(error_of(vfs->mkdir("/", "/etc", 0755)), EEXIST);  // EEXIST before EROFS
  EXPECT_EQ(error_of(vfs->unlink("/", "/etc/nope")), EROFS);   // EROFS before ENOENT
  EXPECT_EQ(error_of(vfs->rmdir("/", "/mnt")), EROFS);
  EXPECT_EQ(vfs->statfs("/", "/etc").value().f_flags & 1, 1);
  ASSERT_TRUE(vfs->mkdir("/", "/tmp/x", 0755).ok());
  EXPECT_EQ(error_of(vfs->rename("/", "/mnt/f", "/", "/tmp/f", 0)), EXDEV);
  EXPECT_EQ(error_of(vfs->link("/", "/mnt/f", "/", "/tmp/f", false)), EXDEV);
}

TEST_F(Mounts, BindMountOfAPathInsideTheInstance) {
  ASSERT_TRUE(vfs->mkdir("/", "/tmp/src", 0755).ok());
  ASSERT_TRUE(vfs->symlink("x", "/", "/tmp/src/l").ok());
  ASSERT_TRUE(vfs->bind("/tmp/src", "/etc", true).ok());
  EXPECT_EQ(vfs->readlink("/", "/etc/l").value_or("?"), "x");
  EXPECT_EQ(error_of(vfs->symlink("y", "/", "/etc/m")), EROFS);
  ASSERT_TRUE(vfs->symlink("y", "/", "/tmp/src/m").ok());
  EXPECT_EQ(vfs->readlink("/", "/etc/m").value_or("?"), "y");
  EXPECT_EQ(vfs->resolve_directory("/etc", "..").value_or("?"), "/");
}

TEST_F(Mounts, HostfsReadWriteOperations) {
  const fs::path d = host_ / "data";
  ASSERT_TRUE(vfs->mkdir("/", "/mnt/dir", 0750).ok());
  EXPECT_TRUE(fs::is_directory(d / "dir"));
  auto f = vfs->open("/", "/mnt/dir/new", O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_TRUE(f.ok()) << f.error();
  const uint8_t hi[] = {'h', 'i'};
  ASSERT_TRUE(f.value()->write(hi).ok());
  ASSERT_TRUE(f.value()->chmod(0640).ok());
  EXPECT_EQ(vfs->stat("/", "/mnt/dir/new", true).value().st_mode & 07777, 0640u);
  ASSERT_TRUE(vfs->link("/", "/mnt/dir/new", "/", "/mnt/hard", false).ok());
  EXPECT_EQ(fs::hard_link_count(d / "hard"), 2u);
  ASSERT_TRUE(vfs->symlink("dir/new", "/", "/mnt/sym").ok());
  EXPECT_EQ(fs::read_symlink(d / "sym"), "dir/new");
  ASSERT_TRUE(vfs->rename("/", "/mnt/hard", "/", "/mnt/dir/moved", 0).ok());
  EXPECT_TRUE(fs::exists(d / "dir" / "moved"));
  ASSERT_TRUE(vfs->truncate("/", "/mnt/sym", 1).ok());
  EXPECT_EQ(fs::file_size(d / "dir" / "new"), 1u);
  lx::abi::Timespec ts[2] = {{1000, 0}, {2000, 0}};
  ASSERT_TRUE(vfs->utimens("/", "/mnt/dir/new", ts, true).ok());
  EXPECT_EQ(vfs->stat("/", "/mnt/dir/new", true).value().st_mtime_sec, 2000);
  ASSERT_TRUE(vfs->mknod("/", "/mnt/fifo", S_IFIFO | 0600, 0).ok());
  EXPECT_TRUE(fs::is_fifo(d / "fifo"));
  if (::getuid() != 0) {
    EXPECT_EQ(error_of(vfs->chown("/", "/mnt/fifo", 0, 0, true)), EPERM);
  }
  const uint8_t v[] = {'1'};
  auto x = vfs->setxattr("/", "/mnt/dir/new", "user.t", v, 0, true);
  if (x.ok()) {
    EXPECT_EQ(vfs->getxattr("/", "/mnt/dir/new", "user.t", {}, true).value_or(0), 1u);
  } else {
    EXPECT_EQ(x.error(), EOPNOTSUPP);  // host filesystem without user xattrs
  }
  EXPECT_EQ(error_of(vfs->unlink("/", "/mnt/dir")), EISDIR);
  EXPECT_EQ(error_of(vfs->rmdir("/", "/mnt/dir")), ENOTEMPTY);
  ASSERT_TRUE(vfs->unlink("/", "/mnt/dir/new").ok());
  ASSERT_TRUE(vfs->unlink("/", "/mnt/dir/moved").ok());
  ASSERT_TRUE(vfs->rmdir("/", "/mnt/dir").ok());
  EXPECT_FALSE(fs::exists(d / "dir"));
  EXPECT_TRUE(fs::exists(host_ / "outside"));
}

}  // namespace
