// memfd_create(2) and F_ADD_SEALS/F_GET_SEALS: flags, names, I/O, shared
// mappings across fork, and what each seal forbids.
#include <sys/mman.h>
#include <sys/wait.h>

#include <string>

#include "common.h"
#include "proc_util.h"

namespace {

int Memfd(const char* name, unsigned flags) { return static_cast<int>(syscall(SYS_memfd_create, name, flags)); }

TEST(Memfd, UnknownFlagsFailWithEINVAL) {
  EXPECT_ERRNO(EINVAL, Memfd("x", 0x100));
  EXPECT_ERRNO(EINVAL, Memfd("x", 1u << 26));  // a huge page size without MFD_HUGETLB
}

TEST(Memfd, NameLengthLimitIs249Bytes) {
  std::string ok(249, 'n');
  ScopedFd fd(Memfd(ok.c_str(), 0));
  EXPECT_GE(fd.get(), 0);
  std::string too_long(250, 'n');
  EXPECT_ERRNO(EINVAL, Memfd(too_long.c_str(), 0));
}

TEST(Memfd, BadNamePointerFailsWithEFAULT) {
  EXPECT_ERRNO(EFAULT, syscall(SYS_memfd_create, conf::kNullPtr, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_memfd_create, conf::kKernelPtr, 0));
}

TEST(Memfd, IsAnEmptyReadWriteRegularFile) {
  ScopedFd fd(Memfd("plain", 0));
  ASSERT_GE(fd.get(), 0);
  EXPECT_EQ(fcntl(fd, F_GETFD), 0);
  EXPECT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
  struct stat st;
  ASSERT_SYS_OK(fstat(fd, &st));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 0);
  ASSERT_EQ(write(fd, "hello", 5), 5);
  char buf[8] = {};
  EXPECT_EQ(pread(fd, buf, sizeof buf, 0), 5);
  EXPECT_STREQ(buf, "hello");
  ASSERT_SYS_OK(ftruncate(fd, 4096));
  ASSERT_SYS_OK(fstat(fd, &st));
  EXPECT_EQ(st.st_size, 4096);
}

TEST(Memfd, CloexecFlag) {
  ScopedFd fd(Memfd("c", MFD_CLOEXEC));
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
}

TEST(Memfd, SharedMappingIsSharedWithAForkedChild) {
  ScopedFd fd(Memfd("shared", 0));
  ASSERT_SYS_OK(ftruncate(fd, 4096));
  auto* p = static_cast<volatile char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  ASSERT_NE(p, MAP_FAILED);
  pid_t child = conf::ForkChild([&] {
    p[10] = 'z';
    return 0;
  });
  int status = 0;
  ASSERT_EQ(conf::WaitPid(child, &status), child);
  EXPECT_EQ(p[10], 'z');
  char c = 0;
  EXPECT_EQ(pread(fd, &c, 1, 10), 1);  // and the file itself holds it
  EXPECT_EQ(c, 'z');
  munmap(const_cast<char*>(p), 4096);
}

TEST(MemfdSeals, WithoutAllowSealingTheFileIsSealedAgainstSealing) {
  ScopedFd fd(Memfd("nos", 0));
  EXPECT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
  EXPECT_ERRNO(EPERM, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
}

TEST(MemfdSeals, AllowSealingStartsWithNoSeals) {
  ScopedFd fd(Memfd("s", MFD_ALLOW_SEALING));
  EXPECT_EQ(fcntl(fd, F_GET_SEALS), 0);
  EXPECT_ERRNO(EINVAL, fcntl(fd, F_ADD_SEALS, 0x1000));
}

TEST(MemfdSeals, WriteSealForbidsWrites) {
  ScopedFd fd(Memfd("w", MFD_ALLOW_SEALING));
  ASSERT_EQ(write(fd, "abc", 3), 3);
  ASSERT_SYS_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
  EXPECT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_WRITE);
  EXPECT_ERRNO(EPERM, write(fd, "d", 1));
  EXPECT_EQ(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), MAP_FAILED);
  char buf[3];
  EXPECT_EQ(pread(fd, buf, 3, 0), 3);  // reading is fine
}

TEST(MemfdSeals, ShrinkAndGrowSeals) {
  ScopedFd fd(Memfd("sg", MFD_ALLOW_SEALING));
  ASSERT_SYS_OK(ftruncate(fd, 8192));
  ASSERT_SYS_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
  EXPECT_ERRNO(EPERM, ftruncate(fd, 4096));
  EXPECT_SYS_OK(ftruncate(fd, 12288));
  ASSERT_SYS_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
  EXPECT_ERRNO(EPERM, ftruncate(fd, 16384));
  EXPECT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
}

TEST(MemfdSeals, SealSealForbidsFurtherSeals) {
  ScopedFd fd(Memfd("ss", MFD_ALLOW_SEALING));
  ASSERT_SYS_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
  EXPECT_ERRNO(EPERM, fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
}

TEST(MemfdSeals, OtherFilesHaveNoSeals) {
  ScopedFd file(OpenFixture("hello.txt"));
  EXPECT_ERRNO(EINVAL, fcntl(file, F_GET_SEALS));
  // A read-only description may not seal, whatever the file is.
  EXPECT_ERRNO(EPERM, fcntl(file, F_ADD_SEALS, F_SEAL_WRITE));
  int p[2];
  ASSERT_SYS_OK(pipe(p));
  EXPECT_ERRNO(EINVAL, fcntl(p[0], F_GET_SEALS));
  EXPECT_ERRNO(EINVAL, fcntl(p[1], F_ADD_SEALS, F_SEAL_WRITE));
  close(p[0]);
  close(p[1]);
  EXPECT_ERRNO(EBADF, fcntl(-1, F_GET_SEALS));
}

}  // namespace
