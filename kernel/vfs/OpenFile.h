// An open file description (struct file): shared by every fd dup'ed from it,
// owns the file offset and status flags. Concrete kinds: host-backed files
// (hostfs), terminals, later pipes and sockets.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "kernel/abi/Linux.h"
#include "kernel/base/Result.h"

namespace lx {

class WaitQueue;
class FileNotify;

class Task;

class OpenFile {
 public:
  virtual ~OpenFile() = default;

  virtual Result<uint64_t> read(std::span<uint8_t> buf) { (void)buf; return err(EINVAL); }
  virtual Result<uint64_t> write(std::span<const uint8_t> buf) { (void)buf; return err(EINVAL); }
  virtual Result<uint64_t> pread(std::span<uint8_t> buf, int64_t off) { (void)buf; (void)off; return err(ESPIPE); }
  virtual Result<uint64_t> pwrite(std::span<const uint8_t> buf, int64_t off) { (void)buf; (void)off; return err(ESPIPE); }
  virtual Result<int64_t> seek(int64_t off, int whence) { (void)off; (void)whence; return err(ESPIPE); }
  virtual Result<abi::Stat> stat() = 0;
  // Fills buf with linux_dirent64 records; 0 at end of directory.
  virtual Result<uint64_t> getdents64(std::span<uint8_t> buf) { (void)buf; return err(ENOTDIR); }
  virtual Result<long> ioctl(Task& task, unsigned cmd, uint64_t arg) { (void)task; (void)cmd; (void)arg; return err(ENOTTY); }

  virtual bool is_directory() const { return false; }
  // Regular file: a long read may be split into several reads without
  // changing what the guest observes (for pipes and terminals a second read
  // could block after the first returned data).
  virtual bool is_regular() const { return false; }
  // Writes succeed without looking at the data (/dev/null, /dev/zero): the
  // guest buffer is range-checked but never read, as on Linux.
  virtual bool discards_writes() const { return false; }
  // pread/pwrite are meaningful (FMODE_PREAD); otherwise they fail ESPIPE.
  virtual bool positional() const { return false; }
  // F_SETFL / FIONBIO: the file applies the changeable flags (kSetflMask)
  // wherever they take effect (a host fd's own flags) and records them.
  virtual Result<void> update_status_flags(int flags) {
    set_status_flags(flags);
    return {};
  }
  // ---- fd-based metadata operations (fchmod, fchown, futimens, ftruncate,
  // fallocate, fsync, fstatfs, f*xattr). Defaults are what Linux gives for
  // objects that don't support them; filesystems override.
  virtual Result<void> chmod(unsigned mode) { (void)mode; return err(EPERM); }
  virtual Result<void> chown(uint32_t uid, uint32_t gid) { (void)uid; (void)gid; return err(EPERM); }
  virtual Result<void> utimens(const abi::Timespec times[2]) { (void)times; return err(EPERM); }
  virtual Result<void> truncate(int64_t length) { (void)length; return err(EINVAL); }
  virtual Result<void> allocate(int mode, int64_t offset, int64_t len) { (void)mode; (void)offset; (void)len; return err(ENODEV); }
  virtual Result<void> sync(bool data_only) { (void)data_only; return err(EINVAL); }
  virtual Result<abi::StatFs> statfs() { return err(ENOSYS); }
  virtual Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) { (void)name; (void)value; return err(ENODATA); }
  virtual Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) { (void)name; (void)value; (void)flags; return err(EOPNOTSUPP); }
  virtual Result<uint64_t> listxattr(std::span<uint8_t> list) { (void)list; return 0; }
  virtual Result<void> removexattr(const std::string& name) { (void)name; return err(ENODATA); }
  // Creation time (statx STATX_BTIME) where the filesystem records one.
  virtual Result<abi::Timespec> birth_time() { return err(ENODATA); }
  // Identity of the underlying file for locks (st_dev, st_ino); nullopt-like 0,0 if none.
  virtual std::pair<uint64_t, uint64_t> file_id() { return {0, 0}; }
  // mmap(2) of it is anonymous memory (/dev/zero: private zero pages, or
  // shared memory for MAP_SHARED), not a mapping of the file.
  virtual bool maps_as_anonymous() const { return false; }
  // A provider-side host fd mmap(2) can map for real (shared mappings); -1 if none.
  virtual int host_fd_for_mmap() const { return -1; }

  // ---- readiness, shared by blocking I/O, poll/select and epoll.
  // Current POLL* bits (POLLIN, POLLOUT, POLLHUP, POLLERR, ...). Files that
  // never block (regular files, directories) are always ready.
  virtual unsigned poll_events() { return 0x0001 | 0x0004 | 0x0040 | 0x0100; }  // IN|OUT|RDNORM|WRNORM
  // Woken (under the big lock) whenever poll_events() may have changed;
  // null for files whose readiness never changes or that use a host fd.
  virtual WaitQueue* wait_queue() { return nullptr; }
  // A provider-side host fd whose host readiness is this file's readiness
  // (host pipes and terminals passed in as stdio); -1 if none.
  virtual int host_poll_fd() const { return -1; }

  // The guest path this description was opened with (for *at() relative
  // lookups and /proc later); empty for anonymous files.
  const std::string& guest_path() const { return guest_path_; }
  void set_guest_path(std::string p) { guest_path_ = std::move(p); }

  // Change notification for this description (vfs/FsNotify.h): set by
  // Vfs::open while inotify watches exist; its end reports IN_CLOSE_*.
  FileNotify* notify() const { return notify_.get(); }
  void set_notify(std::shared_ptr<FileNotify> n) { notify_ = std::move(n); }
  // The MS_NOEXEC / MS_NOSUID of the mount it was opened on (execve and
  // mmap PROT_EXEC check them).
  bool mount_noexec() const { return mount_noexec_; }
  bool mount_nosuid() const { return mount_nosuid_; }
  void set_mount_flags(bool noexec, bool nosuid) {
    mount_noexec_ = noexec;
    mount_nosuid_ = nosuid;
  }

  // O_ACCMODE | O_APPEND | O_NONBLOCK | ... as the guest passed them.
  int status_flags() const { return status_flags_; }
  void set_status_flags(int f) { status_flags_ = f; }
  // Access mode 3 grants neither (Linux uses it for ioctl-only opens).
  bool readable() const { return !is_path() && ((status_flags_ & 3) == 0 || (status_flags_ & 3) == 2); }
  bool writable() const { return !is_path() && ((status_flags_ & 3) == 1 || (status_flags_ & 3) == 2); }
  // O_PATH descriptions only name a file: no I/O, no ioctl.
  bool is_path() const { return (status_flags_ & 010000000) != 0; }

 private:
  std::string guest_path_;
  int status_flags_ = 0;
  std::shared_ptr<FileNotify> notify_;
  bool mount_noexec_ = false, mount_nosuid_ = false;
};

using OpenFileRef = std::shared_ptr<OpenFile>;

}  // namespace lx
