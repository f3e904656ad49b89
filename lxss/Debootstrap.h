// `lx --install NAME --from-debootstrap SUITE`: a Debian minbase root made
// on the host by mmdebstrap (no chroot of ours, no mounts needed by the
// provider), kept as a tarball in a cache so that later installs of the same
// suite are offline and fast.
#pragma once

#include <string>

#include "lxss/Registry.h"

namespace lx::lxss {

// $LX_CACHE, else /var/cache/lxcore for root, else $XDG_CACHE_HOME/lx
// (~/.cache/lx).
std::string cache_dir();

// Debian suite names: 1-32 lowercase letters, digits and '-'.
bool valid_suite_name(const std::string& suite);

// Sets `tarball` to CACHE/SUITE-minbase.tar.zst, building it first with
// `mmdebstrap --variant=minbase SUITE` when it is not there yet (mirror:
// $LX_DEBIAN_MIRROR, else mmdebstrap's default). The tarball is written
// under a temporary name and renamed into place only when mmdebstrap
// succeeded, so a failed or killed build never leaves a cache entry.
Error debootstrap_tarball(const std::string& suite, bool quiet, std::string& tarball);

}  // namespace lx::lxss
