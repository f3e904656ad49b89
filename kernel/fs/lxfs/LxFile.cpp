// An open lxfs file: I/O is the host file's (wrapped unchanged), metadata
// is the inode's (our xattr), and a directory's listing hides the staging
// directory and reports the guest types of link files, devices, FIFOs and
// sockets (regular files on the host).
#include <fcntl.h>

#include <cstring>

#include "kernel/fs/lxfs/LxInode.h"
#include "kernel/vfs/Permission.h"

namespace lx::lxfs {

namespace {

// linux_dirent64's fixed part: d_ino (8), d_off (8), d_reclen (2), d_type (1), then the name.
constexpr size_t kDirentOffOff = 8, kDirentReclenOff = 16, kDirentTypeOff = 18, kDirentNameOff = 19;
constexpr uint8_t kDtReg = 8;

uint8_t dt_of(unsigned type) { return static_cast<uint8_t>((type >> 12) & 017); }

class LxFile final : public OpenFile {
 public:
  LxFile(std::shared_ptr<LxInode> inode, OpenFileRef host) : inode_(std::move(inode)), host_(std::move(host)) {
    set_status_flags(host_->status_flags());
  }

  Result<uint64_t> read(std::span<uint8_t> buf) override { return host_->read(buf); }
  Result<uint64_t> write(std::span<const uint8_t> buf) override { return host_->write(buf); }
  Result<uint64_t> pread(std::span<uint8_t> buf, int64_t off) override { return host_->pread(buf, off); }
  Result<uint64_t> pwrite(std::span<const uint8_t> buf, int64_t off) override { return host_->pwrite(buf, off); }
  Result<int64_t> seek(int64_t off, int whence) override { return host_->seek(off, whence); }
  Result<abi::Stat> stat() override { return inode_->guest_stat(); }
  Result<uint64_t> getdents64(std::span<uint8_t> buf) override;
  Result<long> ioctl(Task& task, unsigned cmd, uint64_t arg) override { return host_->ioctl(task, cmd, arg); }
  bool is_directory() const override { return host_->is_directory(); }
  bool is_regular() const override { return host_->is_regular(); }
  bool positional() const override { return host_->positional(); }
  Result<void> update_status_flags(int flags) override {
    host_->set_status_flags(status_flags());
    TRY(host_->update_status_flags(flags));
    set_status_flags(host_->status_flags());
    return {};
  }

  Result<void> chmod(unsigned mode) override {
    const abi::Stat st = meta_stat(TRY(inode_->meta()));
    SetAttr a;
    a.mode = TRY(check_chmod(st, mode, caller_credentials()));
    return inode_->setattr_from(&st, a);
  }
  Result<void> chown(uint32_t uid, uint32_t gid) override {
    const abi::Stat st = meta_stat(TRY(inode_->meta()));
    TRY(check_chown(st, uid, gid, caller_credentials()));
    SetAttr a;
    if (uid != UINT32_MAX) a.uid = uid;
    if (gid != UINT32_MAX) a.gid = gid;
    return inode_->setattr_from(&st, a);
  }
  Result<void> utimens(const abi::Timespec times[2]) override {
    const TimesChange tc = times_change(times);
    const SetAttr& a = tc.attr;
    const bool explicit_time = tc.explicit_time;
    if (!a.atime && !a.mtime) return {};
    const abi::Stat st = meta_stat(TRY(inode_->meta()));
    // "Now" by a non-owner needs write access: an fd open for writing has it.
    if (!(owner_or_capable(st, caller_credentials()) || (!explicit_time && writable())))
      TRY(check_utimens(st, explicit_time, caller_credentials()));
    return inode_->setattr(a);
  }
  Result<void> truncate(int64_t length) override { return host_->truncate(length); }
  Result<void> allocate(int mode, int64_t offset, int64_t len) override { return host_->allocate(mode, offset, len); }
  Result<void> sync(bool data_only) override { return host_->sync(data_only); }
  Result<abi::StatFs> statfs() override { return host_->statfs(); }
  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override {
    return inode_->getxattr(name, value);
  }
  Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) override {
    return inode_->setxattr(name, value, flags);
  }
  Result<uint64_t> listxattr(std::span<uint8_t> list) override { return inode_->listxattr(list); }
  Result<void> removexattr(const std::string& name) override { return inode_->removexattr(name); }
  Result<abi::Timespec> birth_time() override { return host_->birth_time(); }
  std::pair<uint64_t, uint64_t> file_id() override { return host_->file_id(); }
  int host_fd_for_mmap() const override { return host_->host_fd_for_mmap(); }
  unsigned poll_events() override { return host_->poll_events(); }
  WaitQueue* wait_queue() override { return host_->wait_queue(); }
  int host_poll_fd() const override { return host_->host_poll_fd(); }

 private:
  std::shared_ptr<LxInode> inode_;
  OpenFileRef host_;
};

// Host records are rewritten in place: hidden ones are cut out (the
// previous record takes over their d_off so telldir/seekdir stay right),
// regular files with our metadata get its type. A batch of hidden names
// only is not the end of the directory: read on.
Result<uint64_t> LxFile::getdents64(std::span<uint8_t> buf) {
  const bool root = inode_->is_root();
  for (;;) {
    uint64_t n = TRY(host_->getdents64(buf));
    if (n == 0) return 0;
    size_t in = 0, out = 0;
    size_t prev = SIZE_MAX;
    while (in < n) {
      uint8_t* rec = buf.data() + in;
      uint16_t reclen;
      std::memcpy(&reclen, rec + kDirentReclenOff, 2);
      if (reclen < kDirentNameOff + 1 || in + reclen > n) return err(EIO);
      const char* name = reinterpret_cast<const char*>(rec + kDirentNameOff);
      const size_t name_max = reclen - kDirentNameOff;
      const bool hidden = root && ::strncmp(name, kStagingName, name_max) == 0;
      if (hidden) {
        if (prev != SIZE_MAX) std::memcpy(buf.data() + prev + kDirentOffOff, rec + kDirentOffOff, 8);
        in += reclen;
        continue;
      }
      if (rec[kDirentTypeOff] == kDtReg && ::strnlen(name, name_max) < name_max) {
        Result<std::optional<Meta>> m = read_meta_at(inode_->fd(), name);
        if (m.ok() && m.value() && meta_fits_host(m.value()->mode & S_IFMT, S_IFREG))
          rec[kDirentTypeOff] = dt_of(m.value()->mode & S_IFMT);
      }
      if (out != in) std::memmove(buf.data() + out, rec, reclen);
      prev = out;
      out += reclen;
      in += reclen;
    }
    if (out > 0) return out;
  }
}

}  // namespace

OpenFileRef make_lx_file(std::shared_ptr<LxInode> inode, OpenFileRef host_file) {
  return std::make_shared<LxFile>(std::move(inode), std::move(host_file));
}

}  // namespace lx::lxfs
