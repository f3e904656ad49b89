#include "lxss/Passwd.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace lx::lxss {

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> f;
  std::string cur;
  std::istringstream in(line);
  while (std::getline(in, cur, sep)) f.push_back(cur);
  if (!line.empty() && line.back() == sep) f.emplace_back();
  return f;
}

std::optional<uint32_t> parse_id(const std::string& s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  const unsigned long v = std::strtoul(s.c_str(), nullptr, 10);
  if (v > 0xfffffffeUL) return std::nullopt;
  return static_cast<uint32_t>(v);
}

void add_groups(const std::string& rootfs, GuestUser& u) {
  std::ifstream in(rootfs + "/etc/group");
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, ':');
    if (f.size() < 4) continue;
    auto gid = parse_id(f[2]);
    if (!gid || *gid == u.gid) continue;  // already first, as initgroups(3) puts it
    for (const std::string& member : split(f[3], ','))
      if (member == u.name) u.groups.push_back(*gid);
  }
}

}  // namespace

std::optional<GuestUser> find_guest_user(const std::string& rootfs, const std::string& who) {
  const auto numeric = parse_id(who);
  std::ifstream in(rootfs + "/etc/passwd");
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, ':');
    if (f.size() < 7) continue;
    auto uid = parse_id(f[2]);
    auto gid = parse_id(f[3]);
    if (!uid || !gid) continue;
    if (f[0] != who && !(numeric && *numeric == *uid)) continue;
    GuestUser u{f[0], *uid, *gid, f[5].empty() ? "/" : f[5], f[6].empty() ? "/bin/sh" : f[6], {*gid}};
    add_groups(rootfs, u);
    return u;
  }
  if (numeric) return GuestUser{who, *numeric, *numeric, "/", "/bin/sh", {}};
  return std::nullopt;
}

}  // namespace lx::lxss
