// Thread::map_file and Process::residency on the real Linux backend: the
// stub maps a provider fd passed over its socket, and the pages really are
// the file's (shared) or copy-on-write pages of it (private).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pico/linux/LinuxHost.h"

namespace {

constexpr uint64_t kAddr = 0x20000000;
constexpr uint64_t kPage = 4096;

struct TempFile {
  std::string path;
  int fd = -1;
  explicit TempFile(size_t size, char fill) {
    char tmpl[] = "/tmp/lx-map-test.XXXXXX";
    fd = mkstemp(tmpl);
    path = tmpl;
    std::string data(size, fill);
    EXPECT_EQ(pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(size));
  }
  ~TempFile() {
    close(fd);
    unlink(path.c_str());
  }
};

std::unique_ptr<pico::Process> start(std::unique_ptr<pico::LinuxHost>& host) {
  auto h = pico::LinuxHost::create();
  EXPECT_TRUE(h.ok());
  host = h.release_value();
  auto p = host->create_process();
  EXPECT_TRUE(p.ok());
  return p.release_value();
}

TEST(LinuxHostMap, SharedFileMappingWritesReachTheFileAndFileWritesReachTheMapping) {
  std::unique_ptr<pico::LinuxHost> host;
  auto proc = start(host);
  TempFile f(2 * kPage, 'a');
  auto& t = proc->main_thread();
  ASSERT_TRUE(t.map_file(kAddr, 2 * kPage, pico::kProtRead | pico::kProtWrite, true, f.fd, 0).ok());
  // Guest-side store (through the guest's own page tables)...
  ASSERT_TRUE(proc->write_memory(kAddr + kPage + 5, "XYZ", 3).ok());
  char buf[3];
  ASSERT_EQ(pread(f.fd, buf, 3, kPage + 5), 3);
  EXPECT_EQ(std::string(buf, 3), "XYZ");
  // ...and a file write shows up in the mapping.
  ASSERT_EQ(pwrite(f.fd, "QQ", 2, 7), 2);
  ASSERT_TRUE(proc->read_memory(kAddr + 7, buf, 2).ok());
  EXPECT_EQ(std::string(buf, 2), "QQ");
}

TEST(LinuxHostMap, PrivateFileMappingIsCopyOnWriteAtTheRequestedOffset) {
  std::unique_ptr<pico::LinuxHost> host;
  auto proc = start(host);
  TempFile f(2 * kPage, 'b');
  ASSERT_EQ(pwrite(f.fd, "second", 6, kPage), 6);
  auto& t = proc->main_thread();
  ASSERT_TRUE(t.map_file(kAddr, kPage, pico::kProtRead | pico::kProtWrite, false, f.fd, kPage).ok());
  char buf[6];
  ASSERT_TRUE(proc->read_memory(kAddr, buf, 6).ok());
  EXPECT_EQ(std::string(buf, 6), "second");
  ASSERT_TRUE(proc->write_memory(kAddr, "PRIVAT", 6).ok());
  ASSERT_EQ(pread(f.fd, buf, 6, kPage), 6);
  EXPECT_EQ(std::string(buf, 6), "second") << "private stores must not reach the file";
}

TEST(LinuxHostMap, HostChecksTheDescriptorsAccessMode) {
  std::unique_ptr<pico::LinuxHost> host;
  auto proc = start(host);
  TempFile f(kPage, 'c');
  int ro = open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(ro, 0);
  auto& t = proc->main_thread();
  auto r = t.map_file(kAddr, kPage, pico::kProtRead | pico::kProtWrite, true, ro, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), EACCES);
  // The fd was consumed either way: the next mapping gets its own.
  EXPECT_TRUE(t.map_file(kAddr, kPage, pico::kProtRead, true, ro, 0).ok());
  close(ro);
  // A descriptor the host cannot map at all.
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  r = t.map_file(kAddr + kPage, kPage, pico::kProtRead, false, p[0], 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ENODEV);
  close(p[0]);
  close(p[1]);
}

TEST(LinuxHostMap, ResidencyReportsTouchedPages) {
  std::unique_ptr<pico::LinuxHost> host;
  auto proc = start(host);
  auto& t = proc->main_thread();
  ASSERT_TRUE(t.map_anonymous(kAddr, 4 * kPage, pico::kProtRead | pico::kProtWrite).ok());
  ASSERT_TRUE(proc->write_memory(kAddr + 2 * kPage, "x", 1).ok());
  uint8_t vec[4] = {9, 9, 9, 9};
  ASSERT_TRUE(proc->residency(kAddr, 4, vec).ok());
  EXPECT_EQ(vec[2], 1);
  for (uint8_t v : vec) EXPECT_LE(v, 1);
}

}  // namespace
