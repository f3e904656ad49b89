#include "kernel/dev/DevSetup.h"

#include "kernel/dev/DeviceId.h"
#include "kernel/dev/DeviceRegistry.h"
#include "kernel/dev/MemDevices.h"
#include "kernel/tty/Devpts.h"
#include "kernel/tty/TtyDevices.h"
#include "kernel/vfs/Tmpfs.h"
#include "kernel/vfs/Vfs.h"

namespace lx {

Result<void> setup_dev(Vfs& vfs, HostTtyOpener host_tty) {
  DeviceRegistry& reg = vfs.devices();
  register_mem_devices(reg);
  auto ptys = std::make_shared<PtyTable>();
  register_tty_devices(reg, ptys, std::move(host_tty));

  TmpfsOptions opts;
  opts.root_mode = 0755;
  opts.size_bytes = 64 << 10;  // nodes and links only: files belong in /dev/shm
  InodeRef dev = make_tmpfs(opts);
  const Credentials root{};  // uid 0, gid 0: the set-up acts as root
  struct Node {
    const char* name;
    unsigned mode;
    uint32_t major, minor;
  };
  static constexpr Node kNodes[] = {
      {"null", 0666, kMemMajor, 3},      {"zero", 0666, kMemMajor, 5},       {"full", 0666, kMemMajor, 7},
      {"random", 0666, kMemMajor, 8},    {"urandom", 0666, kMemMajor, 9},    {"tty", 0666, kTtyAuxMajor, 0},
      {"console", 0600, kTtyAuxMajor, 1}, {"ptmx", 0666, kTtyAuxMajor, 2},
  };
  for (const Node& n : kNodes)
    TRY(dev->mknod_device(n.name, abi::kSIfchr | n.mode, make_dev(n.major, n.minor), root));
  TRY(dev->symlink("fd", "/proc/self/fd", root));
  TRY(dev->symlink("stdin", "/proc/self/fd/0", root));
  TRY(dev->symlink("stdout", "/proc/self/fd/1", root));
  TRY(dev->symlink("stderr", "/proc/self/fd/2", root));
  TRY(dev->mkdir("shm", 01777, root));
  TRY(dev->mkdir("pts", 0755, root));
  TRY(vfs.mount_filesystem("/dev", dev, /*read_only=*/false, "devtmpfs"));
  return vfs.mount_filesystem("/dev/pts", make_devpts(std::move(ptys)), /*read_only=*/false, "devpts");
}

}  // namespace lx
