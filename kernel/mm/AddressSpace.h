// Address-space changes that involve the host: each one asks the pico thread
// first and records the result in the MemoryMap only when the host agreed,
// so the map never describes memory the guest does not have.
#pragma once

#include <cstdint>

#include "kernel/Task.h"
#include "kernel/mm/MemoryMap.h"

namespace lx {

// Maps fresh zeroed memory at [vma.start, vma.end) with vma.prot, replacing
// whatever the guest had there (MAP_FIXED). The caller checked usable().
Result<void> map_fixed(Task& task, const Vma& vma);

// As map_fixed, then fills the mapping from `file` at vma.offset (private
// copy semantics): bytes past the end of the file read as zero. The pages
// are written while writable and only then get vma.prot.
Result<void> map_fixed_from_file(Task& task, const Vma& vma, OpenFile& file);

// Maps [vma.start, vma.end) of vma.file for real through the host
// (vma.host_file must be set and the file must offer host_fd_for_mmap()):
// MAP_SHARED or MAP_PRIVATE per vma.shared, at vma.offset, with vma.prot.
// ENODEV if the file has no host fd to map.
Result<void> map_fixed_host_file(Task& task, const Vma& vma);

// Recreates a VMA piece's pages from what backs it: a host mapping of the
// file again, a private copy of the file, or fresh zeroed memory.
Result<void> map_like(Task& task, const Vma& vma);

// Copies len bytes of `file` at `offset` to guest address addr, which must be
// mapped writable; stops at end of file (the rest stays as it is).
Result<void> copy_file_to_guest(Task& task, uint64_t addr, uint64_t len, OpenFile& file, uint64_t offset);

// Unmaps every VMA part inside [start,end); holes and reserved ranges are
// never passed to the host.
Result<void> unmap_range(Task& task, uint64_t start, uint64_t end);

// mprotect(2) on the host and in the map; ENOMEM if [start,end) has holes,
// EACCES if PROT_WRITE is asked of a mapping that may never be written.
Result<void> protect_range(Task& task, uint64_t start, uint64_t end, int prot);

// Drops every guest mapping (exec's point of no return).
Result<void> unmap_all(Task& task);

}  // namespace lx
