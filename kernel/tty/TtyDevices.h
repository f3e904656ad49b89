// The terminal devices: /dev/tty (5:0, the caller's controlling terminal,
// ENXIO without one), /dev/console (5:1, the same for now), ptmx (5:2, a new
// pty pair whose master it opens) and the pty slaves (136:N).
#pragma once

#include <memory>

namespace lx {

class DeviceRegistry;
class PtyTable;

void register_tty_devices(DeviceRegistry& reg, const std::shared_ptr<PtyTable>& table);

}  // namespace lx
