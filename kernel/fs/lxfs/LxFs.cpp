#include "kernel/fs/lxfs/LxFs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernel/fs/lxfs/LxInode.h"
#include "kernel/vfs/HostFs.h"

namespace lx {

namespace {

// Removes everything below directory fd `dir` (orphans of a crash). Depth is
// bounded by what a crash can leave: entries are files or single new directories.
void empty_directory(int dir, int depth) {
  const int f = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (f < 0) return;
  DIR* d = ::fdopendir(f);
  if (!d) {
    ::close(f);
    return;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  for (const std::string& n : names) {
    if (::unlinkat(dir, n.c_str(), 0) == 0 || errno != EISDIR || depth > 8) continue;
    const int sub = ::openat(dir, n.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) continue;
    empty_directory(sub, depth + 1);
    ::close(sub);
    (void)::unlinkat(dir, n.c_str(), AT_REMOVEDIR);
  }
  ::closedir(d);
}

// The provider's umask from /proc/self/status (umask(2) cannot read it
// without changing it under other threads); 0777 if the host does not say.
unsigned host_umask() {
  const int f = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (f < 0) return 0777;
  char buf[4096];
  const ssize_t n = ::read(f, buf, sizeof buf - 1);
  ::close(f);
  if (n <= 0) return 0777;
  buf[n] = '\0';
  const char* p = std::strstr(buf, "\nUmask:");
  if (!p) return 0777;
  return static_cast<unsigned>(std::strtoul(p + 7, nullptr, 8)) & 0777;
}

}  // namespace

Result<InodeRef> make_lxfs_root(const std::string& host_dir) {
  auto sb = std::make_shared<lxfs::Super>();
  const int root = ::open(host_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return err(errno);
  sb->root_fd = HostFd(root);
  if (::mkdirat(root, lxfs::kStagingName, 0700) < 0 && errno != EEXIST) return err(errno);
  const int staging = ::openat(root, lxfs::kStagingName, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (staging < 0) return err(errno);
  sb->staging_fd = HostFd(staging);
  empty_directory(staging, 0);
  sb->host_uid = static_cast<uint32_t>(::geteuid());
  sb->host_gid = static_cast<uint32_t>(::getegid());
  sb->host_umask = host_umask();
  sb->pid = ::getpid();
  // The root inode keeps an open (not O_PATH) fd: every walk starts by
  // reading its metadata, which f*xattr does directly on such an fd.
  const int dup = ::openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup < 0) return err(errno);
  InodeRef host = TRY(make_hostfs_inode(dup));
  const abi::Stat host_st = TRY(host->stat());
  std::shared_ptr<lxfs::LxInode> r = TRY(lxfs::LxInode::wrap(std::move(sb), std::move(host), /*is_root=*/true));
  r->set_owns_cache();
  r->set_root_host(host_st);
  return InodeRef(std::move(r));
}

}  // namespace lx
