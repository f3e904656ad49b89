#include "lxss/Import.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kernel/fs/lxfs/LxMeta.h"
#include "lxss/HostTree.h"

namespace lx::lxss {

namespace {

Error sys_error(const std::string& what, int e) { return what + ": " + std::strerror(e); }

// A member path made relative to the root: "./" prefixes and repeated
// slashes dropped; absolute paths and ".." components refused (they would
// land outside the distro). "" is the root itself.
bool clean_member_path(const char* raw, std::string& out) {
  out.clear();
  if (!raw || raw[0] == '/') return false;
  std::string p = raw;
  size_t pos = 0;
  while (pos <= p.size()) {
    size_t end = p.find('/', pos);
    if (end == std::string::npos) end = p.size();
    const std::string comp = p.substr(pos, end - pos);
    if (comp == "..") return false;
    if (!comp.empty() && comp != "." && comp != ".lxcore") {
      if (!out.empty()) out += '/';
      out += comp;
    } else if (comp == ".lxcore" && out.empty()) {
      return false;  // the lxfs staging directory is never guest data
    }
    pos = end + 1;
  }
  return true;
}

struct Extractor {
  std::string root;  // staging directory (host)
  struct DirTime {
    std::string path;
    timespec mtime;
  };
  std::vector<DirTime> dir_times;

  std::string host(const std::string& rel) const { return rel.empty() ? root : root + "/" + rel; }

  // Missing parents appear as plain host directories (root's, 0755).
  Error make_parents(const std::string& rel) {
    for (size_t i = rel.find('/'); i != std::string::npos; i = rel.find('/', i + 1)) {
      const std::string p = host(rel.substr(0, i));
      if (::mkdir(p.c_str(), 0755) < 0 && errno != EEXIST) return sys_error("cannot create " + p, errno);
    }
    return {};
  }

  static Error set_meta(int fd, const lxfs::Meta& m, const std::string& what) {
    auto r = lxfs::write_meta(fd, m);
    if (!r.ok()) {
      if (r.error() == ENOTSUP) return what + ": the host filesystem has no user xattrs (lxfs needs them)";
      return sys_error("cannot set metadata of " + what, r.error());
    }
    return {};
  }

  static void copy_xattrs(int fd, archive_entry* e) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      const std::string n = name ? name : "";
      if (n.rfind("user.", 0) != 0 && n.rfind("trusted.", 0) != 0 && n.rfind("security.", 0) != 0) continue;
      const std::string host_name = std::string(lxfs::kGuestXattrPrefix) + n;
      // Names too long for the host are dropped, as a filesystem without
      // room for them would.
      (void)::fsetxattr(fd, host_name.c_str(), value, size, 0);
    }
  }

  Error entry(archive* a, archive_entry* e, const std::string& rel) {
    const std::string path = host(rel);
    if (Error err = make_parents(rel); !err.empty()) return err;
    const mode_t type = archive_entry_filetype(e);
    lxfs::Meta m;
    m.uid = static_cast<uint32_t>(archive_entry_uid(e));
    m.gid = static_cast<uint32_t>(archive_entry_gid(e));
    m.mode = type | (archive_entry_perm(e) & 07777);
    const timespec mtime{archive_entry_mtime(e), archive_entry_mtime_nsec(e)};

    if (const char* target = archive_entry_hardlink(e)) {
      std::string trel;
      if (!clean_member_path(target, trel) || trel.empty())
        return std::string("unsafe hard link target in the archive: ") + target;
      (void)::unlink(path.c_str());
      if (::link(host(trel).c_str(), path.c_str()) < 0)
        return sys_error("cannot link " + rel + " to " + trel, errno);
      return {};
    }
    if (type == AE_IFDIR) {
      if (::mkdir(path.c_str(), 0755) < 0 && errno != EEXIST) return sys_error("cannot create " + rel, errno);
      const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return sys_error("cannot open " + rel, errno);
      // The host directory stays writable for us; the guest sees m.mode.
      (void)::fchmod(fd, 0700 | (m.mode & 0755));
      Error err = set_meta(fd, m, rel);
      copy_xattrs(fd, e);
      ::close(fd);
      dir_times.push_back({path, mtime});
      return err;
    }
    // Every other type is a host regular file (lxfs's "everything but
    // directories"): a replaced member is unlinked first.
    if (::unlink(path.c_str()) < 0 && errno != ENOENT && errno != EISDIR)
      return sys_error("cannot replace " + rel, errno);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                          0600 | (m.mode & 0755));
    if (fd < 0) return sys_error("cannot create " + rel, errno);
    Error err;
    if (type == AE_IFREG) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int rc = ARCHIVE_OK;
      while ((rc = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
        const char* p = static_cast<const char*>(buf);
        while (size > 0) {
          const ssize_t n = ::pwrite(fd, p, size, offset);
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) {
            const int saved = errno;
            ::close(fd);
            return sys_error("cannot write " + rel, saved);
          }
          p += n;
          size -= static_cast<size_t>(n);
          offset += n;
        }
      }
      if (rc != ARCHIVE_EOF) {
        ::close(fd);
        return std::string("corrupt or truncated archive: ") + archive_error_string(a);
      }
      // Sparse members end in a hole: the size is the entry's.
      if (::ftruncate(fd, archive_entry_size(e)) < 0) err = sys_error("cannot write " + rel, errno);
    } else if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(e);
      const size_t len = target ? std::strlen(target) : 0;
      if (len == 0) err = "symlink " + rel + " in the archive has no target";
      else if (::write(fd, target, len) != static_cast<ssize_t>(len)) err = sys_error("cannot write " + rel, errno);
      m.mode = S_IFLNK | 0777;
    } else if (type == AE_IFCHR || type == AE_IFBLK) {
      m.rdev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
    } else if (type != AE_IFIFO && type != AE_IFSOCK) {
      err = "unsupported member type of " + rel;
    }
    if (err.empty()) err = set_meta(fd, m, rel);
    if (err.empty()) {
      copy_xattrs(fd, e);
      const timespec times[2] = {mtime, mtime};
      (void)::futimens(fd, times);
    }
    ::close(fd);
    return err;
  }

  void finish_dir_times() {
    // Children changed the directories' times: set them last, deepest first.
    for (auto it = dir_times.rbegin(); it != dir_times.rend(); ++it) {
      const timespec times[2] = {it->mtime, it->mtime};
      (void)::utimensat(AT_FDCWD, it->path.c_str(), times, AT_SYMLINK_NOFOLLOW);
    }
  }
};

constexpr size_t kBlock = size_t{64} * 1024;

Error extract(const std::string& tarfile, Extractor& x, bool progress) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  int64_t total = 0;
  struct stat st {};
  int rc = ARCHIVE_OK;
  if (tarfile == "-") {
    rc = archive_read_open_fd(a, STDIN_FILENO, kBlock);
  } else {
    if (::stat(tarfile.c_str(), &st) == 0 && S_ISREG(st.st_mode)) total = st.st_size;
    rc = archive_read_open_filename(a, tarfile.c_str(), kBlock);
  }
  if (rc != ARCHIVE_OK) {
    const int e_no = archive_errno(a);
    // Host errors name the file; anything else is libarchive's verdict on the data.
    const bool host_error = e_no == ENOENT || e_no == EACCES || e_no == EPERM || e_no == EISDIR || e_no == EIO;
    Error e = host_error ? "cannot read " + tarfile + ": " + archive_error_string(a)
                         : tarfile + " is not a tar archive (or is corrupt): " + archive_error_string(a);
    archive_read_free(a);
    return e;
  }
  Progress bar("importing", progress, total);
  Error err;
  uint64_t files = 0;
  archive_entry* e = nullptr;
  std::string rel;
  while (err.empty()) {
    rc = archive_read_next_header(a, &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      err = std::string("corrupt or truncated archive: ") + archive_error_string(a);
      break;
    }
    if (!clean_member_path(archive_entry_pathname(e), rel)) {
      err = std::string("unsafe member path in the archive (absolute or with ..): ") + archive_entry_pathname(e);
      break;
    }
    err = x.entry(a, e, rel);
    bar.update(++files, static_cast<uint64_t>(archive_filter_bytes(a, -1)));
  }
  if (err.empty() && files == 0) err = "the archive " + tarfile + " has no members";
  if (err.empty()) bar.finish();
  archive_read_free(a);
  return err;
}

}  // namespace

Error import_tar(const std::string& tarfile, const std::string& rootfs, bool progress) {
  struct stat st {};
  if (::lstat(rootfs.c_str(), &st) == 0) return rootfs + " already exists";
  const size_t slash = rootfs.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : rootfs.substr(0, slash);
  if (Error e = make_dirs(parent); !e.empty()) return e;
  const std::string staging = rootfs + ".partial";
  // Left by an import that was killed: never registered, never visible.
  if (Error e = remove_tree(staging); !e.empty()) return e;
  if (::mkdir(staging.c_str(), 0755) < 0) return sys_error("cannot create " + staging, errno);
  Extractor x;
  x.root = staging;
  Error err = extract(tarfile, x, progress);
  if (err.empty()) {
    x.finish_dir_times();
    if (::rename(staging.c_str(), rootfs.c_str()) < 0) err = sys_error("cannot create " + rootfs, errno);
  }
  if (!err.empty()) (void)remove_tree(staging);
  return err;
}

}  // namespace lx::lxss
