// The Linux host backend of the pico interface. Each pico process is a host
// process started from the embedded stub image (see stub/stub.c and
// StubAbi.h); guest syscalls trap to the stub through seccomp and reach us
// through a shared-memory mailbox per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pico/Host.h"

namespace pico {

struct LinuxHostOptions {
  // How long each side busy-waits for the other before sleeping on a futex.
  // Cross-CPU wake-ups cost 30-60 us on small VMs, a spin costs a core.
  uint32_t provider_spin_ns = 50'000;
  uint32_t stub_spin_iterations = 20'000;
};

class LinuxHost final : public Host {
 public:
  static Result<std::unique_ptr<LinuxHost>> create(LinuxHostOptions opts = {});
  ~LinuxHost() override;
  Result<std::unique_ptr<Process>> create_process() override;
  std::string name() const override { return "linux-seccomp"; }

 private:
  LinuxHost(int stub_fd, LinuxHostOptions opts);
  int stub_fd_;  // memfd holding the stub executable
  LinuxHostOptions opts_;
  std::vector<uint64_t> filter_;
};

// The seccomp program installed in every guest process (exposed for tests).
std::vector<uint64_t> build_stub_filter();

}  // namespace pico
