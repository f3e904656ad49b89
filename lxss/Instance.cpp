#include "lxss/Instance.h"

#include <mutex>

#include "pico/linux/LinuxHost.h"

namespace lx::lxss {

Result<std::unique_ptr<Instance>> Instance::start(InstanceSpec spec, std::function<void()> on_init_exit) {
  std::unique_ptr<Instance> inst(new Instance());
  inst->lx_home_ = std::move(spec.lx_home);
  inst->name_ = std::move(spec.name);
  inst->rootfs_ = std::move(spec.rootfs);
  inst->resources_ = std::move(spec.resources);
  inst->host_ = TRY(pico::LinuxHost::create());
  const KernelConfig& cfg = spec.config;
  SpawnRequest init;
  init.path = spec.init_path;
  init.argv = {spec.init_path};
  init.envp = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  init.cwd = "/";
  init.uid = 0;
  init.gid = 0;
  // Init has no stdio: nothing of the daemon's leaks into the guest.
  inst->kernel_ = std::make_unique<Kernel>(*inst->host_, std::move(spec.vfs), cfg);
  Instance* raw = inst.get();
  init.on_exit = [raw, cb = std::move(on_init_exit)](int) {
    raw->init_gone_ = true;
    if (cb) cb();
  };
  TRY(inst->kernel_->start_init(init));
  return inst;
}

void Instance::terminate() {
  std::call_once(terminated_, [this] {
    if (kernel_) kernel_->shutdown();
  });
}

Instance::~Instance() {
  terminate();
  kernel_.reset();
  host_.reset();
}

}  // namespace lx::lxss
