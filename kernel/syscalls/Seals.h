// File seals (F_ADD_SEALS/F_GET_SEALS). A memfd is a host memfd
// (memfd.cpp), so the host keeps the seals and enforces them on writes,
// truncation and shared mappings; fcntl(2) in file_io.cpp hands these two
// commands here.
#pragma once

#include <cstdint>

#include "kernel/base/Result.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

constexpr int kFAddSeals = 1033, kFGetSeals = 1034;

inline bool is_fcntl_seal_cmd(int cmd) { return cmd == kFAddSeals || cmd == kFGetSeals; }
Result<long> fcntl_seals(OpenFile& file, int cmd, uint64_t arg);

}  // namespace lx
