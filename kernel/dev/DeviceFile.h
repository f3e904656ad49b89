// Base of every open character device: fstat and the fd-based metadata
// calls (fchmod, fchown, futimens, f*xattr) are the device node's, which
// may live on any filesystem; I/O is the driver's.
#pragma once

#include <utility>

#include "kernel/vfs/Inode.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class DeviceFile : public OpenFile {
 public:
  explicit DeviceFile(InodeRef node) : node_(std::move(node)) {}

  Result<abi::Stat> stat() override { return node_->stat(); }
  Result<void> chmod(unsigned mode) override {
    SetAttr a;
    a.mode = mode & 07777;
    return node_->setattr(a);
  }
  Result<void> chown(uint32_t uid, uint32_t gid) override {
    SetAttr a;
    if (uid != UINT32_MAX) a.uid = uid;
    if (gid != UINT32_MAX) a.gid = gid;
    return node_->setattr(a);
  }
  Result<abi::StatFs> statfs() override { return node_->statfs(); }
  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override {
    return node_->getxattr(name, value);
  }
  Result<uint64_t> listxattr(std::span<uint8_t> list) override { return node_->listxattr(list); }
  std::pair<uint64_t, uint64_t> file_id() override {
    Result<abi::Stat> st = node_->stat();
    return st.ok() ? std::pair{st.value().st_dev, st.value().st_ino} : std::pair<uint64_t, uint64_t>{0, 0};
  }
  const InodeRef& node() const { return node_; }

 private:
  InodeRef node_;
};

}  // namespace lx
