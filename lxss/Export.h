// Exporting a distro root as a tarball of the guest's view: guest owners,
// modes, set-id bits, devices, FIFOs, symlinks (from lxfs link files), hard
// links and guest xattrs, in pax format that GNU tar reads.
#pragma once

#include <string>

#include "lxss/Registry.h"

namespace lx::lxss {

// Writes the tree under `rootfs` (an lxfs root) to TARFILE ("-": stdout).
// Compression follows TARFILE's suffix (.gz, .xz, .zst, .bz2). A failed
// export removes the partial TARFILE.
Error export_tar(const std::string& rootfs, const std::string& tarfile, bool progress);

}  // namespace lx::lxss
