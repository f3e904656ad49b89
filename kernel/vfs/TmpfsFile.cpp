// An open tmpfs file: the description's offset and flags over a tmpfs inode.
#include <mutex>

#include "kernel/vfs/Permission.h"
#include "kernel/vfs/TmpfsNode.h"

namespace lx::tmpfs {

namespace {

// Who is calling an fd-based metadata operation (root when no guest task).
Credentials caller() { return current_credentials().value_or(Credentials{}); }

class TmpfsFile final : public OpenFile {
 public:
  TmpfsFile(NodeRef node, int flags) : node_(std::move(node)) { set_status_flags(flags); }

  Result<uint64_t> read(std::span<uint8_t> buf) override {
    std::lock_guard lock(pos_mu_);  // before the instance mutex (see TmpfsNode.h)
    const uint64_t n = TRY(node_->read_at(buf, pos_));
    pos_ += static_cast<int64_t>(n);
    return n;
  }
  Result<uint64_t> write(std::span<const uint8_t> buf) override {
    std::lock_guard lock(pos_mu_);
    int64_t end = 0;
    const uint64_t n = TRY(node_->write_at(buf, pos_, (status_flags() & abi::kOAppend) != 0, &end));
    pos_ = end;
    return n;
  }
  Result<uint64_t> pread(std::span<uint8_t> buf, int64_t off) override { return node_->read_at(buf, off); }
  Result<uint64_t> pwrite(std::span<const uint8_t> buf, int64_t off) override {
    // Linux's pwrite on an O_APPEND file appends (a documented bug kept for compatibility).
    int64_t end = 0;
    return node_->write_at(buf, off, (status_flags() & abi::kOAppend) != 0, &end);
  }
  Result<int64_t> seek(int64_t off, int whence) override {
    std::lock_guard lock(pos_mu_);
    int64_t base = 0;
    switch (whence) {
      case abi::kSeekSet: break;
      case abi::kSeekCur: base = pos_; break;
      case abi::kSeekEnd: base = node_->size(); break;
      case abi::kSeekData:
      case abi::kSeekHole: {
        if (is_directory()) return err(EINVAL);
        if (off < 0) return err(ENXIO);
        pos_ = TRY(node_->seek_data(off, whence == abi::kSeekHole));
        return pos_;
      }
      default: return err(EINVAL);
    }
    int64_t next;
    if (__builtin_add_overflow(base, off, &next) || next < 0) return err(EINVAL);
    pos_ = next;
    return pos_;
  }
  Result<abi::Stat> stat() override { return node_->stat(); }
  Result<uint64_t> getdents64(std::span<uint8_t> buf) override {
    if (!is_directory()) return err(ENOTDIR);
    std::lock_guard lock(pos_mu_);
    return node_->read_dir(buf, &pos_);
  }

  bool is_directory() const override { return node_->type() == abi::kSIfdir; }
  bool is_regular() const override { return node_->type() == abi::kSIfreg; }
  bool positional() const override { return is_regular() || is_directory(); }

  // fchmod/fchown/futimens: the owner rules of vfs/Permission.h, for the caller.
  Result<void> chmod(unsigned mode) override {
    const abi::Stat st = TRY(node_->stat());
    SetAttr a;
    a.mode = TRY(check_chmod(st, mode, caller()));
    return node_->setattr(a);
  }
  Result<void> chown(uint32_t uid, uint32_t gid) override {
    const abi::Stat st = TRY(node_->stat());
    TRY(check_chown(st, uid, gid, caller()));
    SetAttr a;
    if (uid != UINT32_MAX) a.uid = uid;
    if (gid != UINT32_MAX) a.gid = gid;
    return node_->setattr(a);
  }
  Result<void> utimens(const abi::Timespec times[2]) override {
    const TimesChange tc = times_change(times);
    const SetAttr& a = tc.attr;
    const bool explicit_time = tc.explicit_time;
    const abi::Stat st = TRY(node_->stat());
    // "Now" by a non-owner needs write access: an fd open for writing has it.
    if (!owner_or_capable(st, caller()) && !(!explicit_time && writable()))
      TRY(check_utimens(st, explicit_time, caller()));
    return node_->setattr(a);
  }
  Result<void> truncate(int64_t length) override {
    if (!writable()) return err(EINVAL);
    if (is_directory()) return err(EISDIR);
    SetAttr a;
    a.size = length;
    return node_->setattr(a);
  }
  Result<void> allocate(int mode, int64_t offset, int64_t len) override {
    if (!writable()) return err(EBADF);
    return node_->allocate(mode, offset, len);
  }
  Result<void> sync(bool) override { return {}; }  // memory is as durable as tmpfs gets
  Result<abi::StatFs> statfs() override { return node_->statfs(); }
  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override {
    return node_->getxattr(name, value);
  }
  Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) override {
    return node_->setxattr(name, value, flags);
  }
  Result<uint64_t> listxattr(std::span<uint8_t> list) override { return node_->listxattr(list); }
  Result<void> removexattr(const std::string& name) override { return node_->removexattr(name); }
  std::pair<uint64_t, uint64_t> file_id() override { return {node_->dev(), node_->ino()}; }

 private:
  NodeRef node_;
  std::mutex pos_mu_;
  int64_t pos_ = 0;
};

}  // namespace

OpenFileRef make_file(NodeRef node, int flags) { return std::make_shared<TmpfsFile>(std::move(node), flags); }

}  // namespace lx::tmpfs
