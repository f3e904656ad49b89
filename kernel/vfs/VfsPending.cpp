// Placeholders for the Vfs operations that the VFS-core work implements;
// this file is deleted when they land.
#include "kernel/vfs/Vfs.h"

namespace lx {

Result<void> Vfs::mkdir(const std::string&, const std::string&, unsigned) { return err(EROFS); }
Result<void> Vfs::mknod(const std::string&, const std::string&, unsigned, uint64_t) { return err(EROFS); }
Result<void> Vfs::unlink(const std::string&, const std::string&) { return err(EROFS); }
Result<void> Vfs::rmdir(const std::string&, const std::string&) { return err(EROFS); }
Result<void> Vfs::rename(const std::string&, const std::string&, const std::string&, const std::string&, unsigned) {
  return err(EROFS);
}
Result<void> Vfs::link(const std::string&, const std::string&, const std::string&, const std::string&, bool) {
  return err(EROFS);
}
Result<void> Vfs::symlink(const std::string&, const std::string&, const std::string&) { return err(EROFS); }
Result<void> Vfs::chmod(const std::string&, const std::string&, unsigned, bool) { return err(EROFS); }
Result<void> Vfs::chown(const std::string&, const std::string&, uint32_t, uint32_t, bool) { return err(EROFS); }
Result<void> Vfs::utimens(const std::string&, const std::string&, const abi::Timespec[2], bool) { return err(EROFS); }
Result<void> Vfs::truncate(const std::string&, const std::string&, int64_t) { return err(EROFS); }
Result<abi::StatFs> Vfs::statfs(const std::string&, const std::string&) { return err(ENOSYS); }
Result<uint64_t> Vfs::getxattr(const std::string&, const std::string&, const std::string&, std::span<uint8_t>, bool) {
  return err(ENODATA);
}
Result<void> Vfs::setxattr(const std::string&, const std::string&, const std::string&, std::span<const uint8_t>, int,
                           bool) {
  return err(EROFS);
}
Result<uint64_t> Vfs::listxattr(const std::string&, const std::string&, std::span<uint8_t>, bool) { return 0; }
Result<void> Vfs::removexattr(const std::string&, const std::string&, const std::string&, bool) { return err(EROFS); }

}  // namespace lx
