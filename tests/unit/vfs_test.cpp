// The hostfs root (Vfs) on a real temporary tree, and the file syscalls on
// top of it driven through the syscall table against the fake host. The
// tree has everything that tries to leave the root: `..` at "/", absolute
// and escaping symlinks, a loop, and a file next to the root that no guest
// path may reach.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/SyscallInvoke.h"

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/HostFile.h"
#include "kernel/vfs/Vfs.h"
#include "pico/fake/FakeHost.h"

namespace {

using namespace lx;
namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream(p, std::ios::binary) << data;
}

// tmp/
//   secret               outside the root: must never be reachable
//   root/
//     file.txt           "hello world"
//     etc/passwd         "root:x:0:0"
//     dir/sub/inner.txt  "inner"
//     dir/rel   -> ../file.txt
//     abs       -> /etc
//     escape    -> ../../../../../../secret
//     loop1 -> loop2, loop2 -> loop1
//     dangling  -> /nonexistent
//     fifo
class HostTree {
 public:
  HostTree() {
    char tmpl[] = "/tmp/lx_vfs_test.XXXXXX";
    base_ = mkdtemp(tmpl);
    root_ = base_ / "root";
    fs::create_directories(root_ / "etc");
    fs::create_directories(root_ / "dir" / "sub");
    write_file(base_ / "secret", "host secret");
    write_file(root_ / "file.txt", "hello world");
    write_file(root_ / "etc" / "passwd", "root:x:0:0");
    write_file(root_ / "dir" / "sub" / "inner.txt", "inner");
    fs::create_symlink("../file.txt", root_ / "dir" / "rel");
    fs::create_symlink("/etc", root_ / "abs");
    fs::create_symlink("../../../../../../secret", root_ / "escape");
    fs::create_symlink("loop2", root_ / "loop1");
    fs::create_symlink("loop1", root_ / "loop2");
    fs::create_symlink("/nonexistent", root_ / "dangling");
    mkfifo((root_ / "fifo").c_str(), 0644);
  }
  ~HostTree() {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  const fs::path& root() const { return root_; }
  const fs::path& base() const { return base_; }

 private:
  fs::path base_, root_;
};

std::unique_ptr<Vfs> make_vfs(const HostTree& t, bool read_only) {
  auto v = Vfs::create(t.root().string(), read_only);
  EXPECT_TRUE(v.ok());
  return v.release_value();
}

std::string read_all(OpenFile& f) {
  std::string out;
  uint8_t buf[256];
  for (;;) {
    auto r = f.read(buf);
    if (!r.ok() || r.value() == 0) break;
    out.append(reinterpret_cast<char*>(buf), r.value());
  }
  return out;
}

template <typename T>
int error_of(const Result<T>& r) {
  return r.ok() ? 0 : r.error();
}

class VfsTest : public ::testing::Test {
 protected:
  HostTree tree;
  std::unique_ptr<Vfs> vfs = make_vfs(tree, /*read_only=*/true);

  int open_err(const std::string& path, int flags, const std::string& base = "/") {
    return error_of(vfs->open(base, path, flags, 0644));
  }
};

// ---- join ---------------------------------------------------------------------

TEST(JoinGuestPath, AbsolutePathIgnoresBaseAndRelativeAppendsWithOneSlash) {
  EXPECT_EQ(join_guest_path("/x", "/a/b"), "/a/b");
  EXPECT_EQ(join_guest_path("/x", "a"), "/x/a");
  EXPECT_EQ(join_guest_path("/x/", "a"), "/x/a");
  EXPECT_EQ(join_guest_path("", "a"), "/a");
  EXPECT_EQ(join_guest_path("/", "a/"), "/a/");
  EXPECT_EQ(join_guest_path("/x", "../y"), "/x/../y");  // the walk decides what `..` means
}

// ---- open / resolution ------------------------------------------------------

TEST_F(VfsTest, OpenReadsTheFileInsideTheRoot) {
  auto f = vfs->open("/", "/file.txt", O_RDONLY, 0);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(read_all(*f.value()), "hello world");
  EXPECT_EQ(f.value()->guest_path(), "/file.txt");
}

TEST_F(VfsTest, RelativePathStartsAtTheBase) {
  auto f = vfs->open("/dir/sub", "inner.txt", O_RDONLY, 0);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(read_all(*f.value()), "inner");
}

TEST_F(VfsTest, DotDotAtTheRootStaysAtTheRoot) {
  auto f = vfs->open("/", "/../../../file.txt", O_RDONLY, 0);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(read_all(*f.value()), "hello world");
  EXPECT_EQ(open_err("../secret", O_RDONLY), ENOENT);
  EXPECT_EQ(open_err("../../../../secret", O_RDONLY, "/dir/sub"), ENOENT);
}

TEST_F(VfsTest, RelativeSymlinkResolvesFromItsDirectory) {
  auto f = vfs->open("/", "/dir/rel", O_RDONLY, 0);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(read_all(*f.value()), "hello world");
}

TEST_F(VfsTest, AbsoluteSymlinkResolvesInsideTheRootNotOnTheHost) {
  auto f = vfs->open("/", "/abs/passwd", O_RDONLY, 0);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(read_all(*f.value()), "root:x:0:0");  // not the host's /etc/passwd
}

TEST_F(VfsTest, SymlinkEscapingWithDotDotStaysInsideTheRoot) {
  // ../../../secret from /escape is /secret in the guest, which does not exist.
  EXPECT_EQ(open_err("/escape", O_RDONLY), ENOENT);
  EXPECT_EQ(error_of(vfs->stat("/", "/escape", true)), ENOENT);
  auto l = vfs->stat("/", "/escape", false);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.value().st_mode & S_IFMT, static_cast<unsigned>(S_IFLNK));
}

TEST_F(VfsTest, SymlinkLoopIsEloop) {
  EXPECT_EQ(open_err("/loop1", O_RDONLY), ELOOP);
  EXPECT_EQ(error_of(vfs->stat("/", "/loop1", true)), ELOOP);
  EXPECT_EQ(error_of(vfs->stat("/", "/loop1/x", false)), ELOOP);
}

TEST_F(VfsTest, ONofollowOnAFinalSymlinkIsEloopButOPathOpensTheLink) {
  EXPECT_EQ(open_err("/dir/rel", O_RDONLY | O_NOFOLLOW), ELOOP);
  auto p = vfs->open("/", "/dir/rel", O_PATH | O_NOFOLLOW, 0);
  ASSERT_TRUE(p.ok()) << p.error();
  auto st = p.value()->stat();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().st_mode & S_IFMT, static_cast<unsigned>(S_IFLNK));
  EXPECT_EQ(p.value()->status_flags(), O_PATH | O_NOFOLLOW);
}

TEST_F(VfsTest, TrailingSlashOnAFileIsEnotdir) {
  EXPECT_EQ(open_err("/file.txt/", O_RDONLY), ENOTDIR);
  EXPECT_EQ(error_of(vfs->stat("/", "/file.txt/", true)), ENOTDIR);
  EXPECT_EQ(error_of(vfs->stat("/", "/file.txt/", false)), ENOTDIR);
  EXPECT_TRUE(vfs->open("/", "/dir/", O_RDONLY, 0).ok());
}

TEST_F(VfsTest, TrailingSlashFollowsASymlinkEvenForLstat) {
  auto st = vfs->stat("/", "/abs/", false);
  ASSERT_TRUE(st.ok()) << st.error();
  EXPECT_TRUE(S_ISDIR(st.value().st_mode));
}

TEST_F(VfsTest, ODirectoryOnAFileIsEnotdir) {
  EXPECT_EQ(open_err("/file.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
  auto d = vfs->open("/", "/dir", O_RDONLY | O_DIRECTORY, 0);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d.value()->is_directory());
}

TEST_F(VfsTest, EmptyPathIsEnoentEverywhere) {
  EXPECT_EQ(open_err("", O_RDONLY), ENOENT);
  EXPECT_EQ(error_of(vfs->stat("/", "", true)), ENOENT);
  EXPECT_EQ(error_of(vfs->readlink("/", "")), ENOENT);
  EXPECT_EQ(error_of(vfs->access("/", "", F_OK, true)), ENOENT);
  EXPECT_EQ(error_of(vfs->resolve_directory("/", "")), ENOENT);
}

TEST_F(VfsTest, MissingComponentsAreEnoentAndFilesInTheMiddleEnotdir) {
  EXPECT_EQ(open_err("/nope", O_RDONLY), ENOENT);
  EXPECT_EQ(open_err("/nope/x", O_RDONLY), ENOENT);
  EXPECT_EQ(open_err("/file.txt/x", O_RDONLY), ENOTDIR);
  EXPECT_EQ(open_err("/dangling", O_RDONLY), ENOENT);
}

TEST_F(VfsTest, StatusFlagsKeepAccessModeAndStatusBitsWithLargefile) {
  auto f = vfs->open("/", "/file.txt", O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW, 0);
  ASSERT_TRUE(f.ok());
  // As F_GETFL shows it on x86-64 Linux: O_CLOEXEC belongs to the fd.
  EXPECT_EQ(f.value()->status_flags(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | 0100000);
}

// ---- read-only root --------------------------------------------------------

TEST_F(VfsTest, ReadOnlyRootRefusesWriteOpensWithErofs) {
  EXPECT_EQ(open_err("/file.txt", O_WRONLY), EROFS);
  EXPECT_EQ(open_err("/file.txt", O_RDWR), EROFS);
  EXPECT_EQ(open_err("/file.txt", O_RDONLY | O_TRUNC), EROFS);
  EXPECT_EQ(open_err("/new.txt", O_WRONLY | O_CREAT), EROFS);
  EXPECT_EQ(open_err("/new.txt", O_RDONLY | O_CREAT), EROFS);
  EXPECT_EQ(open_err("/dir/rel", O_WRONLY), EROFS);  // through a symlink
  EXPECT_EQ(open_err("/dir", O_WRONLY | O_TMPFILE), EROFS);
  EXPECT_FALSE(fs::exists(tree.root() / "new.txt"));
}

TEST_F(VfsTest, ReadOnlyRootReportsResolutionErrorsBeforeErofs) {
  EXPECT_EQ(open_err("/missing/new.txt", O_WRONLY | O_CREAT), ENOENT);
  EXPECT_EQ(open_err("/file.txt/new.txt", O_WRONLY | O_CREAT), ENOTDIR);
  EXPECT_EQ(open_err("/missing", O_WRONLY), ENOENT);
  EXPECT_EQ(open_err("/loop1", O_WRONLY), ELOOP);
  EXPECT_EQ(open_err("/file.txt", O_WRONLY | O_CREAT | O_EXCL), EEXIST);
  EXPECT_EQ(open_err("/dir/rel", O_WRONLY | O_CREAT | O_EXCL), EEXIST);
  EXPECT_EQ(open_err("/dir", O_WRONLY), EISDIR);
  EXPECT_EQ(open_err("/dir", O_RDONLY | O_CREAT), EISDIR);
  EXPECT_EQ(open_err("/newdir/", O_RDONLY | O_CREAT), EISDIR);
  EXPECT_EQ(open_err("/dir/rel", O_WRONLY | O_NOFOLLOW), ELOOP);
  EXPECT_EQ(open_err("/dir", O_RDONLY | O_TMPFILE), EINVAL);
}

TEST_F(VfsTest, OCreatOnAnExistingFileWithoutWriteAccessIsFine) {
  auto f = vfs->open("/", "/file.txt", O_RDONLY | O_CREAT, 0644);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(read_all(*f.value()), "hello world");
}

TEST_F(VfsTest, ReadOnlyRootLeavesFifosWritable) {
  // Linux refuses writes on a read-only mount only for files, directories
  // and symlinks; a FIFO without reader gives ENXIO with O_NONBLOCK.
  EXPECT_EQ(open_err("/fifo", O_WRONLY | O_NONBLOCK), ENXIO);
}

TEST(VfsWritable, WritableRootCreatesFilesInsideTheRoot) {
  HostTree tree;
  auto vfs = make_vfs(tree, false);
  auto f = vfs->open("/dir", "../made.txt", O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_TRUE(f.ok()) << f.error();
  uint8_t data[] = {'o', 'k'};
  ASSERT_TRUE(f.value()->write(data).ok());
  EXPECT_TRUE(fs::exists(tree.root() / "made.txt"));
  // The absolute symlink still points into the root when creating through it.
  auto g = vfs->open("/", "/abs/new", O_WRONLY | O_CREAT, 0600);
  ASSERT_TRUE(g.ok()) << g.error();
  EXPECT_TRUE(fs::exists(tree.root() / "etc" / "new"));
  // Creating through the escaping symlink lands inside the root too.
  auto h = vfs->open("/", "/escape", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_TRUE(h.ok()) << h.error();
  EXPECT_TRUE(fs::exists(tree.root() / "secret"));
  std::string outside;
  std::getline(std::ifstream(tree.base() / "secret"), outside);
  EXPECT_EQ(outside, "host secret");
}

// ---- stat / readlink / access ------------------------------------------------

TEST_F(VfsTest, StatFollowsSymlinksAndLstatDoesNot) {
  auto st = vfs->stat("/", "/dir/rel", true);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(S_ISREG(st.value().st_mode));
  EXPECT_EQ(st.value().st_size, 11);
  auto lst = vfs->stat("/", "/dir/rel", false);
  ASSERT_TRUE(lst.ok());
  EXPECT_TRUE(S_ISLNK(lst.value().st_mode));
  EXPECT_EQ(lst.value().st_size, static_cast<int64_t>(std::strlen("../file.txt")));
}

TEST_F(VfsTest, StatFieldsMatchTheHostFile) {
  struct stat host;
  ASSERT_EQ(::stat((tree.root() / "file.txt").c_str(), &host), 0);
  auto st = vfs->stat("/", "file.txt", true);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().st_ino, host.st_ino);
  EXPECT_EQ(st.value().st_dev, host.st_dev);
  EXPECT_EQ(st.value().st_mode, host.st_mode);
  EXPECT_EQ(st.value().st_nlink, host.st_nlink);
  EXPECT_EQ(st.value().st_mtime_sec, host.st_mtim.tv_sec);
  EXPECT_EQ(st.value().st_mtime_nsec, host.st_mtim.tv_nsec);
  EXPECT_EQ(st.value().st_blocks, host.st_blocks);
}

TEST_F(VfsTest, ReadlinkReturnsTheTargetAndEinvalOnNonSymlinks) {
  auto t = vfs->readlink("/", "/abs");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value(), "/etc");
  EXPECT_EQ(vfs->readlink("/dir", "rel").value_or(""), "../file.txt");
  EXPECT_EQ(error_of(vfs->readlink("/", "/file.txt")), EINVAL);
  EXPECT_EQ(error_of(vfs->readlink("/", "/dir")), EINVAL);
  EXPECT_EQ(error_of(vfs->readlink("/", "/nope")), ENOENT);
  EXPECT_EQ(vfs->readlink("/", "/loop1").value_or(""), "loop2");
}

TEST_F(VfsTest, AccessChecksModesAndWriteOnReadOnlyRootIsErofs) {
  EXPECT_TRUE(vfs->access("/", "/file.txt", F_OK, true).ok());
  EXPECT_TRUE(vfs->access("/", "/file.txt", R_OK, true).ok());
  EXPECT_EQ(error_of(vfs->access("/", "/file.txt", W_OK, true)), EROFS);
  EXPECT_EQ(error_of(vfs->access("/", "/dir", R_OK | W_OK, true)), EROFS);
  EXPECT_EQ(error_of(vfs->access("/", "/nope", F_OK, true)), ENOENT);
  EXPECT_EQ(error_of(vfs->access("/", "/file.txt", 8, true)), EINVAL);
  EXPECT_EQ(error_of(vfs->access("/", "/dangling", F_OK, true)), ENOENT);
  EXPECT_TRUE(vfs->access("/", "/dangling", F_OK, false).ok());
  EXPECT_TRUE(vfs->access("/", "/fifo", W_OK, true).ok());  // not a filesystem object write
}

TEST_F(VfsTest, AccessXOkFollowsTheModeBits) {
  ::chmod((tree.root() / "file.txt").c_str(), 0644);
  EXPECT_EQ(error_of(vfs->access("/", "/file.txt", X_OK, true)), EACCES);  // even root needs an x bit
  ::chmod((tree.root() / "file.txt").c_str(), 0755);
  EXPECT_TRUE(vfs->access("/", "/file.txt", X_OK, true).ok());
}

// ---- resolve_directory -----------------------------------------------------

TEST_F(VfsTest, ResolveDirectoryGivesTheCanonicalGuestPath) {
  EXPECT_EQ(vfs->resolve_directory("/", "/").value_or("?"), "/");
  EXPECT_EQ(vfs->resolve_directory("/", "/../..").value_or("?"), "/");
  EXPECT_EQ(vfs->resolve_directory("/", "/abs").value_or("?"), "/etc");
  EXPECT_EQ(vfs->resolve_directory("/dir/sub", "..").value_or("?"), "/dir");
  EXPECT_EQ(vfs->resolve_directory("/dir/sub", "../../../..").value_or("?"), "/");
  EXPECT_EQ(vfs->resolve_directory("/", "dir//sub/./").value_or("?"), "/dir/sub");
}

TEST_F(VfsTest, ResolveDirectoryRejectsFilesAndMissingPaths) {
  EXPECT_EQ(error_of(vfs->resolve_directory("/", "/file.txt")), ENOTDIR);
  EXPECT_EQ(error_of(vfs->resolve_directory("/", "/dir/rel")), ENOTDIR);
  EXPECT_EQ(error_of(vfs->resolve_directory("/", "/nope")), ENOENT);
  EXPECT_EQ(error_of(vfs->resolve_directory("/", "/loop1")), ELOOP);
}

// ---- directories -----------------------------------------------------------

std::set<std::string> dirent_names(const uint8_t* p, uint64_t n) {
  std::set<std::string> names;
  for (uint64_t off = 0; off < n;) {
    uint16_t reclen;
    std::memcpy(&reclen, p + off + 16, 2);
    names.insert(reinterpret_cast<const char*>(p + off + 19));
    off += reclen;
  }
  return names;
}

TEST_F(VfsTest, Getdents64ListsEntriesAcrossSmallBuffers) {
  auto d = vfs->open("/", "/", O_RDONLY | O_DIRECTORY, 0);
  ASSERT_TRUE(d.ok());
  std::set<std::string> all;
  std::vector<uint8_t> buf(64);  // one or two records per call
  for (int i = 0; i < 100; ++i) {
    auto r = d.value()->getdents64(buf);
    ASSERT_TRUE(r.ok()) << r.error();
    if (r.value() == 0) break;
    auto names = dirent_names(buf.data(), r.value());
    all.insert(names.begin(), names.end());
  }
  std::set<std::string> want{".", "..", "file.txt", "etc", "dir", "abs", "escape", "loop1", "loop2", "dangling", "fifo"};
  EXPECT_EQ(all, want);
  // Rewinding restarts the listing.
  ASSERT_TRUE(d.value()->seek(0, SEEK_SET).ok());
  auto again = d.value()->getdents64(buf);
  ASSERT_TRUE(again.ok());
  EXPECT_GT(again.value(), 0u);
  auto f = vfs->open("/", "/file.txt", O_RDONLY, 0);
  EXPECT_EQ(error_of(f.value()->getdents64(buf)), ENOTDIR);
}

TEST(HostFdFile, WrapsAHostFdAndOwnsIt) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  {
    auto f = make_host_fd_file(p[0], O_RDONLY);
    EXPECT_FALSE(f->positional());
    EXPECT_FALSE(f->is_regular());
    ASSERT_EQ(::write(p[1], "xy", 2), 2);
    uint8_t b[4];
    auto r = f->read(b);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), 2u);
  }
  EXPECT_EQ(::fcntl(p[0], F_GETFD), -1);  // closed with the last reference
  ::close(p[1]);
}

// ---- syscalls through the table --------------------------------------------

class NoHost : public pico::Host {
 public:
  Result<std::unique_ptr<pico::Process>> create_process() override { return err(ENOSYS); }
  std::string name() const override { return "none"; }
};

constexpr uint64_t kMem = 0x10000;
constexpr uint64_t kMemLen = 64 * 4096;
constexpr uint64_t kUnmapped = 0x900000;

// x86-64 syscall numbers
enum : int {
  kRead = 0, kWrite = 1, kOpen = 2, kClose = 3, kStat = 4, kFstat = 5, kLstat = 6, kLseek = 8, kIoctl = 16,
  kPread = 17, kReadv = 19, kWritev = 20, kAccess = 21, kDup = 32, kFcntl = 72, kGetcwd = 79, kChdir = 80,
  kFchdir = 81, kReadlink = 89, kGetdents64 = 217, kOpenat = 257, kNewfstatat = 262, kReadlinkat = 267,
  kFaccessat2 = 439, kSendfile = 40,
};

class FileSyscalls : public ::testing::Test {
 protected:
  FileSyscalls() : kernel_(host_, make_vfs(tree_, true), KernelConfig{}) {
    auto proc = std::make_unique<pico::fake::FakeProcess>();
    proc_ = proc.get();
    EXPECT_TRUE(proc_->memory().map(kMem, kMemLen, pico::kProtRead | pico::kProtWrite).ok());
    tg_ = std::make_unique<ThreadGroup>(kernel_, std::move(proc), 1);
    task_ = std::make_unique<Task>(*tg_, proc_->main_thread(), 1);
  }

  long call(int nr, SyscallArgs a = {}) { return test_support::invoke_syscall(*task_, static_cast<uint64_t>(nr), a); }
  // Puts a NUL-terminated string in guest memory and returns its address.
  uint64_t str(const std::string& s, uint64_t at = kMem + 0x8000) {
    EXPECT_TRUE(task_->mem().copy_out(at, s.c_str(), s.size() + 1).ok());
    return at;
  }
  std::string guest_bytes(uint64_t addr, size_t n) {
    std::string s(n, '\0');
    EXPECT_TRUE(task_->mem().copy_in(addr, s.data(), n).ok());
    return s;
  }
  long open(const std::string& path, int flags) { return call(kOpen, {str(path), static_cast<uint64_t>(flags), 0}); }

  HostTree tree_;
  NoHost host_;
  Kernel kernel_;
  pico::fake::FakeProcess* proc_ = nullptr;
  std::unique_ptr<ThreadGroup> tg_;
  std::unique_ptr<Task> task_;
};

constexpr uint64_t kBuf = kMem + 0x1000;

TEST_F(FileSyscalls, OpenReadCloseCopyThroughGuestMemory) {
  long fd = open("/file.txt", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kBuf, 5}), 5);
  EXPECT_EQ(guest_bytes(kBuf, 5), "hello");
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kBuf, 100}), 6);
  EXPECT_EQ(guest_bytes(kBuf, 6), " world");
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kBuf, 100}), 0);
  EXPECT_EQ(call(kClose, {static_cast<uint64_t>(fd)}), 0);
  EXPECT_EQ(call(kClose, {static_cast<uint64_t>(fd)}), -EBADF);
}

TEST_F(FileSyscalls, ReadChecksFdBeforeBufferAndZeroCountTouchesNothing) {
  EXPECT_EQ(call(kRead, {99, kUnmapped, 10}), -EBADF);
  long fd = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kUnmapped, 0}), 0);
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kUnmapped, 10}), -EFAULT);
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), ~0ull - 10, 100}), -EFAULT);  // range wraps
  // A fault after the data was taken gives it back: the next read sees it.
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kBuf, 5}), 5);
  EXPECT_EQ(guest_bytes(kBuf, 5), "hello");
}

TEST_F(FileSyscalls, HugeCountsAreClampedAndServedThroughTheBounceBuffer) {
  long fd = open("/file.txt", O_RDONLY);
  // 1 GiB asked, within the user range: returns the 11 bytes there are.
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kBuf, 1ull << 30}), 11);
}

TEST_F(FileSyscalls, ReadOnADirectoryIsEisdirAndWriteOnReadOnlyFdEbadf) {
  long dir = open("/dir", O_RDONLY);
  ASSERT_GE(dir, 0);
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(dir), kBuf, 10}), -EISDIR);
  long fd = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kWrite, {static_cast<uint64_t>(fd), kBuf, 1}), -EBADF);
}

TEST_F(FileSyscalls, OPathFdsAllowFstatButNotIo) {
  long fd = open("/file.txt", O_PATH);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kBuf, 1}), -EBADF);
  EXPECT_EQ(call(kLseek, {static_cast<uint64_t>(fd), 0, SEEK_SET}), -EBADF);
  EXPECT_EQ(call(kIoctl, {static_cast<uint64_t>(fd), 0x5401, kBuf}), -EBADF);
  EXPECT_EQ(call(kFstat, {static_cast<uint64_t>(fd), kBuf}), 0);
  EXPECT_EQ(task_->mem().read(UserPtr<lx::abi::Stat>{kBuf}).value().st_size, 11);
  EXPECT_EQ(call(kFcntl, {static_cast<uint64_t>(fd), F_GETFL}), O_PATH);
}

TEST_F(FileSyscalls, ReadvValidatesCountAndLengthsAndScatters) {
  long fd = open("/file.txt", O_RDONLY);
  lx::abi::Iovec iov[2] = {{kBuf, 3}, {kBuf + 100, 20}};
  ASSERT_TRUE(task_->mem().copy_out(kMem, iov, sizeof iov).ok());
  EXPECT_EQ(call(kReadv, {static_cast<uint64_t>(fd), kMem, 1025}), -EINVAL);
  EXPECT_EQ(call(kReadv, {static_cast<uint64_t>(fd), kMem, static_cast<uint64_t>(-1)}), -EINVAL);
  EXPECT_EQ(call(kReadv, {static_cast<uint64_t>(fd), kUnmapped, 2}), -EFAULT);
  EXPECT_EQ(call(kReadv, {static_cast<uint64_t>(fd), kMem, 0}), 0);
  EXPECT_EQ(call(kReadv, {static_cast<uint64_t>(fd), kMem, 2}), 11);
  EXPECT_EQ(guest_bytes(kBuf, 3), "hel");
  EXPECT_EQ(guest_bytes(kBuf + 100, 8), "lo world");
  lx::abi::Iovec neg[1] = {{kBuf, ~0ull}};
  ASSERT_TRUE(task_->mem().copy_out(kMem, neg, sizeof neg).ok());
  EXPECT_EQ(call(kReadv, {static_cast<uint64_t>(fd), kMem, 1}), -EINVAL);
}

TEST_F(FileSyscalls, PreadIsPositionalAndRejectsNegativeOffsetsAndStreams) {
  long fd = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kPread, {static_cast<uint64_t>(fd), kBuf, 5, 6}), 5);
  EXPECT_EQ(guest_bytes(kBuf, 5), "world");
  EXPECT_EQ(call(kPread, {static_cast<uint64_t>(fd), kBuf, 5, static_cast<uint64_t>(-1)}), -EINVAL);
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kBuf, 5}), 5);  // offset untouched by pread
  EXPECT_EQ(guest_bytes(kBuf, 5), "hello");
  long fifo = open("/fifo", O_RDONLY | O_NONBLOCK);
  ASSERT_GE(fifo, 0);
  EXPECT_EQ(call(kPread, {static_cast<uint64_t>(fifo), kBuf, 5, 0}), -ESPIPE);
  EXPECT_EQ(call(kLseek, {static_cast<uint64_t>(fifo), 0, SEEK_CUR}), -ESPIPE);
}

TEST_F(FileSyscalls, LseekMovesTheSharedOffsetAndRejectsBadWhence) {
  long fd = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kLseek, {static_cast<uint64_t>(fd), 6, SEEK_SET}), 6);
  EXPECT_EQ(call(kLseek, {static_cast<uint64_t>(fd), 0, 7}), -EINVAL);
  EXPECT_EQ(call(kLseek, {static_cast<uint64_t>(fd), static_cast<uint64_t>(-100), SEEK_SET}), -EINVAL);
  long dup = call(kDup, {static_cast<uint64_t>(fd)});
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(dup), kBuf, 5}), 5);
  EXPECT_EQ(guest_bytes(kBuf, 5), "world");
  EXPECT_EQ(call(kLseek, {static_cast<uint64_t>(fd), 0, SEEK_END}), 11);
}

TEST_F(FileSyscalls, OpenWriteOnReadOnlyRootIsErofsAndEmptyPathEnoent) {
  EXPECT_EQ(open("/file.txt", O_WRONLY), -EROFS);
  EXPECT_EQ(open("", O_RDONLY), -ENOENT);
  EXPECT_EQ(call(kOpen, {kUnmapped, O_RDONLY, 0}), -EFAULT);
  std::string longp(5000, 'a');
  EXPECT_EQ(call(kOpen, {str(longp), O_RDONLY, 0}), -ENAMETOOLONG);
}

TEST_F(FileSyscalls, OpenatUsesTheDirfdAndChecksIt) {
  long dir = open("/dir/sub", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir, 0);
  long fd = call(kOpenat, {static_cast<uint64_t>(dir), str("inner.txt"), O_RDONLY, 0});
  ASSERT_GE(fd, 0);
  EXPECT_EQ(call(kRead, {static_cast<uint64_t>(fd), kBuf, 5}), 5);
  EXPECT_EQ(guest_bytes(kBuf, 5), "inner");
  long file = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kOpenat, {static_cast<uint64_t>(file), str("x"), O_RDONLY, 0}), -ENOTDIR);
  EXPECT_EQ(call(kOpenat, {999, str("x"), O_RDONLY, 0}), -EBADF);
  EXPECT_GE(call(kOpenat, {999, str("/file.txt"), O_RDONLY, 0}), 0);  // absolute: dirfd ignored
  EXPECT_GE(call(kOpenat, {static_cast<uint64_t>(lx::abi::kAtFdCwd), str("file.txt"), O_RDONLY, 0}), 0);
}

TEST_F(FileSyscalls, StatAndLstatAndNewfstatatFlags) {
  EXPECT_EQ(call(kStat, {str("/dir/rel"), kBuf}), 0);
  EXPECT_TRUE(S_ISREG(task_->mem().read(UserPtr<lx::abi::Stat>{kBuf}).value().st_mode));
  EXPECT_EQ(call(kLstat, {str("/dir/rel"), kBuf}), 0);
  EXPECT_TRUE(S_ISLNK(task_->mem().read(UserPtr<lx::abi::Stat>{kBuf}).value().st_mode));
  EXPECT_EQ(call(kStat, {str("/file.txt"), kUnmapped}), -EFAULT);
  const auto cwd = static_cast<uint64_t>(lx::abi::kAtFdCwd);
  EXPECT_EQ(call(kNewfstatat, {cwd, str("dir/rel"), kBuf, AT_SYMLINK_NOFOLLOW}), 0);
  EXPECT_TRUE(S_ISLNK(task_->mem().read(UserPtr<lx::abi::Stat>{kBuf}).value().st_mode));
  EXPECT_EQ(call(kNewfstatat, {cwd, str("dir/rel"), kBuf, 0x1}), -EINVAL);
  EXPECT_EQ(call(kNewfstatat, {cwd, str(""), kBuf, 0}), -ENOENT);
  long fd = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kNewfstatat, {static_cast<uint64_t>(fd), str(""), kBuf, AT_EMPTY_PATH}), 0);
  EXPECT_EQ(task_->mem().read(UserPtr<lx::abi::Stat>{kBuf}).value().st_size, 11);
  EXPECT_EQ(call(kNewfstatat, {static_cast<uint64_t>(fd), 0, kBuf, AT_EMPTY_PATH}), 0);
  EXPECT_EQ(call(kNewfstatat, {cwd, str(""), kBuf, AT_EMPTY_PATH}), 0);
  EXPECT_TRUE(S_ISDIR(task_->mem().read(UserPtr<lx::abi::Stat>{kBuf}).value().st_mode));
}

TEST_F(FileSyscalls, ReadlinkTruncatesWithoutNulAndRejectsBadSizes) {
  EXPECT_EQ(call(kReadlink, {str("/abs"), kBuf, 100}), 4);
  EXPECT_EQ(guest_bytes(kBuf, 4), "/etc");
  EXPECT_EQ(call(kReadlink, {str("/dir/rel"), kBuf, 3}), 3);
  EXPECT_EQ(guest_bytes(kBuf, 3), "../");
  EXPECT_EQ(call(kReadlink, {str("/abs"), kBuf, 0}), -EINVAL);
  EXPECT_EQ(call(kReadlink, {str("/file.txt"), kBuf, 10}), -EINVAL);
  long link = open("/abs", O_PATH | O_NOFOLLOW);
  EXPECT_EQ(call(kReadlinkat, {static_cast<uint64_t>(link), str(""), kBuf, 100}), 4);
  long file = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kReadlinkat, {static_cast<uint64_t>(file), str(""), kBuf, 100}), -ENOENT);
}

TEST_F(FileSyscalls, GetcwdChdirAndRelativeLookups) {
  EXPECT_EQ(call(kGetcwd, {kBuf, 2}), 2);
  EXPECT_EQ(guest_bytes(kBuf, 2), std::string("/\0", 2));
  EXPECT_EQ(call(kChdir, {str("/abs")}), 0);
  EXPECT_EQ(call(kGetcwd, {kBuf, 100}), 5);
  EXPECT_EQ(guest_bytes(kBuf, 5), std::string("/etc\0", 5));
  EXPECT_EQ(call(kGetcwd, {kBuf, 4}), -ERANGE);
  EXPECT_GE(open("passwd", O_RDONLY), 0);
  EXPECT_EQ(call(kChdir, {str("../file.txt")}), -ENOTDIR);
  EXPECT_EQ(call(kChdir, {str("../nope")}), -ENOENT);
  long dir = open("/dir/sub", O_RDONLY | O_DIRECTORY);
  EXPECT_EQ(call(kFchdir, {static_cast<uint64_t>(dir)}), 0);
  EXPECT_EQ(tg_->cwd, "/dir/sub");
  long file = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kFchdir, {static_cast<uint64_t>(file)}), -ENOTDIR);
}

TEST_F(FileSyscalls, AccessFamilyValidatesModeAndFlags) {
  EXPECT_EQ(call(kAccess, {str("/file.txt"), R_OK}), 0);
  EXPECT_EQ(call(kAccess, {str("/file.txt"), W_OK}), -EROFS);
  EXPECT_EQ(call(kAccess, {str("/file.txt"), 8}), -EINVAL);
  const auto cwd = static_cast<uint64_t>(lx::abi::kAtFdCwd);
  EXPECT_EQ(call(kFaccessat2, {cwd, str("dangling"), F_OK, AT_SYMLINK_NOFOLLOW}), 0);
  EXPECT_EQ(call(kFaccessat2, {cwd, str("dangling"), F_OK, 0}), -ENOENT);
  EXPECT_EQ(call(kFaccessat2, {cwd, str("file.txt"), F_OK, 0x1}), -EINVAL);
}

TEST_F(FileSyscalls, Getdents64CopiesRecordsAndRejectsNonDirectories) {
  long dir = open("/dir", O_RDONLY | O_DIRECTORY);
  long n = call(kGetdents64, {static_cast<uint64_t>(dir), kBuf, 4096});
  ASSERT_GT(n, 0);
  std::string raw = guest_bytes(kBuf, static_cast<size_t>(n));
  auto names = dirent_names(reinterpret_cast<const uint8_t*>(raw.data()), static_cast<uint64_t>(n));
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "sub", "rel"}));
  EXPECT_EQ(call(kGetdents64, {static_cast<uint64_t>(dir), kBuf, 4096}), 0);
  long file = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kGetdents64, {static_cast<uint64_t>(file), kBuf, 4096}), -ENOTDIR);
  EXPECT_EQ(call(kGetdents64, {99, kBuf, 4096}), -EBADF);
}

TEST_F(FileSyscalls, IoctlOnARegularFileIsEnottyAndFioclexSetsTheFdFlag) {
  long fd = open("/file.txt", O_RDONLY);
  EXPECT_EQ(call(kIoctl, {static_cast<uint64_t>(fd), 0x5401, kBuf}), -ENOTTY);  // TCGETS
  EXPECT_EQ(call(kIoctl, {99, 0x5401, kBuf}), -EBADF);
  EXPECT_EQ(call(kIoctl, {static_cast<uint64_t>(fd), 0x5451, 0}), 0);  // FIOCLEX
  EXPECT_EQ(call(kFcntl, {static_cast<uint64_t>(fd), F_GETFD}), FD_CLOEXEC);
  EXPECT_EQ(call(kIoctl, {static_cast<uint64_t>(fd), 0x5450, 0}), 0);  // FIONCLEX
  EXPECT_EQ(call(kFcntl, {static_cast<uint64_t>(fd), F_GETFD}), 0);
  EXPECT_EQ(call(kIoctl, {static_cast<uint64_t>(fd), 0x541B, kBuf}), 0);  // FIONREAD: bytes left
  EXPECT_EQ(task_->mem().read(UserPtr<int>{kBuf}).value(), 11);
}

TEST_F(FileSyscalls, SendfileCopiesFromAFileAtAGuestOffsetIntoAPipe) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  long out = tg_->fds().install(make_host_fd_file(p[1], O_WRONLY), false).value();
  long in = open("/file.txt", O_RDONLY);
  ASSERT_TRUE(task_->mem().write(UserPtr<int64_t>{kBuf}, int64_t{6}).ok());
  EXPECT_EQ(call(kSendfile, {static_cast<uint64_t>(out), static_cast<uint64_t>(in), kBuf, 100}), 5);
  EXPECT_EQ(task_->mem().read(UserPtr<int64_t>{kBuf}).value(), 11);
  EXPECT_EQ(call(kSendfile, {static_cast<uint64_t>(out), static_cast<uint64_t>(in), 0, 5}), 5);
  char got[16] = {};
  EXPECT_EQ(::read(p[0], got, sizeof got), 10);
  EXPECT_STREQ(got, "worldhello");
  EXPECT_EQ(call(kSendfile, {static_cast<uint64_t>(in), static_cast<uint64_t>(in), 0, 5}), -EBADF);
  ASSERT_TRUE(task_->mem().write(UserPtr<int64_t>{kBuf}, int64_t{-1}).ok());
  EXPECT_EQ(call(kSendfile, {static_cast<uint64_t>(out), static_cast<uint64_t>(in), kBuf, 5}), -EINVAL);
  ::close(p[0]);
}

}  // namespace
