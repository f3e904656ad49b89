#include "kernel/vfs/MountOptions.h"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <string_view>
#include <vector>

namespace lx {

namespace {

std::vector<std::string> split_options(const std::string& data) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= data.size()) {
    size_t comma = data.find(',', pos);
    if (comma == std::string::npos) comma = data.size();
    if (comma > pos) out.push_back(data.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

// Digits in `base` (8, 10 or 0 for C's prefixes), the whole string, no overflow.
Result<uint64_t> parse_number(std::string_view s, int base, size_t* used = nullptr) {
  size_t i = 0;
  if (base == 0) {
    base = 10;
    if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      base = 16;
      i = 2;
    } else if (s.size() > 1 && s[0] == '0') {
      base = 8;
    }
  }
  const size_t start = i;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0 || d >= base) break;
    if (__builtin_mul_overflow(v, static_cast<uint64_t>(base), &v) ||
        __builtin_add_overflow(v, static_cast<uint64_t>(d), &v))
      return err(EINVAL);
  }
  if (i == start) return err(EINVAL);
  if (used) *used = i;
  else if (i != s.size()) return err(EINVAL);
  return v;
}

// memparse(): a number with an optional k/m/g/t/p/e suffix.
Result<uint64_t> parse_size(std::string_view s) {
  size_t used = 0;
  uint64_t v = TRY(parse_number(s, 0, &used));
  if (used == s.size()) return v;
  if (used + 1 != s.size()) return err(EINVAL);
  int shift = 0;
  switch (s[used]) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    case 'p': case 'P': shift = 50; break;
    case 'e': case 'E': shift = 60; break;
    default: return err(EINVAL);
  }
  if (v > (UINT64_MAX >> shift)) return err(EINVAL);
  return v << shift;
}

// The keywords every filesystem takes (vfs_parse_sb_flag()).
bool sb_flag(const std::string& key, ParsedMountOptions& out) {
  if (key == "ro") {
    out.read_only = true;
    return true;
  }
  if (key == "rw") {
    out.read_only = false;
    return true;
  }
  for (const char* k : {"sync", "async", "dirsync", "lazytime", "nolazytime", "mand", "nomand", "silent"})
    if (key == k) return true;
  return false;
}

Result<void> tmpfs_option(const std::string& key, const std::string& value, bool has_value, ParsedMountOptions& out) {
  TmpfsOptions& t = out.tmpfs;
  if (key == "size") {
    if (!has_value) return err(EINVAL);
    if (!value.empty() && value.back() == '%') {
      const uint64_t pct = TRY(parse_number(std::string_view(value).substr(0, value.size() - 1), 10));
      const long pages = sysconf(_SC_PHYS_PAGES);
      const uint64_t ram = pages > 0 ? static_cast<uint64_t>(pages) * 4096 : 0;
      if (pct > 1000000) return err(EINVAL);
      t.size_bytes = ram / 100 * pct;
    } else {
      t.size_bytes = TRY(parse_size(value));
    }
    return {};
  }
  if (key == "nr_blocks") {
    if (!has_value) return err(EINVAL);
    const uint64_t blocks = TRY(parse_size(value));
    if (blocks > (UINT64_MAX >> 12)) return err(EINVAL);
    t.size_bytes = blocks << 12;
    return {};
  }
  if (key == "nr_inodes") {
    if (!has_value) return err(EINVAL);
    t.max_inodes = TRY(parse_size(value));
    return {};
  }
  if (key == "mode") {
    if (!has_value) return err(EINVAL);
    t.root_mode = static_cast<unsigned>(TRY(parse_number(value, 8))) & 07777;
    return {};
  }
  if (key == "uid" || key == "gid") {
    if (!has_value) return err(EINVAL);
    const uint64_t id = TRY(parse_number(value, 0));
    if (id >= UINT32_MAX) return err(EINVAL);  // (uid_t)-1 is not a valid id
    (key == "uid" ? t.owner.uid : t.owner.gid) = static_cast<uint32_t>(id);
    return {};
  }
  // Accepted, without effect here: memory policy, huge pages, inode width.
  if (key == "huge" || key == "mpol") return has_value ? Result<void>{} : err(EINVAL);
  if (key == "inode32" || key == "inode64" || key == "noswap") return has_value ? err(EINVAL) : Result<void>{};
  return err(EINVAL);
}

Result<void> proc_option(const std::string& key, const std::string& value, bool has_value) {
  if (!has_value) return err(EINVAL);
  if (key == "gid") return parse_number(value, 0).ok() ? Result<void>{} : err(EINVAL);
  if (key == "hidepid") {
    for (const char* v : {"0", "1", "2", "4", "off", "noaccess", "invisible", "ptraceable"})
      if (value == v) return {};
    return err(EINVAL);
  }
  if (key == "subset") return value == "pid" ? Result<void>{} : err(EINVAL);
  return err(EINVAL);
}

Result<void> devpts_option(const std::string& key, const std::string& value, bool has_value) {
  if (key == "newinstance") return {};
  if (!has_value) return err(EINVAL);
  if (key == "uid" || key == "gid" || key == "max") return parse_number(value, 10).ok() ? Result<void>{} : err(EINVAL);
  if (key == "mode" || key == "ptmxmode") return parse_number(value, 8).ok() ? Result<void>{} : err(EINVAL);
  return err(EINVAL);
}

}  // namespace

Result<ParsedMountOptions> parse_mount_options(const std::string& fstype, const std::string& data,
                                               const Credentials& owner) {
  ParsedMountOptions out;
  out.tmpfs.owner = owner;
  for (const std::string& opt : split_options(data)) {
    const size_t eq = opt.find('=');
    const bool has_value = eq != std::string::npos;
    const std::string key = opt.substr(0, eq);
    const std::string value = has_value ? opt.substr(eq + 1) : std::string();
    if (!has_value && sb_flag(key, out)) continue;
    if (key == "source") continue;  // vfs_parse_fs_param_source(): the device name
    if (fstype == "tmpfs") TRY(tmpfs_option(key, value, has_value, out));
    else if (fstype == "proc") TRY(proc_option(key, value, has_value));
    else if (fstype == "devpts") TRY(devpts_option(key, value, has_value));
    else return err(EINVAL);  // sysfs takes no options
  }
  if (fstype == "tmpfs") {
    // shmem_show_options(): what differs from the defaults.
    const TmpfsOptions& t = out.tmpfs;
    char buf[64];
    if (t.size_bytes) {
      std::snprintf(buf, sizeof buf, ",size=%" PRIu64 "k", (t.size_bytes + 4095) / 4096 * 4);
      out.shown += buf;
    }
    if (t.max_inodes) {
      std::snprintf(buf, sizeof buf, ",nr_inodes=%" PRIu64, t.max_inodes);
      out.shown += buf;
    }
    if (t.root_mode != 01777) {
      std::snprintf(buf, sizeof buf, ",mode=%03o", t.root_mode);
      out.shown += buf;
    }
    if (t.owner.uid != 0) out.shown += ",uid=" + std::to_string(t.owner.uid);
    if (t.owner.gid != 0) out.shown += ",gid=" + std::to_string(t.owner.gid);
  }
  return out;
}

}  // namespace lx
