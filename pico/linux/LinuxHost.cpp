#include "pico/linux/LinuxHost.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "pico/linux/LinuxProcess.h"
#include "pico/linux/PrivateNetwork.h"

extern "C" const char lx_stub_image_start[];
extern "C" const char lx_stub_image_end[];

namespace pico {

namespace {

// Tuning knobs for measurements (LX_PROVIDER_SPIN_NS, LX_STUB_SPIN_NS):
// decimal nanoseconds, anything else is ignored.
void spin_from_env(const char* name, uint32_t* out) {
  const char* s = getenv(name);
  if (!s || !*s) return;
  char* end = nullptr;
  unsigned long v = strtoul(s, &end, 10);
  if (*end == 0 && v <= 10'000'000) *out = static_cast<uint32_t>(v);
}

}  // namespace

Result<std::unique_ptr<LinuxHost>> LinuxHost::create(LinuxHostOptions opts) {
  spin_from_env("LX_PROVIDER_SPIN_NS", &opts.provider_spin_ns);
  spin_from_env("LX_STUB_SPIN_NS", &opts.stub_spin_ns);
  spin_from_env("LX_IO_SPIN_NS", &opts.io_spin_ns);
  // LX_SOCKET_IO=0: copy socket data through the provider (for A/B runs).
  if (const char* s = getenv("LX_SOCKET_IO"); s && std::string_view(s) == "0") opts.socket_io = false;
  // LX_FAST_SYSCALLS=0: every guest syscall traps (for A/B runs).
  if (const char* s = getenv("LX_FAST_SYSCALLS"); s && std::string_view(s) == "0") opts.fast_syscalls = false;
  // Before anything else: a private network that cannot be had must fail
  // the instance, never fall back to sharing the host's.
  std::unique_ptr<PrivateNetwork> net;
  if (opts.private_network) net = TRY(PrivateNetwork::start());
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
  return std::unique_ptr<LinuxHost>(new LinuxHost(fd, opts, std::move(net)));
}

LinuxHost::LinuxHost(int stub_fd, LinuxHostOptions opts, std::unique_ptr<PrivateNetwork> net)
    : stub_fd_(stub_fd),
      opts_(opts),
      filter_(build_stub_filter()),
      net_(std::move(net)),
      spawner_([this] { spawner_main(); }) {}

LinuxHost::~LinuxHost() {
  {
    std::lock_guard lock(spawn_mu_);
    spawn_stop_ = true;
  }
  spawn_cv_.notify_all();
  spawner_.join();
  close(stub_fd_);
}

void LinuxHost::spawner_main() {
  std::unique_lock lock(spawn_mu_);
  for (;;) {
    spawn_cv_.wait(lock, [&] { return spawn_stop_ || !spawn_queue_.empty(); });
    if (spawn_queue_.empty()) return;
    auto job = std::move(spawn_queue_.front());
    spawn_queue_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

Result<int> LinuxHost::open_socket(int domain, int type, int protocol) {
  if (net_) return net_->open_socket(domain, type, protocol);
  const int fd = ::socket(domain, type, protocol);
  if (fd < 0) return lx::err(errno);
  return fd;
}

Result<std::unique_ptr<Process>> LinuxHost::create_process() {
  Result<std::unique_ptr<LinuxProcess>> result = lx::err(EAGAIN);
  bool done = false;
  std::mutex mu;
  std::condition_variable cv;
  {
    std::lock_guard lock(spawn_mu_);
    spawn_queue_.emplace_back([&] {
      auto r = LinuxProcess::start(stub_fd_, opts_, filter_);
      std::lock_guard l(mu);
      result = std::move(r);
      done = true;
      cv.notify_one();
    });
  }
  spawn_cv_.notify_one();
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  auto proc = TRY(std::move(result));
  return std::unique_ptr<Process>(std::move(proc));
}

}  // namespace pico
