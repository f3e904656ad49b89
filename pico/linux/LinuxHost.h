// The Linux host backend of the pico interface. Each pico process is a host
// process started from the embedded stub image (see stub/stub.c and
// StubAbi.h); guest syscalls trap to the stub through seccomp and reach us
// through a shared-memory mailbox per thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "pico/Host.h"

namespace pico {

class PrivateNetwork;

struct LinuxHostOptions {
  // How long each side busy-waits for the other before sleeping on a futex.
  // Cross-CPU wake-ups cost 30-60 us on small VMs, a spin costs a core.
  // The stub's budget must outlast a typical syscall handler (a host call
  // or two): when it runs out first, the answer costs a futex wake-up. A
  // longer one costs ping-pong workloads on 2 CPUs more than it saves
  // (measured 7/20/50 µs: 20 was best for pipe and TCP round trips).
  uint32_t provider_spin_ns = 50'000;
  uint32_t stub_spin_ns = 20'000;
  // After handing the stub socket I/O that may take long (a receive that
  // may wait, a big transfer): sleeping at once leaves both CPUs to the two
  // transfers of a stream (TCP 1 MiB: 35% -> 56% of native; spinning 10 or
  // 50 us was slower).
  uint32_t io_spin_ns = 0;
  // Offer pico::SocketIo (the stub moves socket data itself).
  bool socket_io = true;
  // Rewrite syscall sites that trap more than once into jumps to the
  // stub's fast entry (StubAbi.h, "Patched syscall sites").
  bool fast_syscalls = true;
  // The instance's sockets live in a network of its own holding only a
  // loopback (`--net=none`, PrivateNetwork.h) instead of the host's.
  bool private_network = false;
};

class LinuxHost final : public Host {
 public:
  static Result<std::unique_ptr<LinuxHost>> create(LinuxHostOptions opts = {});
  ~LinuxHost() override;
  Result<std::unique_ptr<Process>> create_process() override;
  std::string name() const override { return "linux-seccomp"; }
  Result<std::string> system_info(const std::string& name) const override;
  Result<std::unique_ptr<HostProgram>> spawn_host_program(const HostProgramSpec& spec) override;
  Result<int> open_socket(int domain, int type, int protocol) override;

 private:
  LinuxHost(int stub_fd, LinuxHostOptions opts, std::unique_ptr<PrivateNetwork> net);
  void spawner_main();

  int stub_fd_;  // memfd holding the stub executable
  LinuxHostOptions opts_;
  std::vector<uint64_t> filter_;
  std::unique_ptr<PrivateNetwork> net_;  // null: the host's own network

  // Every guest host process is started from this one thread: the stubs'
  // PR_SET_PDEATHSIG fires when the *thread* that forked them ends, and fork
  // children (CLONE_PARENT) inherit that parent. Provider threads come and
  // go with guest tasks; this one lives as long as the host.
  std::mutex spawn_mu_;
  std::condition_variable spawn_cv_;
  std::deque<std::function<void()>> spawn_queue_;
  bool spawn_stop_ = false;
  std::thread spawner_;
};

// The seccomp program installed in every guest process (exposed for tests).
std::vector<uint64_t> build_stub_filter();

}  // namespace pico
