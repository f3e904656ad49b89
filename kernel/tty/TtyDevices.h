// The terminal devices: /dev/tty (5:0, the caller's controlling terminal,
// ENXIO without one), /dev/console (5:1, the same for now), ptmx (5:2, a new
// pty pair whose master it opens) and the pty slaves (136:N).
#pragma once

#include <functional>
#include <memory>

#include "kernel/base/Result.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class DeviceRegistry;
class PtyTable;

// Opens the terminal `lx run` was started from (open flags given), for
// /dev/tty in the instance's first session while it has no guest terminal:
// that session's stdio is the host terminal. Empty: no such terminal.
using HostTtyOpener = std::function<Result<OpenFileRef>(int flags)>;

void register_tty_devices(DeviceRegistry& reg, const std::shared_ptr<PtyTable>& table, HostTtyOpener host_tty = {});

}  // namespace lx
