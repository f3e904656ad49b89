// Moving file data between an OpenFile and guest memory. Data passes
// through a bounded bounce buffer, so a guest asking for gigabytes never
// makes the provider allocate them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "kernel/abi/Linux.h"
#include "kernel/base/UserMemory.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

constexpr uint64_t kBounceSize = uint64_t{64} * 1024;

// Reads a guest iovec array as readv(2) does: the count is taken as a
// 32-bit unsigned, EINVAL above IOV_MAX or a length that is negative as ssize_t; later lengths are clamped
// so the total stays within MAX_RW_COUNT. EFAULT if the array is unreadable.
Result<std::vector<abi::Iovec>> read_guest_iovec(const GuestMemory& mem, uint64_t addr, uint64_t count_arg);

// Total length of an iovec array returned by read_guest_iovec.
uint64_t iovec_total(std::span<const abi::Iovec> iov);

// read/readv/pread: at most one host read for streams (a second could block
// after data arrived); regular files are filled as far as possible. `pos`
// set means positional I/O that leaves the file offset alone.
Result<uint64_t> read_into_guest(const GuestMemory& mem, OpenFile& file, std::span<const abi::Iovec> iov,
                                 std::optional<int64_t> pos);
// write/writev/pwrite: chunk after chunk until one is short.
Result<uint64_t> write_from_guest(const GuestMemory& mem, OpenFile& file, std::span<const abi::Iovec> iov,
                                  std::optional<int64_t> pos);

}  // namespace lx
