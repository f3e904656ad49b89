#include "kernel/tty/TtyDevices.h"

#include "kernel/CurrentTask.h"
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/dev/DeviceId.h"
#include "kernel/dev/DeviceRegistry.h"
#include "kernel/tty/Devpts.h"

namespace lx {

namespace {

Result<OpenFileRef> open_ctty(const InodeRef& node, int flags, const HostTtyOpener& host_tty) {
  Task* t = current_task();
  if (!t) return err(ENXIO);
  if (!t->tg().ctty) {
    const ThreadGroup* init = t->kernel().init();
    if (host_tty && init && t->tg().sid == init->sid) return host_tty(flags);
    return err(ENXIO);
  }
  // Opening /dev/tty never changes which terminal controls the session.
  return open_pty_slave(t->tg().ctty, node, flags | abi::kONoctty);
}

}  // namespace

void register_tty_devices(DeviceRegistry& reg, const std::shared_ptr<PtyTable>& table, HostTtyOpener host_tty) {
  reg.add(kTtyAuxMajor, 0, 2, [host_tty = std::move(host_tty)](uint32_t, const InodeRef& node, int flags) {
    return open_ctty(node, flags, host_tty);
  });
  reg.add(kTtyAuxMajor, 2, 1, [table](uint32_t, const InodeRef& node, int) -> Result<OpenFileRef> {
    Task* t = current_task();
    const uint32_t uid = t ? t->tg().fsuid : 0, gid = t ? t->tg().fsgid : 0;
    PtyRef p = TRY(table->create(uid, gid));
    return make_pty_master(std::move(p), node);
  });
  reg.add(kPtySlaveMajor, 0, kPtySlaveCount, [table](uint32_t minor, const InodeRef& node, int flags) -> Result<OpenFileRef> {
    PtyRef p = table->find(static_cast<int>(minor));
    if (!p) return err(EIO);
    return open_pty_slave(std::move(p), node, flags);
  });
}

}  // namespace lx
