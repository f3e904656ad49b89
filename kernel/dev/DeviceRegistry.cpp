#include "kernel/dev/DeviceRegistry.h"

#include "kernel/dev/DeviceId.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

void DeviceRegistry::add(uint32_t major, uint32_t first, uint32_t count, OpenFn open) {
  ranges_[{major, first}] = Range{count, std::move(open)};
}

Result<OpenFileRef> DeviceRegistry::open(const InodeRef& inode, int flags) const {
  const abi::Stat st = TRY(inode->stat());
  if ((st.st_mode & abi::kSIfmt) != abi::kSIfchr) return err(ENXIO);  // no block devices
  const uint32_t major = dev_major(st.st_rdev);
  const uint32_t minor = dev_minor(st.st_rdev);
  // The range with the greatest first minor <= minor, if it covers minor.
  auto it = ranges_.upper_bound({major, minor});
  if (it == ranges_.begin()) return err(ENXIO);
  --it;
  if (it->first.first != major || minor - it->first.second >= it->second.count) return err(ENXIO);
  return it->second.open(minor, inode, flags);
}

}  // namespace lx
