// inotify(7): inotify_init1, inotify_add_watch, inotify_rm_watch, the event
// sequences of file operations (create, write, close, rename, unlink,
// rmdir, chmod, link), reading and merging events, readiness, and errors,
// checked against the host kernel. The sequence tests run in a directory
// under /tmp (tmpfs under lx) and one in the working directory (hostfs).
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <climits>
#include <ftw.h>
#include <string>
#include <vector>

#include "common.h"
#include "tmpdir.h"

namespace {

struct Ev {
  int wd;
  uint32_t mask;
  uint32_t cookie;
  std::string name;
};

std::string Describe(const std::vector<Ev>& evs) {
  std::string s;
  for (const Ev& e : evs) {
    char buf[64];
    snprintf(buf, sizeof buf, "{wd %d mask %#x cookie %u ", e.wd, e.mask, e.cookie);
    s += buf + e.name + "} ";
  }
  return s;
}

// Everything queued now (the fd must be non-blocking).
std::vector<Ev> Drain(int fd) {
  std::vector<Ev> out;
  alignas(inotify_event) char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      inotify_event e;
      memcpy(&e, buf + off, sizeof e);
      std::string name = e.len ? std::string(buf + off + sizeof e) : std::string();
      out.push_back(Ev{e.wd, e.mask, e.cookie, name});
      off += static_cast<ssize_t>(sizeof e + e.len);
    }
  }
  return out;
}

// (mask, name) pairs of a sequence on one watch.
struct Want {
  uint32_t mask;
  const char* name;
};

void ExpectSequence(const std::vector<Ev>& got, int wd, std::initializer_list<Want> want) {
  ASSERT_EQ(got.size(), want.size()) << Describe(got);
  size_t i = 0;
  for (const Want& w : want) {
    EXPECT_EQ(got[i].wd, wd) << i << ": " << Describe(got);
    EXPECT_EQ(got[i].mask, w.mask) << i << ": " << Describe(got);
    EXPECT_EQ(got[i].name, w.name) << i << ": " << Describe(got);
    ++i;
  }
}

void Touch(const std::string& p) {
  int fd = open(p.c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0) << p;
  close(fd);
}

// A scratch directory in the working directory (a hostfs mount under lx),
// or in $LXCONF_DAC_DIR (on lxfs under run_under_lxfs.sh).
class DiskDir {
 public:
  DiskDir() {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) abort();
    // run_under_lxfs.sh names a directory on lxfs.
    const char* base = getenv("LXCONF_DAC_DIR");
    std::string tmpl = std::string(base ? base : cwd) + "/lxinotify-XXXXXX";
    if (!mkdtemp(tmpl.data())) abort();
    path_ = tmpl;
  }
  ~DiskDir() {
    nftw(path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { (void)::remove(p); return 0; }, 16,
         FTW_DEPTH | FTW_PHYS);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The sequence tests, on tmpfs ("tmp") and on a disk directory ("disk").
class InotifySeq : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (std::string(GetParam()) == "disk") {
      disk_ = std::make_unique<DiskDir>();
      dir_ = disk_->path();
    } else {
      tmp_ = std::make_unique<conf::TempDir>();
      dir_ = tmp_->path();
    }
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override { close(fd_); }
  std::string P(const std::string& rel) const { return dir_ + "/" + rel; }
  int Watch(const std::string& path, uint32_t mask) {
    const int wd = inotify_add_watch(fd_, path.c_str(), mask);
    EXPECT_GE(wd, 1) << path << ": " << strerror(errno);
    return wd;
  }

  std::unique_ptr<conf::TempDir> tmp_;
  std::unique_ptr<DiskDir> disk_;
  std::string dir_;
  int fd_ = -1;
};

TEST_P(InotifySeq, CreateWriteCloseOnWatchedDirectory) {
  const int wd = Watch(dir_, IN_ALL_EVENTS);
  int f = open(P("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  ASSERT_GE(f, 0);
  ASSERT_EQ(write(f, "hello", 5), 5);
  close(f);
  ExpectSequence(Drain(fd_), wd,
                 {{IN_CREATE, "f"}, {IN_OPEN, "f"}, {IN_MODIFY, "f"}, {IN_CLOSE_WRITE, "f"}});
}

TEST_P(InotifySeq, ReadOnlyOpenReportsAccessAndCloseNowrite) {
  ASSERT_TRUE(conf::WriteFile(P("f"), "data"));
  const int wd = Watch(P("f"), IN_ALL_EVENTS);
  int f = open(P("f").c_str(), O_RDONLY);
  ASSERT_GE(f, 0);
  char buf[8];
  ASSERT_EQ(read(f, buf, sizeof buf), 4);
  ASSERT_EQ(read(f, buf, sizeof buf), 0);  // end of file: no IN_ACCESS
  close(f);
  ExpectSequence(Drain(fd_), wd, {{IN_OPEN, ""}, {IN_ACCESS, ""}, {IN_CLOSE_NOWRITE, ""}});
}

TEST_P(InotifySeq, TruncatingOpenOfExistingFileReportsOpenThenModify) {
  ASSERT_TRUE(conf::WriteFile(P("f"), "data"));
  const int wd = Watch(dir_, IN_OPEN | IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE);
  int f = open(P("f").c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(f, 0);
  close(f);
  ExpectSequence(Drain(fd_), wd, {{IN_OPEN, "f"}, {IN_MODIFY, "f"}, {IN_CLOSE_WRITE, "f"}});
}

TEST_P(InotifySeq, MkdirAndRmdirCarryIsdir) {
  const int wd = Watch(dir_, IN_CREATE | IN_DELETE);
  ASSERT_EQ(mkdir(P("sub").c_str(), 0755), 0);
  ASSERT_EQ(rmdir(P("sub").c_str()), 0);
  ExpectSequence(Drain(fd_), wd, {{IN_CREATE | IN_ISDIR, "sub"}, {IN_DELETE | IN_ISDIR, "sub"}});
}

TEST_P(InotifySeq, SymlinkMknodAndLinkReportCreate) {
  Touch(P("f"));
  const int wd = Watch(dir_, IN_CREATE | IN_ATTRIB);
  const int fwd = Watch(P("f"), IN_ATTRIB);
  ASSERT_EQ(symlink("f", P("sym").c_str()), 0);
  ASSERT_EQ(mknod(P("fifo").c_str(), S_IFIFO | 0644, 0), 0);
  ASSERT_EQ(link(P("f").c_str(), P("hard").c_str()), 0);
  const std::vector<Ev> got = Drain(fd_);
  ASSERT_EQ(got.size(), 4u) << Describe(got);
  EXPECT_EQ(got[0].wd, wd);
  EXPECT_EQ(got[0].mask, IN_CREATE);
  EXPECT_EQ(got[0].name, "sym");
  EXPECT_EQ(got[1].mask, IN_CREATE);
  EXPECT_EQ(got[1].name, "fifo");
  // link(2): the file's link count first, then the new name.
  EXPECT_EQ(got[2].wd, fwd);
  EXPECT_EQ(got[2].mask, IN_ATTRIB);
  EXPECT_EQ(got[3].wd, wd);
  EXPECT_EQ(got[3].mask, IN_CREATE);
  EXPECT_EQ(got[3].name, "hard");
}

TEST_P(InotifySeq, RenameWithinDirectoryPairsMovedFromAndMovedToByCookie) {
  Touch(P("a"));
  const int wd = Watch(dir_, IN_MOVE);
  ASSERT_EQ(rename(P("a").c_str(), P("b").c_str()), 0);
  const std::vector<Ev> got = Drain(fd_);
  ExpectSequence(got, wd, {{IN_MOVED_FROM, "a"}, {IN_MOVED_TO, "b"}});
  if (got.size() == 2) {
    EXPECT_NE(got[0].cookie, 0u);
    EXPECT_EQ(got[0].cookie, got[1].cookie);
  }
}

TEST_P(InotifySeq, RenameAcrossDirectoriesUsesOneCookieAndMovesSelf) {
  ASSERT_EQ(mkdir(P("d1").c_str(), 0755), 0);
  ASSERT_EQ(mkdir(P("d2").c_str(), 0755), 0);
  Touch(P("d1/a"));
  const int w1 = Watch(P("d1"), IN_MOVE);
  const int w2 = Watch(P("d2"), IN_MOVE);
  const int wf = Watch(P("d1/a"), IN_MOVE_SELF);
  ASSERT_EQ(rename(P("d1/a").c_str(), P("d2/b").c_str()), 0);
  const std::vector<Ev> got = Drain(fd_);
  ASSERT_EQ(got.size(), 3u) << Describe(got);
  EXPECT_EQ(got[0].wd, w1);
  EXPECT_EQ(got[0].mask, IN_MOVED_FROM);
  EXPECT_EQ(got[0].name, "a");
  EXPECT_EQ(got[1].wd, w2);
  EXPECT_EQ(got[1].mask, IN_MOVED_TO);
  EXPECT_EQ(got[1].name, "b");
  EXPECT_NE(got[0].cookie, 0u);
  EXPECT_EQ(got[0].cookie, got[1].cookie);
  EXPECT_EQ(got[2].wd, wf);
  EXPECT_EQ(got[2].mask, IN_MOVE_SELF);
  EXPECT_EQ(got[2].cookie, 0u);
}

TEST_P(InotifySeq, SuccessiveRenamesGetDifferentCookies) {
  Touch(P("a"));
  const int wd = Watch(dir_, IN_MOVE);
  ASSERT_EQ(rename(P("a").c_str(), P("b").c_str()), 0);
  ASSERT_EQ(rename(P("b").c_str(), P("c").c_str()), 0);
  const std::vector<Ev> got = Drain(fd_);
  ExpectSequence(got, wd, {{IN_MOVED_FROM, "a"}, {IN_MOVED_TO, "b"}, {IN_MOVED_FROM, "b"}, {IN_MOVED_TO, "c"}});
  if (got.size() == 4) {
    EXPECT_NE(got[0].cookie, got[2].cookie);
  }
}

TEST_P(InotifySeq, RenameOverAWatchedFileDeletesIt) {
  Touch(P("a"));
  Touch(P("b"));
  const int wb = Watch(P("b"), IN_ALL_EVENTS);
  ASSERT_EQ(rename(P("a").c_str(), P("b").c_str()), 0);
  ExpectSequence(Drain(fd_), wb, {{IN_ATTRIB, ""}, {IN_DELETE_SELF, ""}, {IN_IGNORED, ""}});
}

TEST_P(InotifySeq, UnlinkReportsDeleteToDirectoryAndDeleteSelfToFile) {
  Touch(P("f"));
  // Two instances: the relative order of events on two watches of one
  // instance is not what this checks.
  const int dir_wd = Watch(dir_, IN_DELETE);
  int file_fd = inotify_init1(IN_NONBLOCK);
  ASSERT_GE(file_fd, 0);
  const int file_wd = inotify_add_watch(file_fd, P("f").c_str(), IN_ALL_EVENTS);
  ASSERT_GE(file_wd, 1);
  ASSERT_EQ(unlink(P("f").c_str()), 0);
  ExpectSequence(Drain(fd_), dir_wd, {{IN_DELETE, "f"}});
  ExpectSequence(Drain(file_fd), file_wd, {{IN_ATTRIB, ""}, {IN_DELETE_SELF, ""}, {IN_IGNORED, ""}});
  close(file_fd);
}

TEST_P(InotifySeq, UnlinkOfOpenFileDelaysDeleteSelfUntilLastClose) {
  Touch(P("f"));
  const int wd = Watch(P("f"), IN_ATTRIB | IN_DELETE_SELF);
  int f = open(P("f").c_str(), O_RDONLY);
  ASSERT_GE(f, 0);
  ASSERT_EQ(unlink(P("f").c_str()), 0);
  ExpectSequence(Drain(fd_), wd, {{IN_ATTRIB, ""}});
  close(f);
  ExpectSequence(Drain(fd_), wd, {{IN_DELETE_SELF, ""}, {IN_IGNORED, ""}});
}

TEST_P(InotifySeq, UnlinkOfOneOfTwoLinksOnlyChangesAttributes) {
  Touch(P("f"));
  ASSERT_EQ(link(P("f").c_str(), P("g").c_str()), 0);
  const int wd = Watch(P("f"), IN_ALL_EVENTS);
  ASSERT_EQ(unlink(P("g").c_str()), 0);
  ExpectSequence(Drain(fd_), wd, {{IN_ATTRIB, ""}});
}

TEST_P(InotifySeq, RmdirOfWatchedDirectoryEndsTheWatch) {
  ASSERT_EQ(mkdir(P("sub").c_str(), 0755), 0);
  int sub_fd = inotify_init1(IN_NONBLOCK);
  ASSERT_GE(sub_fd, 0);
  const int wd = inotify_add_watch(sub_fd, P("sub").c_str(), IN_DELETE_SELF);
  ASSERT_GE(wd, 1);
  ASSERT_EQ(rmdir(P("sub").c_str()), 0);
  const std::vector<Ev> got = Drain(sub_fd);
  ASSERT_EQ(got.size(), 2u) << Describe(got);
  EXPECT_EQ(got[0].mask & ~IN_ISDIR, IN_DELETE_SELF);
  EXPECT_EQ(got[1].mask, IN_IGNORED);
  EXPECT_ERRNO(EINVAL, inotify_rm_watch(sub_fd, wd));
  close(sub_fd);
}

TEST_P(InotifySeq, ChmodReportsAttribToFileAndDirectory) {
  Touch(P("f"));
  const int dwd = Watch(dir_, IN_ATTRIB);
  const int fwd = Watch(P("f"), IN_ATTRIB);
  ASSERT_EQ(chmod(P("f").c_str(), 0600), 0);
  const std::vector<Ev> got = Drain(fd_);
  ASSERT_EQ(got.size(), 2u) << Describe(got);
  EXPECT_EQ(got[0].wd, dwd);
  EXPECT_EQ(got[0].name, "f");
  EXPECT_EQ(got[1].wd, fwd);
  EXPECT_EQ(got[1].name, "");
  EXPECT_EQ(got[0].mask, IN_ATTRIB);
  EXPECT_EQ(got[1].mask, IN_ATTRIB);
}

TEST_P(InotifySeq, TruncateReportsModify) {
  ASSERT_TRUE(conf::WriteFile(P("f"), "data"));
  const int wd = Watch(P("f"), IN_MODIFY);
  ASSERT_EQ(truncate(P("f").c_str(), 1), 0);
  ExpectSequence(Drain(fd_), wd, {{IN_MODIFY, ""}});
}

TEST_P(InotifySeq, IdenticalConsecutiveEventsAreMerged) {
  Touch(P("a"));
  Touch(P("b"));
  const int wd = Watch(dir_, IN_MODIFY);
  int a = open(P("a").c_str(), O_WRONLY);
  int b = open(P("b").c_str(), O_WRONLY);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ASSERT_EQ(write(a, "1", 1), 1);
  ASSERT_EQ(write(a, "2", 1), 1);
  ASSERT_EQ(write(b, "3", 1), 1);
  ASSERT_EQ(write(a, "4", 1), 1);
  close(a);
  close(b);
  ExpectSequence(Drain(fd_), wd, {{IN_MODIFY, "a"}, {IN_MODIFY, "b"}, {IN_MODIFY, "a"}});
}

TEST_P(InotifySeq, OneshotWatchFiresOnceThenIsIgnored) {
  Touch(P("f"));
  const int wd = Watch(P("f"), IN_ATTRIB | IN_ONESHOT);
  ASSERT_EQ(chmod(P("f").c_str(), 0600), 0);
  ASSERT_EQ(chmod(P("f").c_str(), 0644), 0);
  ExpectSequence(Drain(fd_), wd, {{IN_ATTRIB, ""}, {IN_IGNORED, ""}});
  EXPECT_ERRNO(EINVAL, inotify_rm_watch(fd_, wd));
}

TEST_P(InotifySeq, EventsOnlyForTheWatchedMask) {
  const int wd = Watch(dir_, IN_DELETE);
  Touch(P("f"));
  ASSERT_EQ(chmod(P("f").c_str(), 0600), 0);
  ASSERT_EQ(unlink(P("f").c_str()), 0);
  ExpectSequence(Drain(fd_), wd, {{IN_DELETE, "f"}});
}

INSTANTIATE_TEST_SUITE_P(Fs, InotifySeq, ::testing::Values("tmp", "disk"));

// ---- the instance and its calls ----------------------------------------------------

TEST(Inotify, Init1RejectsUnknownFlags) {
  EXPECT_ERRNO(EINVAL, syscall(SYS_inotify_init1, 0x1));
  EXPECT_ERRNO(EINVAL, syscall(SYS_inotify_init1, O_RDWR));
}

TEST(Inotify, Init1FlagsSetCloexecAndNonblock) {
  ScopedFd fd(static_cast<int>(syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC)));
  ASSERT_GE(fd.get(), 0);
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY | O_NONBLOCK);
  ScopedFd old(static_cast<int>(syscall(SYS_inotify_init)));
  ASSERT_GE(old.get(), 0);
  EXPECT_EQ(fcntl(old, F_GETFD), 0);
  EXPECT_EQ(fcntl(old, F_GETFL) & O_NONBLOCK, 0);
}

TEST(Inotify, AddWatchErrors) {
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  const std::string hello = conf::Fixture("hello.txt");
  EXPECT_ERRNO(EBADF, inotify_add_watch(-1, hello.c_str(), IN_MODIFY));
  EXPECT_ERRNO(EBADF, inotify_add_watch(9999, hello.c_str(), IN_MODIFY));
  ScopedFd file(open(hello.c_str(), O_RDONLY));
  EXPECT_ERRNO(EINVAL, inotify_add_watch(file, hello.c_str(), IN_MODIFY));  // not an inotify fd
  EXPECT_ERRNO(EINVAL, inotify_add_watch(fd, hello.c_str(), 0));
  EXPECT_ERRNO(EINVAL, inotify_add_watch(fd, hello.c_str(), IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
  EXPECT_ERRNO(ENOENT, inotify_add_watch(fd, conf::Fixture("missing").c_str(), IN_MODIFY));
  EXPECT_ERRNO(ENOENT, inotify_add_watch(fd, "", IN_MODIFY));
  EXPECT_ERRNO(ENOENT, inotify_add_watch(fd, conf::Fixture("dangling").c_str(), IN_MODIFY));
  EXPECT_ERRNO(EFAULT, syscall(SYS_inotify_add_watch, fd.get(), conf::kOnePtr, IN_MODIFY));
  EXPECT_ERRNO(EFAULT, syscall(SYS_inotify_add_watch, fd.get(), conf::kKernelPtr, IN_MODIFY));
  EXPECT_ERRNO(ENOTDIR, inotify_add_watch(fd, hello.c_str(), IN_MODIFY | IN_ONLYDIR));
  EXPECT_ERRNO(ENOTDIR, inotify_add_watch(fd, conf::Fixture("hello.txt/x").c_str(), IN_MODIFY));
  EXPECT_GE(inotify_add_watch(fd, conf::Fixture("dir").c_str(), IN_MODIFY | IN_ONLYDIR), 1);
}

TEST(Inotify, MaskWithoutAnyKnownBitIsEINVAL) {
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  EXPECT_ERRNO(EINVAL, syscall(SYS_inotify_add_watch, fd.get(), conf::Fixture("hello.txt").c_str(), 0x08000000));
}

TEST(Inotify, SameInodeGetsSameWatchDescriptor) {
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  const int a = inotify_add_watch(fd, conf::Fixture("dir/one").c_str(), IN_MODIFY);
  const int b = inotify_add_watch(fd, conf::Fixture("dir/link").c_str(), IN_ATTRIB);  // -> one
  const int c = inotify_add_watch(fd, conf::Fixture("dir/two").c_str(), IN_ATTRIB);
  EXPECT_GE(a, 1);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // IN_DONT_FOLLOW watches the symlink itself.
  const int d = inotify_add_watch(fd, conf::Fixture("dir/link").c_str(), IN_ATTRIB | IN_DONT_FOLLOW);
  EXPECT_GE(d, 1);
  EXPECT_NE(d, a);
  EXPECT_ERRNO(EEXIST, inotify_add_watch(fd, conf::Fixture("dir/one").c_str(), IN_ATTRIB | IN_MASK_CREATE));
  std::vector<Ev> none = Drain(fd);
  EXPECT_TRUE(none.empty()) << Describe(none);
}

TEST(Inotify, MaskAddCombinesAndPlainAddReplaces) {
  conf::TempDir dir;
  Touch(dir / "f");
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  const int wd = inotify_add_watch(fd, (dir / "f").c_str(), IN_ATTRIB);
  EXPECT_EQ(inotify_add_watch(fd, (dir / "f").c_str(), IN_OPEN | IN_MASK_ADD), wd);
  int f = open((dir / "f").c_str(), O_RDONLY);
  close(f);
  ASSERT_EQ(chmod((dir / "f").c_str(), 0600), 0);
  ExpectSequence(Drain(fd), wd, {{IN_OPEN, ""}, {IN_ATTRIB, ""}});
  EXPECT_EQ(inotify_add_watch(fd, (dir / "f").c_str(), IN_OPEN), wd);  // replaces: no IN_ATTRIB now
  ASSERT_EQ(chmod((dir / "f").c_str(), 0644), 0);
  EXPECT_TRUE(Drain(fd).empty());
}

TEST(Inotify, RmWatchQueuesIgnoredAndRejectsUnknownWatches) {
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  const int wd = inotify_add_watch(fd, conf::Fixture("hello.txt").c_str(), IN_MODIFY);
  ASSERT_GE(wd, 1);
  EXPECT_EQ(inotify_rm_watch(fd, wd), 0);
  ExpectSequence(Drain(fd), wd, {{IN_IGNORED, ""}});
  EXPECT_ERRNO(EINVAL, inotify_rm_watch(fd, wd));
  EXPECT_ERRNO(EINVAL, inotify_rm_watch(fd, -1));
  EXPECT_ERRNO(EINVAL, inotify_rm_watch(fd, 12345));
  EXPECT_ERRNO(EBADF, inotify_rm_watch(-1, wd));
  ScopedFd file(open(conf::Fixture("hello.txt").c_str(), O_RDONLY));
  EXPECT_ERRNO(EINVAL, inotify_rm_watch(file, wd));
  // A new watch gets a new descriptor.
  EXPECT_GT(inotify_add_watch(fd, conf::Fixture("hello.txt").c_str(), IN_MODIFY), wd);
}

TEST(Inotify, EmptyNonblockingReadFailsWithEAGAIN) {
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  char buf[256];
  EXPECT_ERRNO(EAGAIN, read(fd, buf, sizeof buf));
}

TEST(Inotify, ReadBufferTooSmallForNextEventIsEINVAL) {
  conf::TempDir dir;
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  const int wd = inotify_add_watch(fd, dir.path().c_str(), IN_CREATE);
  Touch(dir / "abc");  // 16 + 16 bytes (name padded with NULs to 16)
  Touch(dir / "d");
  int n = -1;
  ASSERT_EQ(ioctl(fd, FIONREAD, &n), 0);
  EXPECT_EQ(n, 64);
  alignas(inotify_event) char buf[64];
  EXPECT_ERRNO(EINVAL, read(fd, buf, 0));
  EXPECT_ERRNO(EINVAL, read(fd, buf, 16));
  EXPECT_ERRNO(EINVAL, read(fd, buf, 31));
  // Only whole events: 40 bytes hold the first one.
  ASSERT_EQ(read(fd, buf, 40), 32);
  inotify_event e;
  memcpy(&e, buf, sizeof e);
  EXPECT_EQ(e.wd, wd);
  EXPECT_EQ(e.mask, IN_CREATE);
  EXPECT_EQ(e.len, 16u);
  EXPECT_STREQ(buf + sizeof e, "abc");
  for (size_t i = sizeof e + 3; i < 32; ++i) EXPECT_EQ(buf[i], 0) << i;
  ASSERT_EQ(ioctl(fd, FIONREAD, &n), 0);
  EXPECT_EQ(n, 32);
  ASSERT_EQ(read(fd, buf, sizeof buf), 32);
  EXPECT_STREQ(buf + sizeof e, "d");
  ASSERT_EQ(ioctl(fd, FIONREAD, &n), 0);
  EXPECT_EQ(n, 0);
}

TEST(Inotify, ReadIntoBadBufferFailsWithEFAULT) {
  conf::TempDir dir;
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  ASSERT_GE(inotify_add_watch(fd, dir.path().c_str(), IN_CREATE), 1);
  Touch(dir / "x");
  EXPECT_ERRNO(EFAULT, read(fd, conf::kOnePtr, 64));
}

TEST(Inotify, PollAndEpollReportReadableOnlyWithEvents) {
  conf::TempDir dir;
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  ASSERT_GE(inotify_add_watch(fd, dir.path().c_str(), IN_CREATE), 1);
  pollfd p{fd, POLLIN | POLLOUT, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);
  ScopedFd ep(epoll_create1(0));
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
  epoll_event out{};
  EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0);
  Touch(dir / "x");
  p.revents = 0;
  EXPECT_EQ(poll(&p, 1, 0), 1);
  EXPECT_EQ(p.revents, POLLIN);
  EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 1);
  EXPECT_EQ(out.events, static_cast<uint32_t>(EPOLLIN));
  EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0);  // edge-triggered: once
  Drain(fd);
  p.revents = 0;
  EXPECT_EQ(poll(&p, 1, 0), 0);
}

TEST(Inotify, BlockingReadWaitsForAnEvent) {
  conf::TempDir dir;
  ScopedFd fd(inotify_init1(0));
  ASSERT_GE(inotify_add_watch(fd, dir.path().c_str(), IN_CREATE), 1);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    usleep(100 * 1000);
    int f = open((dir / "late").c_str(), O_WRONLY | O_CREAT, 0644);
    _exit(f >= 0 ? 0 : 1);
  }
  alignas(inotify_event) char buf[256];
  const ssize_t n = read(fd, buf, sizeof buf);
  ASSERT_EQ(n, 32);
  EXPECT_STREQ(buf + sizeof(inotify_event), "late");
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(status, 0);
}

TEST(Inotify, FullQueueEndsInOneOverflowEvent) {
  int max = 0;
  {
    FILE* f = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(fscanf(f, "%d", &max), 1);
    fclose(f);
  }
  ASSERT_GT(max, 0);
  ASSERT_LE(max, 1 << 20);
  conf::TempDir dir;
  Touch(dir / "a");
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  const int wd = inotify_add_watch(fd, dir.path().c_str(), IN_MODIFY);
  const int fwd = inotify_add_watch(fd, (dir / "a").c_str(), IN_MODIFY);
  ScopedFd a(open((dir / "a").c_str(), O_WRONLY));
  // Each write is two events (the directory's, then the file's), so none
  // merges into the one before.
  for (int i = 0; i < max / 2 + 8; ++i) ASSERT_EQ(write(a.get(), "x", 1), 1);
  const std::vector<Ev> got = Drain(fd);
  ASSERT_EQ(got.size(), static_cast<size_t>(max) + 1);
  EXPECT_EQ(got[0].wd, wd);
  EXPECT_EQ(got[0].name, "a");
  EXPECT_EQ(got[1].wd, fwd);
  EXPECT_EQ(got[1].name, "");
  EXPECT_EQ(got.back().wd, -1);
  EXPECT_EQ(got.back().mask, IN_Q_OVERFLOW);
  EXPECT_EQ(got.back().cookie, 0u);
  EXPECT_EQ(got.back().name, "");
}

TEST(Inotify, FdinfoListsWatches) {
  ScopedFd fd(inotify_init1(IN_NONBLOCK));
  const int wd = inotify_add_watch(fd, conf::Fixture("hello.txt").c_str(), IN_MODIFY);
  ASSERT_GE(wd, 1);
  const std::string info = conf::ReadFile("/proc/self/fdinfo/" + std::to_string(fd.get()));
  char want[64];
  snprintf(want, sizeof want, "inotify wd:%x ", wd);
  EXPECT_NE(info.find(want), std::string::npos) << info;
  EXPECT_NE(info.find("mask:2 "), std::string::npos) << info;
  char link[64] = {};
  ASSERT_GT(readlink(("/proc/self/fd/" + std::to_string(fd.get())).c_str(), link, sizeof link - 1), 0);
  EXPECT_STREQ(link, "anon_inode:inotify");
}

TEST(Inotify, LimitsAreInProcfs) {
  for (const char* name : {"max_queued_events", "max_user_instances", "max_user_watches"}) {
    const std::string v = conf::ReadFile(std::string("/proc/sys/fs/inotify/") + name);
    EXPECT_GT(atoi(v.c_str()), 0) << name << ": " << v;
  }
}

TEST(Inotify, ClosingTheInstanceDropsItsWatches) {
  conf::TempDir dir;
  int fd = inotify_init1(IN_NONBLOCK);
  ASSERT_GE(inotify_add_watch(fd, dir.path().c_str(), IN_CREATE), 1);
  close(fd);
  Touch(dir / "x");  // nothing to deliver to
  ScopedFd again(inotify_init1(IN_NONBLOCK));
  EXPECT_EQ(inotify_add_watch(again, dir.path().c_str(), IN_CREATE), 1);
}

}  // namespace
