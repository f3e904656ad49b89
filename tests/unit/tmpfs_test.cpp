// tmpfs semantics through the Vfs facade: names, rename rules, nlink,
// getdents64 offsets under concurrent change, sparse data, ENOSPC, xattrs,
// statfs, timestamps.
#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernel/vfs/Vfs.h"

namespace {

using namespace lx;

template <typename T>
int error_of(const Result<T>& r) {
  return r.ok() ? 0 : r.error();
}

class Tmpfs : public ::testing::Test {
 protected:
  Tmpfs() {
    char tmpl[] = "/tmp/lx_tmpfs_test.XXXXXX";
    host_ = mkdtemp(tmpl);
    std::filesystem::create_directories(host_ + "/t");
    vfs = Vfs::create(host_, /*read_only=*/true).release_value();
    TmpfsOptions o;
    o.size_bytes = uint64_t{64} * 4096;
    EXPECT_TRUE(vfs->mount_tmpfs("/t", o).ok());
  }
  ~Tmpfs() override {
    std::error_code ec;
    std::filesystem::remove_all(host_, ec);
  }
  void put(const std::string& path, const std::string& data) {
    auto f = vfs->open("/", path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_TRUE(f.ok()) << path << ": " << f.error();
    auto w = f.value()->write({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
    ASSERT_TRUE(w.ok());
  }
  std::string get(const std::string& path) {
    auto f = vfs->open("/", path, O_RDONLY, 0);
    if (!f.ok()) return "<" + std::to_string(f.error()) + ">";
    std::string out;
    uint8_t buf[512];
    for (;;) {
      auto r = f.value()->read(buf);
      if (!r.ok() || r.value() == 0) break;
      out.append(reinterpret_cast<char*>(buf), r.value());
    }
    return out;
  }
  uint64_t nlink(const std::string& p) { return vfs->stat("/", p, false).value().st_nlink; }

  std::string host_;
  std::unique_ptr<Vfs> vfs;
};

TEST_F(Tmpfs, FilesDirectoriesAndSymlinksLiveInMemory) {
  put("/t/a", "hello");
  EXPECT_EQ(get("/t/a"), "hello");
  EXPECT_FALSE(std::filesystem::exists(host_ + "/t/a"));
  ASSERT_TRUE(vfs->mkdir("/", "/t/d", 0755).ok());
  EXPECT_EQ(error_of(vfs->mkdir("/", "/t/d", 0755)), EEXIST);
  ASSERT_TRUE(vfs->symlink("../a", "/", "/t/d/l").ok());
  EXPECT_EQ(get("/t/d/l"), "hello");
  EXPECT_EQ(vfs->readlink("/", "/t/d/l").value_or(""), "../a");
  auto st = vfs->stat("/", "/t/a", true);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().st_mode, S_IFREG | 0644u);
  EXPECT_EQ(st.value().st_size, 5);
  EXPECT_EQ(vfs->statfs("/", "/t").value().f_type, kTmpfsMagic);
}

TEST_F(Tmpfs, HardLinksCountAndDirectoriesCountSubdirectories) {
  put("/t/f", "x");
  ASSERT_TRUE(vfs->link("/", "/t/f", "/", "/t/g", false).ok());
  EXPECT_EQ(nlink("/t/f"), 2u);
  EXPECT_EQ(error_of(vfs->link("/", "/t", "/", "/t/dirlink", false)), EPERM);
  ASSERT_TRUE(vfs->unlink("/", "/t/f").ok());
  EXPECT_EQ(nlink("/t/g"), 1u);
  EXPECT_EQ(get("/t/g"), "x");
  const uint64_t before = nlink("/t");
  ASSERT_TRUE(vfs->mkdir("/", "/t/sub", 0755).ok());
  EXPECT_EQ(nlink("/t"), before + 1);
  EXPECT_EQ(nlink("/t/sub"), 2u);
  EXPECT_EQ(error_of(vfs->unlink("/", "/t/sub")), EISDIR);
  ASSERT_TRUE(vfs->rmdir("/", "/t/sub").ok());
  EXPECT_EQ(nlink("/t"), before);
}

TEST_F(Tmpfs, RmdirRules) {
  ASSERT_TRUE(vfs->mkdir("/", "/t/d", 0755).ok());
  put("/t/d/f", "");
  EXPECT_EQ(error_of(vfs->rmdir("/", "/t/d")), ENOTEMPTY);
  EXPECT_EQ(error_of(vfs->rmdir("/", "/t/d/f")), ENOTDIR);
  EXPECT_EQ(error_of(vfs->rmdir("/t/d", ".")), EINVAL);
  EXPECT_EQ(error_of(vfs->rmdir("/t/d", "..")), ENOTEMPTY);
  EXPECT_EQ(error_of(vfs->rmdir("/", "/")), EBUSY);
}

TEST_F(Tmpfs, RenameRules) {
  ASSERT_TRUE(vfs->mkdir("/", "/t/a", 0755).ok());
  ASSERT_TRUE(vfs->mkdir("/", "/t/a/b", 0755).ok());
  ASSERT_TRUE(vfs->mkdir("/", "/t/full", 0755).ok());
  put("/t/full/x", "");
  put("/t/f", "F");
  put("/t/g", "G");
  EXPECT_EQ(error_of(vfs->rename("/", "/t/a", "/", "/t/a/b/c", 0)), EINVAL);  // into its own subtree
  EXPECT_EQ(error_of(vfs->rename("/", "/t/a", "/", "/t/full", 0)), ENOTEMPTY);
  EXPECT_EQ(error_of(vfs->rename("/", "/t/a", "/", "/t/f", 0)), ENOTDIR);
  EXPECT_EQ(error_of(vfs->rename("/", "/t/f", "/", "/t/a", 0)), EISDIR);
  EXPECT_EQ(error_of(vfs->rename("/", "/t/f", "/", "/t/g", kRenameNoreplace)), EEXIST);
  EXPECT_EQ(error_of(vfs->rename("/", "/t/f", "/", "/t/none", kRenameExchange)), ENOENT);
  EXPECT_EQ(error_of(vfs->rename("/", "/t/f", "/", "/t/g", kRenameExchange | kRenameNoreplace)), EINVAL);
  ASSERT_TRUE(vfs->rename("/", "/t/f", "/", "/t/g", kRenameExchange).ok());
  EXPECT_EQ(get("/t/f"), "G");
  EXPECT_EQ(get("/t/g"), "F");
  ASSERT_TRUE(vfs->rename("/", "/t/f", "/", "/t/g", 0).ok());
  EXPECT_EQ(get("/t/g"), "G");
  EXPECT_EQ(error_of(vfs->stat("/", "/t/f", false)), ENOENT);
  // An empty directory may be replaced by a directory; the moved one changes parent.
  ASSERT_TRUE(vfs->mkdir("/", "/t/empty", 0755).ok());
  ASSERT_TRUE(vfs->rename("/", "/t/a/b", "/", "/t/empty", 0).ok());
  EXPECT_EQ(vfs->resolve_directory("/t/empty", "..").value_or("?"), "/t");
  EXPECT_EQ(nlink("/t/a"), 2u);
  EXPECT_EQ(error_of(vfs->rename("/", "/t/g", "/", "/tmpx", 0)), EXDEV);  // across mounts
}

std::vector<std::string> names_in(const uint8_t* p, uint64_t n) {
  std::vector<std::string> out;
  for (uint64_t off = 0; off < n;) {
    uint16_t reclen;
    std::memcpy(&reclen, p + off + 16, 2);
    out.emplace_back(reinterpret_cast<const char*>(p + off + 19));
    off += reclen;
  }
  return out;
}

TEST_F(Tmpfs, GetdentsOffsetsStayValidUnderConcurrentUnlink) {
  ASSERT_TRUE(vfs->mkdir("/", "/t/d", 0755).ok());
  for (int i = 0; i < 20; ++i) put("/t/d/f" + std::to_string(i), "");
  auto d = vfs->open("/", "/t/d", O_RDONLY | O_DIRECTORY, 0);
  ASSERT_TRUE(d.ok());
  std::vector<uint8_t> buf(96);  // a few records per call
  std::set<std::string> seen;
  bool removed = false;
  for (int call = 0; call < 100; ++call) {
    auto r = d.value()->getdents64(buf);
    ASSERT_TRUE(r.ok());
    if (r.value() == 0) break;
    for (auto& n : names_in(buf.data(), r.value())) EXPECT_TRUE(seen.insert(n).second) << "repeated " << n;
    if (!removed) {
      // Remove entries on both sides of the current position.
      for (int i = 0; i < 20; i += 2) (void)vfs->unlink("/", "/t/d/f" + std::to_string(i));
      removed = true;
    }
  }
  for (int i = 1; i < 20; i += 2) EXPECT_TRUE(seen.count("f" + std::to_string(i))) << "skipped f" << i;
  // lseek back to a returned d_off resumes there.
  ASSERT_TRUE(d.value()->seek(0, SEEK_SET).ok());
  auto again = d.value()->getdents64(buf);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(names_in(buf.data(), again.value()).front(), ".");
}

TEST_F(Tmpfs, SparseFilesAndEnospc) {
  auto f = vfs->open("/", "/t/big", O_RDWR | O_CREAT, 0644);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f.value()->truncate(1 << 30).ok());  // a 1 GiB hole costs nothing
  EXPECT_EQ(vfs->stat("/", "/t/big", true).value().st_blocks, 0);
  uint8_t z[4] = {1, 1, 1, 1};
  ASSERT_TRUE(f.value()->pread(z, 12345).ok());
  EXPECT_EQ(z[0], 0);
  std::vector<uint8_t> chunk(size_t{4096} * 80, 'x');  // more than the 64-page limit
  auto w = f.value()->pwrite(chunk, 0);
  ASSERT_TRUE(w.ok());
  EXPECT_LT(w.value(), chunk.size());  // short write at the limit
  EXPECT_EQ(error_of(f.value()->pwrite(chunk, static_cast<int64_t>(w.value()))), ENOSPC);
  EXPECT_EQ(vfs->statfs("/", "/t").value().f_bfree, 0u);
  ASSERT_TRUE(vfs->unlink("/", "/t/big").ok());
  f = err(EBADF);  // last reference: pages return
  EXPECT_EQ(vfs->statfs("/", "/t").value().f_bfree, 64u);
}

TEST_F(Tmpfs, XattrsAttributesAndTimes) {
  put("/t/f", "data");
  const uint8_t v[] = {'v', '1'};
  ASSERT_TRUE(vfs->setxattr("/", "/t/f", "user.a", v, 0, true).ok());
  ASSERT_TRUE(vfs->setxattr("/", "/t/f", "trusted.b", v, 0, true).ok());
  EXPECT_EQ(error_of(vfs->setxattr("/", "/t/f", "user.a", v, kXattrCreate, true)), EEXIST);
  EXPECT_EQ(error_of(vfs->setxattr("/", "/t/f", "user.zz", v, kXattrReplace, true)), ENODATA);
  EXPECT_EQ(error_of(vfs->setxattr("/", "/t/f", "bogus.a", v, 0, true)), EOPNOTSUPP);
  EXPECT_EQ(vfs->getxattr("/", "/t/f", "user.a", {}, true).value_or(0), 2u);
  uint8_t small[1];
  EXPECT_EQ(error_of(vfs->getxattr("/", "/t/f", "user.a", small, true)), ERANGE);
  EXPECT_EQ(vfs->listxattr("/", "/t/f", {}, true).value_or(0), std::strlen("trusted.b") + 1 + std::strlen("user.a") + 1);
  ASSERT_TRUE(vfs->removexattr("/", "/t/f", "user.a", true).ok());
  EXPECT_EQ(error_of(vfs->getxattr("/", "/t/f", "user.a", {}, true)), ENODATA);

  ASSERT_TRUE(vfs->chmod("/", "/t/f", 04711, true).ok());
  EXPECT_EQ(vfs->stat("/", "/t/f", true).value().st_mode, S_IFREG | 04711u);
  ASSERT_TRUE(vfs->chown("/", "/t/f", 1000, 1000, true).ok());
  auto st = vfs->stat("/", "/t/f", true).value();
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_mode & 07777, 0711u);  // chown drops set-user-ID
  lx::abi::Timespec ts[2] = {{100, 5}, {0, kUtimeOmit}};
  ASSERT_TRUE(vfs->utimens("/", "/t/f", ts, true).ok());
  auto st2 = vfs->stat("/", "/t/f", true).value();
  EXPECT_EQ(st2.st_atime_sec, 100);
  EXPECT_EQ(st2.st_mtime_sec, st.st_mtime_sec);
  EXPECT_GE(st2.st_ctime_sec, st.st_ctime_sec);
  ASSERT_TRUE(vfs->truncate("/", "/t/f", 2).ok());
  EXPECT_EQ(get("/t/f"), "da");
  EXPECT_EQ(error_of(vfs->truncate("/", "/t", 2)), EISDIR);
  EXPECT_EQ(error_of(vfs->truncate("/", "/t/f", -1)), EINVAL);
}

TEST_F(Tmpfs, MknodMakesFifoSocketAndDeviceInodes) {
  ASSERT_TRUE(vfs->mknod("/", "/t/p", S_IFIFO | 0600, 0).ok());
  ASSERT_TRUE(vfs->mknod("/", "/t/s", S_IFSOCK | 0600, 0).ok());
  // Devices: root only (outside any task the Vfs's credentials decide).
  ASSERT_TRUE(vfs->mknod("/", "/t/c", S_IFCHR | 0600, 0x0103).ok());
  EXPECT_EQ(vfs->stat("/", "/t/c", false).value().st_rdev, 0x0103u);
  // No driver registered for 1:3 in this Vfs, and no block devices at all.
  EXPECT_EQ(error_of(vfs->open("/", "/t/c", O_RDONLY, 0)), ENXIO);
  ASSERT_TRUE(vfs->mknod("/", "/t/b", S_IFBLK | 0600, 0x0700).ok());
  EXPECT_EQ(error_of(vfs->open("/", "/t/b", O_RDONLY, 0)), ENXIO);
  lx::Credentials user;
  user.uid = 1000;
  user.gid = 1000;
  vfs->set_credentials(user);
  EXPECT_EQ(error_of(vfs->mknod("/", "/t/c2", S_IFCHR | 0600, 0x0103)), EPERM);
  EXPECT_EQ(error_of(vfs->mknod("/", "/t/c", S_IFCHR | 0600, 0x0103)), EEXIST);  // EEXIST first
  vfs->set_credentials(lx::Credentials{});
  EXPECT_EQ(error_of(vfs->mknod("/", "/t/dir", S_IFDIR | 0600, 0)), EPERM);
  EXPECT_EQ(vfs->stat("/", "/t/p", false).value().st_mode & S_IFMT, static_cast<unsigned>(S_IFIFO));
  EXPECT_EQ(error_of(vfs->open("/", "/t/s", O_RDONLY, 0)), ENXIO);
}

TEST_F(Tmpfs, CreateExclusiveAndDanglingSymlinks) {
  ASSERT_TRUE(vfs->symlink("/t/target", "/", "/t/dangling").ok());
  EXPECT_EQ(error_of(vfs->open("/", "/t/dangling", O_WRONLY | O_CREAT | O_EXCL, 0644)), EEXIST);
  auto f = vfs->open("/", "/t/dangling", O_WRONLY | O_CREAT, 0644);  // creates the target
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_TRUE(vfs->stat("/", "/t/target", false).ok());
  EXPECT_EQ(error_of(vfs->open("/", "/t/newdir/", O_RDONLY | O_CREAT, 0644)), EISDIR);
  EXPECT_EQ(error_of(vfs->open("/", "/t/target/", O_RDONLY, 0)), ENOTDIR);
}

}  // namespace
