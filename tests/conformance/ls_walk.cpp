// The per-file calls of `ls -laR` on the (read-only, host) system tree, in
// ls's order: statx/lstat, lgetxattr, getxattr of the same name. Checks that
// getxattr follows a symlink and lgetxattr does not whatever was asked just
// before, that a name and a path read together keep their separate limits
// and errors (name first), and that strings ending next to an unmapped page
// or longer than one chunk are read whole. Under lx the xattrs a file lacks
// are answered from one listxattr after a stat of the name: every answer,
// for every type (file, directory, symlink, `.`, `..`) and namespace, must
// equal the one asked cold.
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include <cstring>
#include <string>
#include <vector>

using namespace conf;

namespace {

constexpr char kAcl[] = "system.posix_acl_access";

// The outcome of an xattr call as one comparable value: the size, or -errno.
long Outcome(ssize_t r) { return r >= 0 ? static_cast<long>(r) : -errno; }

// A symlink to a regular file somewhere under the system's read-only tree
// (a directory of /usr/share/doc, /usr/lib/...), or "" if there is none.
std::string FindSymlinkToFile() {
  for (const char* top : {"/usr/share/doc", "/usr/lib/x86_64-linux-gnu", "/usr/lib", "/etc/alternatives"}) {
    DIR* d = opendir(top);
    if (!d) continue;
    std::string found;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::string p = std::string(top) + "/" + e->d_name;
      struct stat l, t;
      if (lstat(p.c_str(), &l) == 0 && S_ISLNK(l.st_mode) && stat(p.c_str(), &t) == 0 && S_ISREG(t.st_mode)) {
        found = p;
        break;
      }
    }
    closedir(d);
    if (!found.empty()) return found;
  }
  return "";
}

// A regular file in a directory of /usr/share/doc, for the plain case.
std::string FindDocFile() {
  for (const char* p : {"/usr/share/doc/bash/copyright", "/usr/share/doc/libc6/copyright", "/etc/passwd"}) {
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISREG(st.st_mode)) return p;
  }
  return "";
}

}  // namespace

TEST(LsWalk, GetxattrAfterLstatOfSymlinkFollowsIt) {
  const std::string link = FindSymlinkToFile();
  if (link.empty()) GTEST_SKIP() << "no symlink to a regular file in the system tree";
  char target[PATH_MAX];
  ASSERT_NE(realpath(link.c_str(), target), nullptr);
  // What the target and the link itself answer, each asked cold.
  const long target_acl = Outcome(getxattr(target, kAcl, nullptr, 0));
  const long own_acl = Outcome(lgetxattr(link.c_str(), kAcl, nullptr, 0));
  // ls's sequence: lstat (the name is a symlink), then both forms.
  for (int round = 0; round < 2; ++round) {
    struct stat st;
    ASSERT_SYS_OK(lstat(link.c_str(), &st));
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(Outcome(lgetxattr(link.c_str(), kAcl, nullptr, 0)), own_acl);
    EXPECT_EQ(Outcome(getxattr(link.c_str(), kAcl, nullptr, 0)), target_acl);
    // stat (following) in between changes nothing either.
    ASSERT_SYS_OK(stat(link.c_str(), &st));
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(Outcome(getxattr(link.c_str(), kAcl, nullptr, 0)), target_acl);
    EXPECT_EQ(Outcome(lgetxattr(link.c_str(), kAcl, nullptr, 0)), own_acl);
  }
}

TEST(LsWalk, GetxattrOfPlainFileAfterStatx) {
  const std::string file = FindDocFile();
  if (file.empty()) GTEST_SKIP() << "no readable system file";
  const long cold = Outcome(getxattr(file.c_str(), kAcl, nullptr, 0));
  struct statx stx;
  ASSERT_SYS_OK(statx(AT_FDCWD, file.c_str(), AT_SYMLINK_NOFOLLOW, STATX_MODE | STATX_SIZE, &stx));
  EXPECT_TRUE(S_ISREG(stx.stx_mode));
  EXPECT_EQ(Outcome(lgetxattr(file.c_str(), kAcl, nullptr, 0)), cold);
  EXPECT_EQ(Outcome(getxattr(file.c_str(), kAcl, nullptr, 0)), cold);
  // A missing name in the same directory is ENOENT for both forms.
  const std::string missing = file + ".does-not-exist";
  EXPECT_ERRNO(ENOENT, getxattr(missing.c_str(), kAcl, nullptr, 0));
  EXPECT_ERRNO(ENOENT, lgetxattr(missing.c_str(), kAcl, nullptr, 0));
}

TEST(LsWalk, NameAndPathErrorsInLinuxOrder) {
  const std::string file = FindDocFile();
  if (file.empty()) GTEST_SKIP() << "no readable system file";
  // The name is checked before the path.
  EXPECT_ERRNO(ERANGE, syscall(SYS_getxattr, kOnePtr, "", nullptr, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_getxattr, kOnePtr, kOnePtr, nullptr, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_lgetxattr, kOnePtr, kKernelPtr, nullptr, 0));
  const std::string long_name = "user." + std::string(251, 'n');  // 256 bytes
  EXPECT_ERRNO(ERANGE, syscall(SYS_lgetxattr, kOnePtr, long_name.c_str(), nullptr, 0));
  // A good name, then the path's own errors.
  EXPECT_ERRNO(EFAULT, syscall(SYS_getxattr, kOnePtr, kAcl, nullptr, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_lgetxattr, kNonCanonicalPtr, kAcl, nullptr, 0));
  EXPECT_ERRNO(ENOENT, getxattr("", kAcl, nullptr, 0));
  const std::string too_long(PATH_MAX, 'a');
  EXPECT_ERRNO(ENAMETOOLONG, lgetxattr(too_long.c_str(), kAcl, nullptr, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_removexattr, kOnePtr, "user.x"));
}

TEST(LsWalk, StringsNextToAnUnmappedPageAndLongOnes) {
  const std::string file = FindDocFile();
  if (file.empty()) GTEST_SKIP() << "no readable system file";
  const long expected = Outcome(getxattr(file.c_str(), kAcl, nullptr, 0));
  const size_t page = PageSize();
  auto* mem = static_cast<char*>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(mem, MAP_FAILED);
  ASSERT_SYS_OK(mprotect(mem + page, page, PROT_NONE));
  // Both strings end exactly at the unmapped page.
  char* name = mem + page / 2 - sizeof kAcl;
  std::memcpy(name, kAcl, sizeof kAcl);
  char* path = mem + page - (file.size() + 1);
  std::memcpy(path, file.c_str(), file.size() + 1);
  EXPECT_EQ(Outcome(getxattr(path, name, nullptr, 0)), expected);
  EXPECT_EQ(Outcome(lgetxattr(path, name, nullptr, 0)), expected);
  // Without its NUL the path runs into the unmapped page.
  path[file.size()] = 'x';
  EXPECT_ERRNO(EFAULT, getxattr(path, name, nullptr, 0));
  // A path longer than one chunk: "/./././..." before the file's.
  std::string padded;
  while (padded.size() < 600) padded += "/.";
  padded += file;
  EXPECT_EQ(Outcome(getxattr(padded.c_str(), kAcl, nullptr, 0)), expected);
  EXPECT_EQ(Outcome(lgetxattr(padded.c_str(), kAcl, nullptr, 0)), expected);
  ASSERT_SYS_OK(munmap(mem, 2 * page));
}

namespace {

// Names ls asks about (and a few it does not), in every namespace the
// answers differ by: security.* and the ACLs (answered from one listxattr
// under lx), user.*/trusted.* (permission-checked), an unknown namespace.
const char* const kNames[] = {"security.selinux",         "security.capability", "system.posix_acl_access",
                              "system.posix_acl_default", "user.lx_absent",      "trusted.lx_absent",
                              "lxbogus.name"};

// Each name's outcome for `path`, asked with (follow) or without following.
std::vector<long> Answers(const std::string& path, bool follow) {
  std::vector<long> out;
  char value[256];
  for (const char* n : kNames) {
    out.push_back(Outcome(follow ? getxattr(path.c_str(), n, value, sizeof value)
                                 : lgetxattr(path.c_str(), n, value, sizeof value)));
    out.push_back(Outcome(follow ? getxattr(path.c_str(), n, nullptr, 0) : lgetxattr(path.c_str(), n, nullptr, 0)));
  }
  return out;
}

// A directory of /usr/share/doc with a regular file in it, or "".
std::string FindDocDir() {
  const std::string file = FindDocFile();
  if (file.empty()) return "";
  return file.substr(0, file.rfind('/'));
}

}  // namespace

TEST(LsWalk, XattrsInLsOrderMatchColdAnswersForEveryType) {
  const std::string file = FindDocFile();
  const std::string dir = FindDocDir();
  const std::string link = FindSymlinkToFile();
  if (file.empty()) GTEST_SKIP() << "no readable system file";
  std::vector<std::string> paths{file, dir};
  if (!link.empty()) paths.push_back(link);
  for (const std::string& p : paths) {
    // Cold: no stat of the name just before.
    const std::vector<long> own = Answers(p, false);
    const std::vector<long> followed = Answers(p, true);
    for (int round = 0; round < 2; ++round) {
      SCOPED_TRACE(p + " round " + std::to_string(round));
      struct statx stx;
      ASSERT_SYS_OK(statx(AT_FDCWD, p.c_str(), AT_SYMLINK_NOFOLLOW, STATX_MODE, &stx));
      EXPECT_EQ(Answers(p, false), own);
      EXPECT_EQ(Answers(p, true), followed);
      // lstat, then following first: the same again.
      struct stat st;
      ASSERT_SYS_OK(lstat(p.c_str(), &st));
      EXPECT_EQ(Answers(p, true), followed);
      EXPECT_EQ(Answers(p, false), own);
    }
  }
}

TEST(LsWalk, DotAndDotDotAnswerAsTheirDirectories) {
  const std::string dir = FindDocDir();
  if (dir.empty()) GTEST_SKIP() << "no readable system directory";
  const std::string parent = dir.substr(0, dir.rfind('/'));
  const std::vector<long> dir_own = Answers(dir, false);
  const std::vector<long> parent_own = Answers(parent.empty() ? "/" : parent, false);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // ls -la's order for "dir/." and "dir/..": statx, lgetxattr, getxattr.
    struct statx stx;
    ASSERT_SYS_OK(statx(AT_FDCWD, (dir + "/.").c_str(), AT_SYMLINK_NOFOLLOW, STATX_MODE, &stx));
    EXPECT_TRUE(S_ISDIR(stx.stx_mode));
    EXPECT_EQ(Answers(dir + "/.", false), dir_own);
    EXPECT_EQ(Answers(dir + "/.", true), dir_own);
    ASSERT_SYS_OK(statx(AT_FDCWD, (dir + "/..").c_str(), AT_SYMLINK_NOFOLLOW, STATX_MODE, &stx));
    EXPECT_EQ(Answers(dir + "/..", false), parent_own);
    EXPECT_EQ(Answers(dir + "/..", true), parent_own);
  }
}

TEST(LsWalk, XattrOfANameStatedInAnotherDirectoryIsAskedAfresh) {
  const std::string file = FindDocFile();
  const std::string link = FindSymlinkToFile();
  if (file.empty() || link.empty()) GTEST_SKIP() << "no symlink in the system tree";
  const long link_acl = Outcome(lgetxattr(link.c_str(), kAcl, nullptr, 0));
  const long file_acl = Outcome(lgetxattr(file.c_str(), kAcl, nullptr, 0));
  // A note about one name never answers for another.
  struct stat st;
  ASSERT_SYS_OK(lstat(file.c_str(), &st));
  EXPECT_EQ(Outcome(lgetxattr(link.c_str(), kAcl, nullptr, 0)), link_acl);
  ASSERT_SYS_OK(lstat(link.c_str(), &st));
  EXPECT_EQ(Outcome(lgetxattr(file.c_str(), kAcl, nullptr, 0)), file_acl);
  EXPECT_EQ(Outcome(lgetxattr(link.c_str(), kAcl, nullptr, 0)), link_acl);
}
