// The memory devices of major 1: null (3), zero (5), full (7), random (8)
// and urandom (9), as drivers/char/mem.c and random.c behave.
#pragma once

namespace lx {

class DeviceRegistry;

void register_mem_devices(DeviceRegistry& reg);

}  // namespace lx
