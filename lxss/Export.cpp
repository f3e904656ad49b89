#include "lxss/Export.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "kernel/fs/lxfs/LxMeta.h"
#include "lxss/HostTree.h"

namespace lx::lxss {

namespace {

Error sys_error(const std::string& what, int e) { return what + ": " + std::strerror(e); }

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

class Writer {
 public:
  Writer(archive* a, Progress& bar) : a_(a), bar_(bar), entry_(archive_entry_new()) {}
  ~Writer() { archive_entry_free(entry_); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Writes the entry `name` of directory dirfd (rel: its archive path),
  // recursing into directories.
  Error walk(int dirfd, const char* name, const std::string& rel) {
    struct stat st {};
    if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("cannot stat " + rel, errno);
    // Host regular files (every guest non-directory in lxfs, FIFOs and
    // devices included) open for reading: their data and xattrs come through
    // this one fd. Only host symlinks need O_PATH.
    const int how = S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : S_ISREG(st.st_mode) ? O_RDONLY : O_PATH;
    const int fd = ::openat(dirfd, name, how | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return sys_error("cannot open " + rel, errno);
    Error err = write_one(fd, st, rel);
    if (err.empty() && S_ISDIR(st.st_mode)) err = children(fd, rel);
    ::close(fd);
    return err;
  }

 private:
  archive* a_;
  Progress& bar_;
  archive_entry* entry_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  uint64_t files_ = 0, bytes_ = 0;

  Error children(int fd, const std::string& rel) {
    const int dup = ::dup(fd);
    DIR* d = dup >= 0 ? ::fdopendir(dup) : nullptr;
    if (!d) {
      if (dup >= 0) ::close(dup);
      return sys_error("cannot list " + rel, errno);
    }
    std::vector<std::string> names;
    while (dirent* de = ::readdir(d)) {
      const std::string n = de->d_name;
      if (n == "." || n == "..") continue;
      if (rel == "." && n == ".lxcore") continue;  // lxfs's staging directory
      names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());  // reproducible archives
    for (const std::string& n : names)
      if (Error e = walk(fd, n.c_str(), std::string(rel).append("/").append(n)); !e.empty()) return e;
    return {};
  }

  lxfs::Meta meta_of(int fd, const struct stat& st) {
    auto m = lxfs::read_meta(fd);
    if (m.ok() && m.value() && lxfs::meta_fits_host(m.value()->mode & S_IFMT, st.st_mode & S_IFMT))
      return *m.value();
    abi::Stat hs{};
    hs.st_mode = st.st_mode;
    hs.st_uid = st.st_uid;
    hs.st_gid = st.st_gid;
    hs.st_rdev = st.st_rdev;
    return lxfs::host_meta(hs, static_cast<uint32_t>(::getuid()), static_cast<uint32_t>(::getgid()));
  }

  void add_xattrs(int fd) {
    std::vector<uint8_t> list(4096);
    auto n = lxfs::fd_listxattr(fd, list);
    if (!n.ok()) return;
    const size_t prefix = std::strlen(lxfs::kGuestXattrPrefix);
    for (size_t i = 0; i < n.value();) {
      const char* name = reinterpret_cast<const char*>(&list[i]);
      const size_t len = std::strlen(name);
      i += len + 1;
      if (std::strncmp(name, lxfs::kGuestXattrPrefix, prefix) != 0) continue;
      std::vector<uint8_t> value(65536);
      auto v = lxfs::fd_getxattr(fd, name, value);
      if (v.ok()) archive_entry_xattr_add_entry(entry_, name + prefix, value.data(), v.value());
    }
  }

  Error write_one(int fd, const struct stat& st, const std::string& rel) {
    archive_entry_clear(entry_);
    archive_entry_set_pathname(entry_, S_ISDIR(st.st_mode) ? (rel + "/").c_str() : rel.c_str());
    lxfs::Meta m = meta_of(fd, st);
    archive_entry_set_uid(entry_, m.uid);
    archive_entry_set_gid(entry_, m.gid);
    archive_entry_set_mode(entry_, m.mode);
    archive_entry_set_mtime(entry_, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    const unsigned type = m.mode & S_IFMT;
    std::string link_target;
    int data_fd = -1;
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      auto [it, fresh] = links_.try_emplace({st.st_dev, st.st_ino}, rel);
      if (!fresh) {
        archive_entry_set_hardlink(entry_, it->second.c_str());
        archive_entry_set_size(entry_, 0);
        return write_header(rel);
      }
    }
    if (S_ISLNK(st.st_mode) || type == S_IFLNK) {
      // A host symlink (no metadata) or an lxfs link file holding the target.
      char buf[4097];
      ssize_t n = -1;
      if (S_ISLNK(st.st_mode)) {
        n = ::readlinkat(fd, "", buf, sizeof buf - 1);
      } else {
        n = ::pread(fd, buf, sizeof buf - 1, 0);
      }
      if (n <= 0) return "cannot read the symlink " + rel;
      link_target.assign(buf, static_cast<size_t>(n));
      archive_entry_set_filetype(entry_, AE_IFLNK);
      archive_entry_set_perm(entry_, 0777);
      archive_entry_set_symlink(entry_, link_target.c_str());
    } else if (type == S_IFCHR || type == S_IFBLK) {
      archive_entry_set_rdevmajor(entry_, major(m.rdev));
      archive_entry_set_rdevminor(entry_, minor(m.rdev));
    } else if (type == S_IFREG) {
      archive_entry_set_size(entry_, st.st_size);
      data_fd = fd;
    }
    add_xattrs(fd);
    Error err = write_header(rel);
    if (err.empty() && data_fd >= 0) err = copy_data(data_fd, rel, st.st_size);
    return err;
  }

  Error write_header(const std::string& rel) {
    if (archive_write_header(a_, entry_) < ARCHIVE_WARN)
      return "cannot write " + rel + " to the archive: " + archive_error_string(a_);
    bar_.update(++files_, bytes_);
    return {};
  }

  Error copy_data(int fd, const std::string& rel, off_t size) {
    static thread_local std::vector<char> buf(size_t{256} * 1024);
    off_t left = size;
    while (left > 0) {
      const ssize_t n = ::read(fd, buf.data(), std::min<size_t>(buf.size(), static_cast<size_t>(left)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error("cannot read " + rel, errno);
      if (n == 0) return rel + " shrank while it was exported";
      if (archive_write_data(a_, buf.data(), static_cast<size_t>(n)) < 0)
        return "cannot write the archive: " + std::string(archive_error_string(a_));
      left -= n;
      bytes_ += static_cast<uint64_t>(n);
    }
    bar_.update(files_, bytes_);
    return {};
  }
};

uint64_t tree_bytes(const std::string& root) {
  // Only for the progress bar's percentage: a quick du of the regular files.
  uint64_t total = 0;
  std::vector<std::string> stack{root};
  while (!stack.empty()) {
    const std::string dir = std::move(stack.back());
    stack.pop_back();
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    while (dirent* de = ::readdir(d)) {
      const std::string n = de->d_name;
      if (n == "." || n == "..") continue;
      struct stat st {};
      if (::fstatat(::dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
      if (S_ISDIR(st.st_mode)) stack.push_back(std::string(dir).append("/").append(n));
      else if (S_ISREG(st.st_mode)) total += static_cast<uint64_t>(st.st_size);
    }
    ::closedir(d);
  }
  return total;
}

}  // namespace

Error export_tar(const std::string& rootfs, const std::string& tarfile, bool progress) {
  const int root = ::open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return sys_error("cannot open " + rootfs, errno);
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (ends_with(tarfile, ".gz") || ends_with(tarfile, ".tgz")) archive_write_add_filter_gzip(a);
  else if (ends_with(tarfile, ".xz")) archive_write_add_filter_xz(a);
  else if (ends_with(tarfile, ".zst")) archive_write_add_filter_zstd(a);
  else if (ends_with(tarfile, ".bz2")) archive_write_add_filter_bzip2(a);
  archive_write_set_bytes_in_last_block(a, 1);
  const bool to_stdout = tarfile == "-";
  const std::string tmp = tarfile + ".partial";
  int rc = to_stdout ? archive_write_open_fd(a, STDOUT_FILENO) : archive_write_open_filename(a, tmp.c_str());
  Error err;
  if (rc != ARCHIVE_OK) {
    err = "cannot write " + tarfile + ": " + archive_error_string(a);
  } else {
    const bool show = progress && !to_stdout;
    Progress bar("exporting", show, show ? static_cast<int64_t>(tree_bytes(rootfs)) : 0);
    {
      Writer w(a, bar);
      err = w.walk(root, ".", ".");
    }
    if (archive_write_close(a) != ARCHIVE_OK && err.empty())
      err = "cannot write " + tarfile + ": " + archive_error_string(a);
    if (err.empty()) bar.finish();
  }
  archive_write_free(a);
  ::close(root);
  if (!to_stdout) {
    if (err.empty() && ::rename(tmp.c_str(), tarfile.c_str()) < 0) err = sys_error("cannot create " + tarfile, errno);
    if (!err.empty()) ::unlink(tmp.c_str());
  }
  return err;
}

}  // namespace lx::lxss
