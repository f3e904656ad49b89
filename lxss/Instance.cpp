#include "lxss/Instance.h"

#include <signal.h>

#include "kernel/Spawn.h"
#include "pico/linux/LinuxHost.h"

namespace lx::lxss {

Result<std::unique_ptr<Instance>> Instance::start(InstanceSpec spec, std::function<void()> on_init_exit) {
  std::unique_ptr<Instance> inst(new Instance());
  inst->lx_home_ = std::move(spec.lx_home);
  inst->name_ = std::move(spec.name);
  inst->rootfs_ = std::move(spec.rootfs);
  inst->resources_ = std::move(spec.resources);
  if (spec.host) inst->host_ = std::move(spec.host);
  else inst->host_ = TRY(pico::LinuxHost::create());
  inst->kernel_ = std::make_unique<Kernel>(*inst->host_, std::move(spec.vfs), spec.config);
  Kernel& k = *inst->kernel_;
  auto started = std::make_shared<std::atomic<int>>(0);  // errno of a failed start, or -1 once init exits
  // Init has no stdio: nothing of the daemon's leaks into the guest.
  inst->init_thread_ = std::thread([inst = inst.get(), path = spec.init_path, started, cb = std::move(on_init_exit)] {
    Result<int> r = inst->kernel_->run_program(
        path, {path}, {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, {});
    started->store(r.ok() ? -1 : r.error());
    inst->init_gone_ = true;
    if (cb) cb();
  });
  // Sessions may spawn once init's image is loaded (run_program sets its
  // cmdline under the big lock right before starting it).
  for (;;) {
    {
      std::lock_guard lock(k.big_lock());
      if (k.init() && !k.init()->cmdline.empty()) break;
    }
    const int s = started->load();
    if (s != 0) {
      inst->init_thread_.join();
      return err(s > 0 ? s : ESRCH);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return inst;
}

void Instance::terminate() {
  std::call_once(terminated_, [this] {
    // SIGTERM from outside ends a run_program instance: every process is
    // killed and pid 1's thread returns.
    if (kernel_ && !init_gone_) kernel_->external_signal(SIGTERM);
    if (init_thread_.joinable()) init_thread_.join();
  });
}

Instance::~Instance() {
  terminate();
  kernel_.reset();
  host_.reset();
}

}  // namespace lx::lxss
