#include "kernel/fs/lxfs/LxMeta.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "kernel/vfs/HostFd.h"

namespace lx::lxfs {

namespace {

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{p[i]} << (8 * i);
  return v;
}
uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

// The *xattrat(2) family (Linux 6.13) and its argument block.
struct XattrArgs {
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};
constexpr long kSysGetxattrat = 464;
std::atomic<bool> g_no_xattrat{false};

bool use_xattrat() { return !g_no_xattrat.load(std::memory_order_relaxed); }
// ENOSYS from the first call: an older host; remember and use /proc.
bool xattrat_missing(long rc) {
  if (rc >= 0 || errno != ENOSYS) return false;
  g_no_xattrat.store(true, std::memory_order_relaxed);
  return true;
}

bool means_absent(int e) { return e == ENODATA || e == ENOTSUP || e == EPERM; }

}  // namespace

std::array<uint8_t, kMetaSize> encode_meta(const Meta& m) {
  std::array<uint8_t, kMetaSize> b{};
  b[0] = kMetaVersion;  // b[1..3]: zero (reserved)
  put32(&b[4], m.uid);
  put32(&b[8], m.gid);
  put32(&b[12], m.mode);
  put64(&b[16], m.rdev);
  return b;
}

std::optional<Meta> decode_meta(std::span<const uint8_t> v) {
  if (v.size() != kMetaSize || v[0] != kMetaVersion) return std::nullopt;
  Meta m;
  m.uid = get32(&v[4]);
  m.gid = get32(&v[8]);
  m.mode = get32(&v[12]);
  m.rdev = get64(&v[16]);
  return m;
}

bool meta_fits_host(unsigned meta_type, unsigned host_type) {
  switch (meta_type) {
    case S_IFDIR: return host_type == S_IFDIR;
    case S_IFREG: case S_IFLNK: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
      return host_type == S_IFREG;
    default: return false;
  }
}

Meta host_meta(const abi::Stat& st, uint32_t host_uid, uint32_t host_gid) {
  Meta m;
  m.uid = st.st_uid == host_uid ? 0 : st.st_uid;
  m.gid = st.st_gid == host_gid ? 0 : st.st_gid;
  m.mode = st.st_mode;
  m.rdev = st.st_rdev;
  return m;
}

// f*xattr() work on open fds; an O_PATH fd (EBADF) goes through its /proc link.
Result<uint64_t> fd_getxattr(int fd, const char* name, std::span<uint8_t> value) {
  ssize_t n = ::fgetxattr(fd, name, value.data(), value.size());
  if (n < 0 && errno == EBADF) n = ::getxattr(fd_proc_path(fd).c_str(), name, value.data(), value.size());
  if (n < 0) return err(errno);
  return static_cast<uint64_t>(n);
}

Result<void> fd_setxattr(int fd, const char* name, std::span<const uint8_t> value, int flags) {
  int rc = ::fsetxattr(fd, name, value.data(), value.size(), flags);
  if (rc < 0 && errno == EBADF) rc = ::setxattr(fd_proc_path(fd).c_str(), name, value.data(), value.size(), flags);
  return host_void(rc);
}

Result<uint64_t> fd_listxattr(int fd, std::span<uint8_t> list) {
  auto* p = reinterpret_cast<char*>(list.data());
  ssize_t n = ::flistxattr(fd, p, list.size());
  if (n < 0 && errno == EBADF) n = ::listxattr(fd_proc_path(fd).c_str(), p, list.size());
  if (n < 0) return err(errno);
  return static_cast<uint64_t>(n);
}

Result<void> fd_removexattr(int fd, const char* name) {
  int rc = ::fremovexattr(fd, name);
  if (rc < 0 && errno == EBADF) rc = ::removexattr(fd_proc_path(fd).c_str(), name);
  return host_void(rc);
}

Result<std::optional<Meta>> read_meta(int fd, bool path_fd) {
  std::array<uint8_t, kMetaSize + 1> buf{};
  Result<uint64_t> n = err(EBADF);
  if (path_fd) {
    const ssize_t r = ::getxattr(fd_proc_path(fd).c_str(), kMetaXattr, buf.data(), buf.size());
    n = r < 0 ? Result<uint64_t>(err(errno)) : Result<uint64_t>(static_cast<uint64_t>(r));
  } else {
    n = fd_getxattr(fd, kMetaXattr, buf);
  }
  if (!n.ok()) {
    if (means_absent(n.error()) || n.error() == ERANGE) return std::optional<Meta>{};
    return err(n.error());
  }
  return decode_meta(std::span<const uint8_t>(buf.data(), n.value()));
}

Result<std::optional<Meta>> read_meta_at(int dirfd, const char* name) {
  std::array<uint8_t, kMetaSize + 1> buf{};
  long n = -1;
  if (use_xattrat()) {
    XattrArgs args{reinterpret_cast<uint64_t>(buf.data()), static_cast<uint32_t>(buf.size()), 0};
    n = ::syscall(kSysGetxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW, kMetaXattr, &args, sizeof args);
    if (n < 0 && !xattrat_missing(n)) {
      if (means_absent(errno) || errno == ERANGE) return std::optional<Meta>{};
      return err(errno);
    }
  }
  if (n < 0) {
    const std::string path = fd_proc_path(dirfd) + "/" + name;
    n = ::lgetxattr(path.c_str(), kMetaXattr, buf.data(), buf.size());
    if (n < 0) {
      if (means_absent(errno) || errno == ERANGE) return std::optional<Meta>{};
      return err(errno);
    }
  }
  return decode_meta(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
}

Result<void> write_meta(int fd, const Meta& m, bool path_fd) {
  const auto b = encode_meta(m);
  // The host refuses fsetxattr on O_PATH fds (EBADF): skip that try.
  if (path_fd) return host_void(::setxattr(fd_proc_path(fd).c_str(), kMetaXattr, b.data(), b.size(), 0));
  return fd_setxattr(fd, kMetaXattr, b, 0);
}

}  // namespace lx::lxfs
