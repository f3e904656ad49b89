// XattrAbsence (kernel/vfs/XattrAbsence.h): which names may be learned, the
// list parsing, and that answers are kept per (filesystem, type, name) and
// only for filesystems judged exact.
#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "kernel/vfs/XattrAbsence.h"

namespace {

using lx::XattrAbsence;
using namespace std::string_literals;

constexpr unsigned kReg = 0100000, kLnk = 0120000;

TEST(XattrAbsence, OnlyNamesReadWithoutPermissionChecksAreLearnable) {
  EXPECT_TRUE(XattrAbsence::learnable("security.selinux"));
  EXPECT_TRUE(XattrAbsence::learnable("security.capability"));
  EXPECT_TRUE(XattrAbsence::learnable("system.posix_acl_access"));
  EXPECT_TRUE(XattrAbsence::learnable("system.posix_acl_default"));
  EXPECT_FALSE(XattrAbsence::learnable("security."));
  EXPECT_FALSE(XattrAbsence::learnable("user.x"));
  EXPECT_FALSE(XattrAbsence::learnable("trusted.x"));
  EXPECT_FALSE(XattrAbsence::learnable("system.nfs4_acl"));
  EXPECT_FALSE(XattrAbsence::learnable("bogus"));
}

TEST(XattrAbsence, ListedFindsWholeNamesOnly) {
  const std::string list = "user.a\0security.selinux\0"s;
  EXPECT_TRUE(XattrAbsence::listed(list, "user.a"));
  EXPECT_TRUE(XattrAbsence::listed(list, "security.selinux"));
  EXPECT_FALSE(XattrAbsence::listed(list, "security.selinu"));
  EXPECT_FALSE(XattrAbsence::listed(list, "user."));
  EXPECT_FALSE(XattrAbsence::listed("", "user.a"));
  EXPECT_TRUE(XattrAbsence::listed("user.a", "user.a"));  // no final NUL
}

TEST(XattrAbsence, AnswersArePerFilesystemTypeAndName) {
  XattrAbsence a;
  a.learn(1, kReg, "security.selinux", ENODATA);
  EXPECT_FALSE(a.answer(1, kReg, "security.selinux")) << "filesystem not judged yet";
  a.judge_fs(1, true);
  a.judge_fs(2, false);
  a.learn(1, kReg, "security.selinux", ENODATA);
  a.learn(1, kLnk, "system.posix_acl_access", EOPNOTSUPP);
  a.learn(2, kReg, "security.selinux", ENODATA);
  a.learn(1, kReg, "system.posix_acl_access", EACCES);  // not an absence answer
  a.learn(1, kReg, "user.x", ENODATA);                  // not learnable
  EXPECT_EQ(a.answer(1, kReg, "security.selinux"), ENODATA);
  EXPECT_EQ(a.answer(1, kLnk, "system.posix_acl_access"), EOPNOTSUPP);
  EXPECT_FALSE(a.answer(1, kLnk, "security.selinux"));
  EXPECT_FALSE(a.answer(1, kReg, "system.posix_acl_access"));
  EXPECT_FALSE(a.answer(1, kReg, "user.x"));
  EXPECT_FALSE(a.answer(2, kReg, "security.selinux"));
}

TEST(XattrAbsence, ADistrustedFilesystemForgetsAndLearnsNothing) {
  XattrAbsence a;
  a.judge_fs(1, true);
  a.learn(1, kReg, "security.selinux", ENODATA);
  a.distrust(1);
  EXPECT_FALSE(a.answer(1, kReg, "security.selinux"));
  EXPECT_EQ(a.fs_exact(1), false);
  a.judge_fs(1, true);  // stays distrusted
  a.learn(1, kReg, "security.selinux", ENODATA);
  EXPECT_FALSE(a.answer(1, kReg, "security.selinux"));
}

TEST(XattrAbsence, ExactListersAreInKernelFilesystems) {
  EXPECT_TRUE(XattrAbsence::exact_lister(0xEF53));      // ext4
  EXPECT_TRUE(XattrAbsence::exact_lister(0x01021994));  // tmpfs
  EXPECT_FALSE(XattrAbsence::exact_lister(0x65735546));  // fuse
  EXPECT_FALSE(XattrAbsence::exact_lister(0x6969));      // nfs
}

}  // namespace
