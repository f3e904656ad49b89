// One running distro in the daemon: a Linux host backend, a Kernel over the
// instance's filesystem, and pid 1. Sessions start processes in it; it
// ends on terminate(), when init dies, or when the daemon drops it idle.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kernel/Kernel.h"
#include "pico/Host.h"

namespace lx::lxss {

struct InstanceSpec {
  std::string lx_home, name, rootfs;  // identity: the instance of a root
  std::unique_ptr<Vfs> vfs;           // built by the caller (cli/Run.cpp's set-up)
  KernelConfig config;
  std::string init_path;              // guest path of the init program
  std::shared_ptr<void> resources;    // host resources living as long as the instance (/dev/shm)
  std::unique_ptr<pico::Host> host;   // the host backend (its network); null: a default LinuxHost
};

class Instance {
 public:
  // Starts the kernel and init (on a thread of its own: run_program returns
  // when pid 1 is gone; the instance is dead() then and on_init_exit runs
  // on that thread).
  static Result<std::unique_ptr<Instance>> start(InstanceSpec spec, std::function<void()> on_init_exit);
  ~Instance();  // terminate()s
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  const std::string& lx_home() const { return lx_home_; }
  const std::string& name() const { return name_; }
  const std::string& rootfs() const { return rootfs_; }
  Kernel& kernel() { return *kernel_; }
  bool dead() const { return init_gone_; }
  // Kills every process; sessions see their processes end (status 137).
  void terminate();

  // Attached sessions, and since when none is (daemon lock held).
  int sessions = 0;
  std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();

 private:
  Instance() = default;
  std::string lx_home_, name_, rootfs_;
  std::unique_ptr<pico::Host> host_;
  std::unique_ptr<Kernel> kernel_;
  std::shared_ptr<void> resources_;  // after the kernel: outlives every guest process
  std::thread init_thread_;  // runs Kernel::run_program for pid 1
  std::atomic<bool> init_gone_{false};
  std::once_flag terminated_;
};

}  // namespace lx::lxss
