// The linux_dirent64 record getdents64(2) returns, for filesystems that
// build listings themselves (tmpfs, procfs/sysfs, devpts).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace lx {

// Appends one record (ino, offset of the next one, DT_* type, name) at
// buf[used...] and advances used; false, leaving both alone, when it does
// not fit.
inline bool put_dirent64(std::span<uint8_t> buf, uint64_t& used, uint64_t ino, int64_t next, uint8_t dtype,
                         std::string_view name) {
  const size_t reclen = (19 + name.size() + 1 + 7) & ~size_t{7};
  if (used + reclen > buf.size()) return false;
  uint8_t* p = buf.data() + used;
  std::memset(p, 0, reclen);
  std::memcpy(p, &ino, 8);
  std::memcpy(p + 8, &next, 8);
  const auto rl = static_cast<uint16_t>(reclen);
  std::memcpy(p + 16, &rl, 2);
  p[18] = dtype;
  std::memcpy(p + 19, name.data(), name.size());
  used += reclen;
  return true;
}

}  // namespace lx
