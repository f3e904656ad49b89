// The character devices of an instance: (major, minor) -> how to open it.
// Opening an S_IFCHR inode on any filesystem (tmpfs, hostfs, lxfs, devpts)
// comes here, keyed by the inode's stat() st_rdev, so a filesystem only
// has to report the type and number: the Vfs intercepts the open before the
// filesystem's own open(), as it does for FIFOs. Unknown numbers and every
// block device are ENXIO, as on a Linux without that driver.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "kernel/base/Result.h"
#include "kernel/vfs/Inode.h"

namespace lx {

class DeviceRegistry {
 public:
  // Opens minor `minor` of the driver; `inode` is the node opened (fstat of
  // the new file reports it), flags the guest's open flags.
  using OpenFn = std::function<Result<OpenFileRef>(uint32_t minor, const InodeRef& inode, int flags)>;

  // Minors [first, first + count) of `major` go to `open`.
  void add(uint32_t major, uint32_t first, uint32_t count, OpenFn open);

  // The open file for the device node `inode` (S_IFCHR or S_IFBLK).
  Result<OpenFileRef> open(const InodeRef& inode, int flags) const;

 private:
  struct Range {
    uint32_t count;
    OpenFn open;
  };
  // keyed by (major, first minor)
  std::map<std::pair<uint32_t, uint32_t>, Range> ranges_;
};

}  // namespace lx
