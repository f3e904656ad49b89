// user.* extended attributes: set/get/list/remove, XATTR_CREATE/REPLACE,
// ERANGE for short buffers, ENODATA, the name and size limits.
#include "common.h"
#include "tmpdir.h"

#include <sys/xattr.h>

#include <set>

using namespace conf;

namespace {

std::set<std::string> Names(const char* buf, ssize_t n) {
  std::set<std::string> out;
  for (ssize_t i = 0; i < n;) {
    std::string s(buf + i);
    out.insert(s);
    i += static_cast<ssize_t>(s.size()) + 1;
  }
  return out;
}

class Xattr : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(WriteFile(file_, "x")); }
  TempDir dir_;
  std::string file_ = dir_ / "f";
};

}  // namespace

TEST_F(Xattr, SetThenGet) {
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.color", "blue", 4, 0));
  char buf[16] = {};
  EXPECT_EQ(getxattr(file_.c_str(), "user.color", buf, sizeof(buf)), 4);
  EXPECT_STREQ(buf, "blue");
  // Size 0 asks for the length.
  EXPECT_EQ(getxattr(file_.c_str(), "user.color", nullptr, 0), 4);
  // Replacing is the default.
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.color", "red", 3, 0));
  EXPECT_EQ(getxattr(file_.c_str(), "user.color", buf, sizeof(buf)), 3);
  EXPECT_EQ(std::string(buf, 3), "red");
}

TEST_F(Xattr, EmptyValue) {
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.empty", "", 0, 0));
  char buf[4];
  EXPECT_EQ(getxattr(file_.c_str(), "user.empty", buf, sizeof(buf)), 0);
}

TEST_F(Xattr, ShortBufferIsERANGE) {
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.v", "12345678", 8, 0));
  char buf[4];
  EXPECT_ERRNO(ERANGE, getxattr(file_.c_str(), "user.v", buf, sizeof(buf)));
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.w", "1", 1, 0));
  EXPECT_ERRNO(ERANGE, listxattr(file_.c_str(), buf, 3));
}

TEST_F(Xattr, MissingIsENODATA) {
  char buf[4];
  EXPECT_ERRNO(ENODATA, getxattr(file_.c_str(), "user.none", buf, sizeof(buf)));
  EXPECT_ERRNO(ENODATA, removexattr(file_.c_str(), "user.none"));
  EXPECT_ERRNO(ENODATA, setxattr(file_.c_str(), "user.none", "v", 1, XATTR_REPLACE));
}

TEST_F(Xattr, CreateAndReplaceFlags) {
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.a", "1", 1, XATTR_CREATE));
  EXPECT_ERRNO(EEXIST, setxattr(file_.c_str(), "user.a", "2", 1, XATTR_CREATE));
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.a", "3", 1, XATTR_REPLACE));
  char c = 0;
  EXPECT_EQ(getxattr(file_.c_str(), "user.a", &c, 1), 1);
  EXPECT_EQ(c, '3');
  EXPECT_ERRNO(EINVAL, setxattr(file_.c_str(), "user.a", "1", 1, 4));
}

TEST_F(Xattr, ListAndRemove) {
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.one", "1", 1, 0));
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.two", "22", 2, 0));
  char buf[256];
  const ssize_t need = listxattr(file_.c_str(), nullptr, 0);
  ASSERT_GT(need, 0);
  const ssize_t n = listxattr(file_.c_str(), buf, sizeof(buf));
  ASSERT_EQ(n, need);
  std::set<std::string> names = Names(buf, n);
  EXPECT_TRUE(names.count("user.one"));
  EXPECT_TRUE(names.count("user.two"));
  ASSERT_SYS_OK(removexattr(file_.c_str(), "user.one"));
  EXPECT_ERRNO(ENODATA, getxattr(file_.c_str(), "user.one", buf, sizeof(buf)));
  names = Names(buf, listxattr(file_.c_str(), buf, sizeof(buf)));
  EXPECT_FALSE(names.count("user.one"));
  EXPECT_TRUE(names.count("user.two"));
}

TEST_F(Xattr, NameLimits) {
  EXPECT_ERRNO(ERANGE, setxattr(file_.c_str(), "", "v", 1, 0));
  const std::string long_name = "user." + std::string(251, 'n');  // 256 bytes
  EXPECT_ERRNO(ERANGE, setxattr(file_.c_str(), long_name.c_str(), "v", 1, 0));
  char buf[4];
  EXPECT_ERRNO(ERANGE, getxattr(file_.c_str(), long_name.c_str(), buf, sizeof(buf)));
  EXPECT_ERRNO(ERANGE, removexattr(file_.c_str(), ""));
  EXPECT_ERRNO(EFAULT, syscall(SYS_setxattr, file_.c_str(), kOnePtr, "v", 1, 0));
  // Unknown namespaces are not supported by any filesystem.
  EXPECT_ERRNO(EOPNOTSUPP, setxattr(file_.c_str(), "nonsense.x", "v", 1, 0));
}

TEST_F(Xattr, ValueLimits) {
  EXPECT_ERRNO(E2BIG, syscall(SYS_setxattr, file_.c_str(), "user.big", kOnePtr, 65537, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_setxattr, file_.c_str(), "user.bad", kOnePtr, 4, 0));
  ASSERT_SYS_OK(setxattr(file_.c_str(), "user.v", "1234", 4, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_getxattr, file_.c_str(), "user.v", kOnePtr, 4));
}

TEST_F(Xattr, PathErrors) {
  char buf[4];
  EXPECT_ERRNO(ENOENT, getxattr((dir_ / "nope").c_str(), "user.a", buf, sizeof(buf)));
  EXPECT_ERRNO(ENOENT, setxattr((dir_ / "nope").c_str(), "user.a", "v", 1, 0));
  EXPECT_ERRNO(ENOENT, listxattr((dir_ / "nope").c_str(), buf, sizeof(buf)));
  EXPECT_ERRNO(ENOENT, getxattr("", "user.a", buf, sizeof(buf)));
}

TEST_F(Xattr, FdForms) {
  ScopedFd fd(open(file_.c_str(), O_RDWR));
  ASSERT_SYS_OK(fsetxattr(fd, "user.k", "vv", 2, 0));
  char buf[16] = {};
  EXPECT_EQ(fgetxattr(fd, "user.k", buf, sizeof(buf)), 2);
  EXPECT_EQ(getxattr(file_.c_str(), "user.k", buf, sizeof(buf)), 2);
  EXPECT_TRUE(Names(buf, flistxattr(fd, buf, sizeof(buf))).count("user.k"));
  ASSERT_SYS_OK(fremovexattr(fd, "user.k"));
  EXPECT_ERRNO(ENODATA, fgetxattr(fd, "user.k", buf, sizeof(buf)));
  EXPECT_ERRNO(EBADF, fgetxattr(-1, "user.k", buf, sizeof(buf)));
  EXPECT_ERRNO(EBADF, fsetxattr(-1, "user.k", "v", 1, 0));
  ScopedFd p(open(file_.c_str(), O_PATH));
  EXPECT_ERRNO(EBADF, fgetxattr(p, "user.k", buf, sizeof(buf)));
  EXPECT_ERRNO(EBADF, flistxattr(p, buf, sizeof(buf)));
}

TEST_F(Xattr, DirectoriesHoldUserAttributes) {
  ASSERT_SYS_OK(setxattr(dir_.path().c_str(), "user.d", "1", 1, 0));
  char c;
  EXPECT_EQ(getxattr(dir_.path().c_str(), "user.d", &c, 1), 1);
}

TEST_F(Xattr, SymlinksRefuseUserAttributes) {
  ASSERT_SYS_OK(symlink("f", (dir_ / "l").c_str()));
  // l* forms act on the link: user.* is only for files and directories.
  EXPECT_ERRNO(EPERM, lsetxattr((dir_ / "l").c_str(), "user.a", "v", 1, 0));
  char buf[4];
  EXPECT_ERRNO(ENODATA, lgetxattr((dir_ / "l").c_str(), "user.a", buf, sizeof(buf)));
  // The plain forms follow it to the file.
  ASSERT_SYS_OK(setxattr((dir_ / "l").c_str(), "user.a", "v", 1, 0));
  EXPECT_EQ(getxattr(file_.c_str(), "user.a", buf, sizeof(buf)), 1);
}
