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

class Task;

constexpr uint64_t kBounceSize = uint64_t{64} * 1024;

// Reads a guest iovec array as readv(2) does: the count is taken as a
// 32-bit unsigned, EINVAL above IOV_MAX or a length that is negative as ssize_t; later lengths are clamped
// so the total stays within MAX_RW_COUNT. EFAULT if the array is unreadable.
Result<std::vector<abi::Iovec>> read_guest_iovec(const GuestMemory& mem, uint64_t addr, uint64_t count_arg);

// Total length of an iovec array returned by read_guest_iovec.
uint64_t iovec_total(std::span<const abi::Iovec> iov);

// read/readv/pread: a blocking description of a file that would block
// (pipe, host stream) sleeps until data or end of file (FileWait.h); then at
// most one read for host streams (a second could block after data arrived),
// kernel streams (pipes) are drained as far as they hold data without
// waiting again, regular files are filled as far as possible. `pos` set
// means positional I/O that leaves the file offset alone.
// `host_io`: read/readv may end with a socket transfer the guest's own host
// process makes (kernel/net/HostIo.h); the result is then kDeferredIo.
Result<uint64_t> read_into_guest(Task& task, OpenFile& file, std::span<const abi::Iovec> iov,
                                 std::optional<int64_t> pos, bool host_io = false);
// write/writev/pwrite: chunk after chunk; a blocking pipe waits for room
// until everything is written, anything else stops at a short write.
Result<uint64_t> write_from_guest(Task& task, OpenFile& file, std::span<const abi::Iovec> iov,
                                  std::optional<int64_t> pos, bool host_io = false);

}  // namespace lx
