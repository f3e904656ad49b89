// lxfs metadata: the guest's owner, group, full mode and device number of
// one host file, packed into ONE host xattr so that a change is a single
// atomic setxattr (README.md documents the format). Files without it take
// their metadata from the host (an extracted tarball works as is).
#pragma once

#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "kernel/abi/Linux.h"
#include "kernel/base/Result.h"

namespace lx::lxfs {

// Our host xattr, and the host prefix under which guest xattrs live (a guest
// "user.x" is host "user.lxg.user.x"): disjoint, so the guest can never
// read, forge or remove ours.
inline constexpr char kMetaXattr[] = "user.lxcore.meta";
inline constexpr char kGuestXattrPrefix[] = "user.lxg.";

struct Meta {
  uint32_t uid = 0, gid = 0;
  uint32_t mode = 0;  // S_IFMT type | set-id/sticky | permissions
  uint64_t rdev = 0;  // Linux dev_t encoding (character/block devices)
};

inline constexpr uint8_t kMetaVersion = 1;
inline constexpr size_t kMetaSize = 24;
std::array<uint8_t, kMetaSize> encode_meta(const Meta& m);
// nullopt for a value of the wrong size or version (treated as absent).
std::optional<Meta> decode_meta(std::span<const uint8_t> v);

// Whether metadata of type `meta_type` may describe a host file of type
// `host_type`: directories are host directories, every other guest type is
// a host regular file; host symlinks carry no metadata. Anything else
// (say, metadata left by an older layout) is ignored for the host's own.
bool meta_fits_host(unsigned meta_type, unsigned host_type);

// The guest's view of a host file without metadata: the provider's host
// user and group appear as root, everything else as the host has it.
Meta host_meta(const abi::Stat& st, uint32_t host_uid, uint32_t host_gid);

// Reading and writing our xattr on an fd (O_PATH fds allowed). ENODATA,
// ENOTSUP and EPERM (a host symlink) read as "no metadata".
// path_fd: fd is (or may be) O_PATH, go through /proc at once.
Result<std::optional<Meta>> read_meta(int fd, bool path_fd = false);
// The same for entry `name` (one component) of directory dirfd, not followed.
Result<std::optional<Meta>> read_meta_at(int dirfd, const char* name);
Result<void> write_meta(int fd, const Meta& m, bool path_fd = false);
inline bool operator==(const Meta& a, const Meta& b) {
  return a.uid == b.uid && a.gid == b.gid && a.mode == b.mode && a.rdev == b.rdev;
}

// Host xattr calls on an fd that may be O_PATH (then through its /proc link:
// the host refuses f*xattr and AT_EMPTY_PATH on O_PATH fds).
Result<uint64_t> fd_getxattr(int fd, const char* name, std::span<uint8_t> value);
Result<void> fd_setxattr(int fd, const char* name, std::span<const uint8_t> value, int flags);
Result<uint64_t> fd_listxattr(int fd, std::span<uint8_t> list);
Result<void> fd_removexattr(int fd, const char* name);

}  // namespace lx::lxfs
