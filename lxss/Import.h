// Importing a tarball as a distro root: the archive is written straight
// into the lxfs on-disk format (kernel/fs/lxfs/README.md), so guest owners,
// modes, set-id bits, devices, FIFOs, symlinks, hard links and user/trusted/
// security xattrs survive without needing host privileges.
#pragma once

#include <string>

#include "lxss/Registry.h"

namespace lx::lxss {

// Extracts TARFILE ("-": stdin; any compression libarchive knows) into
// `rootfs`, which must not exist. The tree is built in a staging directory
// next to it and renamed into place only when the whole archive was read:
// a corrupt or truncated archive, an unsafe member path (absolute, `..`)
// or a host error leaves no rootfs behind.
Error import_tar(const std::string& tarfile, const std::string& rootfs, bool progress);

}  // namespace lx::lxss
