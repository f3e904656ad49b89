// Guest users of a distro, from the distro's own /etc/passwd and
// /etc/group (host files inside its lxfs root; never the host's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lx::lxss {

struct GuestUser {
  std::string name;
  uint32_t uid = 0, gid = 0;
  std::string home = "/";
  std::string shell = "/bin/sh";
  std::vector<uint32_t> groups;  // supplementary: the primary gid, then /etc/group memberships (initgroups)
};

// `who` is a user name or a numeric uid. nullopt: no such user (a numeric
// uid without an entry is returned with home "/" and gid = uid).
std::optional<GuestUser> find_guest_user(const std::string& rootfs, const std::string& who);

}  // namespace lx::lxss
