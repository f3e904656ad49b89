// mount(2)'s `data` for the filesystems a guest can mount: the option
// strings Linux's tmpfs, proc, sysfs and devpts accept, EINVAL for the rest
// (Linux's "Unknown parameter"). The generic superblock keywords (ro, rw,
// sync, ...) are accepted by every type, as vfs_parse_sb_flag() does.
#pragma once

#include <string>

#include "kernel/base/Result.h"
#include "kernel/vfs/Tmpfs.h"

namespace lx {

struct ParsedMountOptions {
  bool read_only = false;   // "ro" in the data (the superblock flag)
  TmpfsOptions tmpfs;       // tmpfs only
  std::string shown;        // the super options mountinfo shows (",size=64k,mode=755")
};

// fstype: "tmpfs", "proc", "sysfs" or "devpts". `owner` is the mounting
// caller (tmpfs's default root owner).
Result<ParsedMountOptions> parse_mount_options(const std::string& fstype, const std::string& data,
                                               const Credentials& owner);

}  // namespace lx
