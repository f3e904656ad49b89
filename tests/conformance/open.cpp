// open/openat/close, dup/dup2/dup3, fcntl.
#include "common.h"

#include <climits>
#include <sys/resource.h>

using namespace conf;

namespace {

int FdFlags(int fd) { return fcntl(fd, F_GETFD); }
int FileFlags(int fd) { return fcntl(fd, F_GETFL); }

// True if fd refers to the same open file as hello.txt opened just now.
bool IsHello(int fd) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(Fixture("hello.txt").c_str(), &b) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

TEST(Open, ExistingFileSucceeds) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_GE(fd.get(), 3);
  EXPECT_TRUE(IsHello(fd));
}

TEST(Open, ReturnsLowestFreeFd) {
  int a = OpenFixture("hello.txt");
  int b = OpenFixture("hello.txt");
  int c = OpenFixture("hello.txt");
  ASSERT_GE(a, 0);
  ASSERT_EQ(b, a + 1);
  ASSERT_EQ(c, b + 1);
  ASSERT_SYS_OK(close(b));
  ScopedFd d(OpenFixture("empty"));
  EXPECT_EQ(d.get(), b);
  close(a);
  close(c);
}

TEST(Open, MissingFileFailsWithENOENT) {
  EXPECT_ERRNO(ENOENT, OpenFixture("no-such-file"));
  EXPECT_ERRNO(ENOENT, OpenFixture("no-such-dir/file"));
  EXPECT_ERRNO(ENOENT, open("", O_RDONLY));
}

TEST(Open, FileAsDirectoryComponentFailsWithENOTDIR) {
  EXPECT_ERRNO(ENOTDIR, OpenFixture("hello.txt/x"));
}

TEST(Open, TrailingSlashOnFileFailsWithENOTDIR) {
  EXPECT_ERRNO(ENOTDIR, OpenFixture("hello.txt/"));
  EXPECT_ERRNO(ENOTDIR, OpenFixture("rel_link/"));
}

TEST(Open, TrailingSlashOnDirectorySucceeds) {
  ScopedFd fd(OpenFixture("dir/"));
  EXPECT_SYS_OK(fd.get());
  ScopedFd fd2(OpenFixture("dir_link/"));
  EXPECT_SYS_OK(fd2.get());
}

TEST(Open, ODirectoryOnFileFailsWithENOTDIR) {
  EXPECT_ERRNO(ENOTDIR, OpenFixture("hello.txt", O_RDONLY | O_DIRECTORY));
  EXPECT_ERRNO(ENOTDIR, OpenFixture("rel_link", O_RDONLY | O_DIRECTORY));
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  EXPECT_SYS_OK(fd.get());
}

TEST(Open, DirectoryForWritingFailsWithEISDIR) {
  EXPECT_ERRNO(EISDIR, OpenFixture("dir", O_WRONLY));
  EXPECT_ERRNO(EISDIR, OpenFixture("dir", O_RDWR));
}

TEST(Open, FollowsRelativeAndAbsoluteSymlinks) {
  ScopedFd rel(OpenFixture("rel_link"));
  ASSERT_SYS_OK(rel.get());
  EXPECT_TRUE(IsHello(rel));
  ScopedFd abs(OpenFixture("abs_link"));
  ASSERT_SYS_OK(abs.get());
  struct stat a, b;
  ASSERT_SYS_OK(fstat(abs, &a));
  ASSERT_SYS_OK(stat("/etc/passwd", &b));
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_dev, b.st_dev);
  ScopedFd through_dir(OpenFixture("dir_link/one"));
  EXPECT_SYS_OK(through_dir.get());
}

TEST(Open, DanglingSymlinkFailsWithENOENT) {
  EXPECT_ERRNO(ENOENT, OpenFixture("dangling"));
}

TEST(Open, ONofollowOnSymlinkFailsWithELOOP) {
  EXPECT_ERRNO(ELOOP, OpenFixture("rel_link", O_RDONLY | O_NOFOLLOW));
  EXPECT_ERRNO(ELOOP, OpenFixture("dangling", O_RDONLY | O_NOFOLLOW));
  // O_NOFOLLOW only concerns the last component.
  ScopedFd fd(OpenFixture("dir_link/one", O_RDONLY | O_NOFOLLOW));
  EXPECT_SYS_OK(fd.get());
}

TEST(Open, SymlinkLoopFailsWithELOOP) {
  EXPECT_ERRNO(ELOOP, OpenFixture("loop_a"));
  EXPECT_ERRNO(ELOOP, OpenFixture("loop_b/x"));
}

TEST(Open, OPathWithONofollowOpensTheSymlinkItself) {
  ScopedFd fd(OpenFixture("rel_link", O_PATH | O_NOFOLLOW));
  ASSERT_SYS_OK(fd.get());
  struct stat st;
  ASSERT_SYS_OK(fstat(fd, &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST(Open, TooLongNamesFailWithENAMETOOLONG) {
  std::string component(NAME_MAX + 1, 'x');
  EXPECT_ERRNO(ENAMETOOLONG, open(component.c_str(), O_RDONLY));
  std::string path;
  while (path.size() <= PATH_MAX) path += "/xxxxxxx";
  EXPECT_ERRNO(ENAMETOOLONG, open(path.c_str(), O_RDONLY));
}

TEST(Open, BadPathPointerFailsWithEFAULT) {
  EXPECT_ERRNO(EFAULT, syscall(SYS_open, kNullPtr, O_RDONLY));
  EXPECT_ERRNO(EFAULT, syscall(SYS_open, kKernelPtr, O_RDONLY));
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, syscall(SYS_open, page.UnterminatedString(16), O_RDONLY));
}

TEST(Open, AccessModeIsVisibleInGetfl) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  int fl = FileFlags(fd);
  ASSERT_SYS_OK(fl);
  EXPECT_EQ(fl & O_ACCMODE, O_RDONLY);
  ScopedFd w(open("/dev/null", O_WRONLY));
  ASSERT_SYS_OK(w.get());
  EXPECT_EQ(FileFlags(w) & O_ACCMODE, O_WRONLY);
  ScopedFd rw(open("/dev/null", O_RDWR));
  ASSERT_SYS_OK(rw.get());
  EXPECT_EQ(FileFlags(rw) & O_ACCMODE, O_RDWR);
}

TEST(Open, LargefileIsForcedOn64Bit) {
  // On x86-64 the kernel adds O_LARGEFILE (0100000) to every open file.
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_NE(FileFlags(fd) & 0100000, 0);
}

TEST(Open, OCloexecIsVisibleInGetfd) {
  ScopedFd with(OpenFixture("hello.txt", O_RDONLY | O_CLOEXEC));
  ASSERT_SYS_OK(with.get());
  EXPECT_EQ(FdFlags(with), FD_CLOEXEC);
  ScopedFd without(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(without.get());
  EXPECT_EQ(FdFlags(without), 0);
  // O_CLOEXEC is a descriptor flag, not a file status flag.
  EXPECT_EQ(FileFlags(with) & O_CLOEXEC, 0);
}

TEST(Open, OTmpfileWithoutWriteAccessFailsWithEINVAL) {
  EXPECT_ERRNO(EINVAL, open(kFixtures, O_TMPFILE | O_RDONLY, 0600));
}

TEST(Openat, AtFdcwdResolvesRelativeToCwd) {
  ScopedFd cwd(open(".", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(cwd.get());
  ASSERT_SYS_OK(chdir(kFixtures));
  int fd = openat(AT_FDCWD, "hello.txt", O_RDONLY);
  EXPECT_SYS_OK(fd);
  EXPECT_TRUE(IsHello(fd));
  close(fd);
  ASSERT_SYS_OK(fchdir(cwd));
}

TEST(Openat, RelativeToDirectoryFd) {
  ScopedFd dir(open(kFixtures, O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  ScopedFd fd(openat(dir, "hello.txt", O_RDONLY));
  ASSERT_SYS_OK(fd.get());
  EXPECT_TRUE(IsHello(fd));
  ScopedFd nested(openat(dir, "dir/one", O_RDONLY));
  EXPECT_SYS_OK(nested.get());
  ScopedFd up(openat(dir, "dir/../hello.txt", O_RDONLY));
  EXPECT_SYS_OK(up.get());
}

TEST(Openat, OPathDirectoryFdWorksAsDirfd) {
  ScopedFd dir(open(kFixtures, O_PATH | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  ScopedFd fd(openat(dir, "hello.txt", O_RDONLY));
  EXPECT_SYS_OK(fd.get());
}

TEST(Openat, BadDirfdFailsWithEBADF) {
  EXPECT_ERRNO(EBADF, openat(-1, "hello.txt", O_RDONLY));
  EXPECT_ERRNO(EBADF, openat(INT_MAX, "hello.txt", O_RDONLY));
  EXPECT_ERRNO(EBADF, openat(9999, "hello.txt", O_RDONLY));
}

TEST(Openat, AbsolutePathIgnoresDirfd) {
  ScopedFd fd(openat(-1, Fixture("hello.txt").c_str(), O_RDONLY));
  ASSERT_SYS_OK(fd.get());
  EXPECT_TRUE(IsHello(fd));
}

TEST(Openat, FileAsDirfdFailsWithENOTDIR) {
  ScopedFd file(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(file.get());
  EXPECT_ERRNO(ENOTDIR, openat(file, "x", O_RDONLY));
}

TEST(Openat, EmptyPathFailsWithENOENT) {
  ScopedFd dir(open(kFixtures, O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  EXPECT_ERRNO(ENOENT, openat(dir, "", O_RDONLY));
}

TEST(Close, TwiceFailsWithEBADF) {
  int fd = OpenFixture("hello.txt");
  ASSERT_SYS_OK(fd);
  EXPECT_EQ(close(fd), 0);
  EXPECT_ERRNO(EBADF, close(fd));
}

TEST(Close, BadFdFailsWithEBADF) {
  EXPECT_ERRNO(EBADF, close(-1));
  EXPECT_ERRNO(EBADF, close(INT_MAX));
}

TEST(Dup, ReturnsLowestFreeFdSharingTheOffset) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  ScopedFd copy(dup(fd));
  ASSERT_SYS_OK(copy.get());
  EXPECT_EQ(copy.get(), fd.get() + 1);
  ASSERT_EQ(lseek(fd, 20, SEEK_SET), 20);
  EXPECT_EQ(lseek(copy, 0, SEEK_CUR), 20);
  char c;
  ASSERT_EQ(read(copy, &c, 1), 1);
  EXPECT_EQ(c, kHelloText[20]);
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 21);
}

TEST(Dup, ClearsCloexecOnTheCopy) {
  ScopedFd fd(OpenFixture("hello.txt", O_RDONLY | O_CLOEXEC));
  ASSERT_SYS_OK(fd.get());
  ScopedFd copy(dup(fd));
  ASSERT_SYS_OK(copy.get());
  EXPECT_EQ(FdFlags(copy), 0);
  EXPECT_EQ(FdFlags(fd), FD_CLOEXEC);
}

TEST(Dup, BadFdFailsWithEBADF) {
  EXPECT_ERRNO(EBADF, dup(-1));
  EXPECT_ERRNO(EBADF, dup(INT_MAX));
}

TEST(Dup2, ReplacesTargetFd) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ScopedFd other(OpenFixture("empty"));
  ASSERT_SYS_OK(fd.get());
  ASSERT_SYS_OK(other.get());
  EXPECT_EQ(dup2(fd, other), other.get());
  EXPECT_TRUE(IsHello(other));
}

TEST(Dup2, ToAnUnusedHighFd) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(dup2(fd, 200), 200);
  EXPECT_TRUE(IsHello(200));
  EXPECT_EQ(close(200), 0);
}

TEST(Dup2, SameFdReturnsItAndKeepsCloexec) {
  ScopedFd fd(OpenFixture("hello.txt", O_RDONLY | O_CLOEXEC));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(dup2(fd, fd), fd.get());
  EXPECT_EQ(FdFlags(fd), FD_CLOEXEC);
}

TEST(Dup2, SameInvalidFdFailsWithEBADF) {
  EXPECT_ERRNO(EBADF, dup2(250, 250));
}

TEST(Dup2, BadFdsFailWithEBADF) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EBADF, dup2(-1, 200));
  EXPECT_ERRNO(EBADF, dup2(fd, -1));
  EXPECT_ERRNO(EBADF, dup2(fd, INT_MAX));  // beyond RLIMIT_NOFILE
}

TEST(Dup3, SameFdFailsWithEINVAL) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EINVAL, dup3(fd, fd, 0));
  EXPECT_ERRNO(EINVAL, dup3(fd, fd, O_CLOEXEC));
}

TEST(Dup3, BadFlagsFailWithEINVAL) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EINVAL, dup3(fd, 200, O_NONBLOCK));
  EXPECT_ERRNO(EINVAL, dup3(fd, 200, 1));
  EXPECT_ERRNO(EBADF, fcntl(200, F_GETFD));  // nothing was created
}

TEST(Dup3, OCloexecSetsTheFlag) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(dup3(fd, 200, O_CLOEXEC), 200);
  EXPECT_EQ(FdFlags(200), FD_CLOEXEC);
  EXPECT_EQ(dup3(fd, 200, 0), 200);
  EXPECT_EQ(FdFlags(200), 0);
  close(200);
}

TEST(Fcntl, SetfdAndGetfdRoundTrip) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
  EXPECT_EQ(FdFlags(fd), FD_CLOEXEC);
  EXPECT_EQ(fcntl(fd, F_SETFD, 0), 0);
  EXPECT_EQ(FdFlags(fd), 0);
}

TEST(Fcntl, SetflChangesOnlyStatusFlags) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  ASSERT_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  int fl = FileFlags(fd);
  EXPECT_NE(fl & O_NONBLOCK, 0);
  // Access mode bits are ignored by F_SETFL.
  ASSERT_EQ(fcntl(fd, F_SETFL, O_RDWR), 0);
  fl = FileFlags(fd);
  EXPECT_EQ(fl & O_ACCMODE, O_RDONLY);
  EXPECT_EQ(fl & O_NONBLOCK, 0);
}

TEST(Fcntl, SetflIsSharedWithDup) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  ScopedFd copy(dup(fd));
  ASSERT_SYS_OK(copy.get());
  ASSERT_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  EXPECT_NE(FileFlags(copy) & O_NONBLOCK, 0);
}

TEST(Fcntl, DupfdReturnsLowestFdAtOrAboveArg) {
  ScopedFd fd(OpenFixture("hello.txt", O_RDONLY | O_CLOEXEC));
  ASSERT_SYS_OK(fd.get());
  ScopedFd a(fcntl(fd, F_DUPFD, 100));
  EXPECT_EQ(a.get(), 100);
  EXPECT_EQ(FdFlags(a), 0);
  ScopedFd b(fcntl(fd, F_DUPFD, 100));
  EXPECT_EQ(b.get(), 101);
  ScopedFd c(fcntl(fd, F_DUPFD_CLOEXEC, 100));
  EXPECT_EQ(c.get(), 102);
  EXPECT_EQ(FdFlags(c), FD_CLOEXEC);
  ScopedFd d(fcntl(fd, F_DUPFD, 0));
  EXPECT_SYS_OK(d.get());
  EXPECT_LT(d.get(), 100);
  EXPECT_TRUE(IsHello(d));
}

TEST(Fcntl, DupfdBadArgFailsWithEINVAL) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  struct rlimit rl;
  ASSERT_SYS_OK(getrlimit(RLIMIT_NOFILE, &rl));
  EXPECT_ERRNO(EINVAL, fcntl(fd, F_DUPFD, -1));
  EXPECT_ERRNO(EINVAL, fcntl(fd, F_DUPFD, (int)rl.rlim_cur));
  EXPECT_ERRNO(EINVAL, fcntl(fd, F_DUPFD_CLOEXEC, INT_MAX));
}

TEST(Fcntl, BadFdFailsWithEBADF) {
  EXPECT_ERRNO(EBADF, fcntl(-1, F_GETFD));
  EXPECT_ERRNO(EBADF, fcntl(-1, F_GETFL));
  EXPECT_ERRNO(EBADF, fcntl(INT_MAX, F_DUPFD, 0));
}

TEST(Fcntl, UnknownCommandFailsWithEINVAL) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EINVAL, syscall(SYS_fcntl, fd.get(), 0x7fff, 0));
  EXPECT_ERRNO(EINVAL, syscall(SYS_fcntl, fd.get(), -1, 0));
}

TEST(Fcntl, OPathIsVisibleInGetfl) {
  ScopedFd fd(OpenFixture("hello.txt", O_PATH));
  ASSERT_SYS_OK(fd.get());
  int fl = FileFlags(fd);
  ASSERT_SYS_OK(fl);
  EXPECT_NE(fl & O_PATH, 0);
}
