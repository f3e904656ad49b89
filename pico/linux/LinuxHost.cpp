#include "pico/linux/LinuxHost.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pico/linux/LinuxProcess.h"

extern "C" const char lx_stub_image_start[];
extern "C" const char lx_stub_image_end[];

namespace pico {

Result<std::unique_ptr<LinuxHost>> LinuxHost::create(LinuxHostOptions opts) {
  // The stub is exec'ed from a memfd: nothing on disk to find or keep in sync.
  int fd = memfd_create("lx-stub", MFD_CLOEXEC);
  if (fd < 0) return lx::err(errno);
  size_t len = static_cast<size_t>(lx_stub_image_end - lx_stub_image_start);
  const char* p = lx_stub_image_start;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      int e = errno;
      close(fd);
      return lx::err(e);
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
  return std::unique_ptr<LinuxHost>(new LinuxHost(fd, opts));
}

LinuxHost::LinuxHost(int stub_fd, LinuxHostOptions opts)
    : stub_fd_(stub_fd), opts_(opts), filter_(build_stub_filter()) {}

LinuxHost::~LinuxHost() { close(stub_fd_); }

Result<std::unique_ptr<Process>> LinuxHost::create_process() {
  auto proc = TRY(LinuxProcess::start(stub_fd_, opts_, filter_));
  return std::unique_ptr<Process>(std::move(proc));
}

}  // namespace pico
