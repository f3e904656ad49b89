// Device numbers as st_rdev carries them (glibc's makedev/major/minor
// encoding; for major < 4096 and minor < 256 it equals the kernel's 32-bit
// new_encode_dev() form that mknod(2) passes).
#pragma once

#include <cstdint>

namespace lx {

constexpr uint64_t make_dev(uint32_t major, uint32_t minor) {
  return (uint64_t{major & 0xfffu} << 8) | (uint64_t{major & ~0xfffu} << 32) | (minor & 0xffu) |
         (uint64_t{minor & ~0xffu} << 12);
}
constexpr uint32_t dev_major(uint64_t d) { return static_cast<uint32_t>(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffull)); }
constexpr uint32_t dev_minor(uint64_t d) { return static_cast<uint32_t>((d & 0xff) | ((d >> 12) & ~0xffull)); }

// The character devices the kernel implements (Documentation/admin-guide/devices.txt).
constexpr uint32_t kMemMajor = 1;       // 3 null, 5 zero, 7 full, 8 random, 9 urandom
constexpr uint32_t kTtyAuxMajor = 5;    // 0 tty, 1 console, 2 ptmx
constexpr uint32_t kPtySlaveMajor = 136;  // Unix98 pty slaves, minor = index
constexpr uint32_t kPtySlaveCount = 1024;  // minors of major 136 we hand out

}  // namespace lx
