// lxfs: the guest's extended attributes. A guest name "ns.rest" is stored
// as host "user.lxg.ns.rest" (user., trusted. and security. namespaces), so
// guest xattrs never meet ours (user.lxcore.*) or the host's own; listxattr
// shows only the guest's. The checks are Linux's xattr_permission() and
// the capability rules for trusted.* and security.*.
#include <cstring>
#include <vector>

#include "kernel/fs/lxfs/LxInode.h"
#include "kernel/vfs/Permission.h"

namespace lx::lxfs {

namespace {

bool has_prefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

constexpr std::string_view kUser = "user.", kTrusted = "trusted.", kSecurity = "security.";

// The host name for a guest xattr, after the permission checks.
Result<std::string> host_name(LxInode& inode, const std::string& name, bool write) {
  const Credentials cred = caller_credentials();
  if (has_prefix(name, kTrusted)) {
    if (!cred.capable(Credentials::kCapSysAdmin)) return err(write ? EPERM : ENODATA);
  } else if (has_prefix(name, kUser)) {
    // Only regular files and directories have user xattrs (sticky
    // directories: their owner's).
    const unsigned t = inode.type();
    if (t != S_IFREG && t != S_IFDIR) return err(write ? EPERM : ENODATA);
    const abi::Stat st = TRY(inode.guest_stat());
    if (write && t == S_IFDIR && (st.st_mode & 01000) && !owner_or_capable(st, cred)) return err(EPERM);
    TRY(generic_permission(st, write ? kMayWrite : kMayRead, cred));
  } else if (has_prefix(name, kSecurity)) {
    if (write && !cred.capable(Credentials::kCapSysAdmin)) return err(EPERM);
  } else {
    return err(EOPNOTSUPP);
  }
  if (name.size() > 255) return err(ERANGE);
  return std::string(kGuestXattrPrefix) + name;
}

}  // namespace

Result<uint64_t> LxInode::getxattr(const std::string& name, std::span<uint8_t> value) {
  const std::string h = TRY(host_name(*this, name, false));
  Result<uint64_t> n = fd_getxattr(fd(), h.c_str(), value);
  // A host symlink cannot hold user xattrs: it has none.
  if (!n.ok() && n.error() == EPERM) return err(ENODATA);
  return n;
}

Result<void> LxInode::setxattr(const std::string& name, std::span<const uint8_t> value, int flags) {
  const std::string h = TRY(host_name(*this, name, true));
  return fd_setxattr(fd(), h.c_str(), value, flags);
}

Result<void> LxInode::removexattr(const std::string& name) {
  const std::string h = TRY(host_name(*this, name, true));
  return fd_removexattr(fd(), h.c_str());
}

Result<uint64_t> LxInode::listxattr(std::span<uint8_t> list) {
  std::vector<uint8_t> host;
  for (;;) {
    const uint64_t need = TRY(fd_listxattr(fd(), {}));
    host.resize(need);
    Result<uint64_t> n = fd_listxattr(fd(), host);
    if (n.ok()) {
      host.resize(n.value());
      break;
    }
    if (n.error() != ERANGE) return err(n.error());  // ERANGE: it grew meanwhile
  }
  const bool sysadmin = caller_credentials().capable(Credentials::kCapSysAdmin);
  const std::string_view prefix = kGuestXattrPrefix;
  std::vector<uint8_t> out;
  size_t pos = 0;
  while (pos < host.size()) {
    const char* s = reinterpret_cast<const char*>(host.data() + pos);
    const size_t len = ::strnlen(s, host.size() - pos);
    const std::string_view entry(s, len);
    pos += len + 1;
    if (!has_prefix(entry, prefix)) continue;
    const std::string_view guest = entry.substr(prefix.size());
    if (has_prefix(guest, kTrusted) && !sysadmin) continue;
    out.insert(out.end(), guest.begin(), guest.end());
    out.push_back(0);
  }
  if (list.empty()) return out.size();
  if (out.size() > list.size()) return err(ERANGE);
  std::memcpy(list.data(), out.data(), out.size());
  return out.size();
}

}  // namespace lx::lxfs
