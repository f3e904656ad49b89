#include "kernel/tty/Devpts.h"

#include <cstring>
#include <string>

#include "kernel/dev/DeviceId.h"
#include "kernel/vfs/Dirent.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

Result<PtyRef> PtyTable::create(uint32_t uid, uint32_t gid) {
  for (int i = 0; i < static_cast<int>(kPtySlaveCount); ++i) {
    auto it = ptys_.find(i);
    if (it != ptys_.end()) {
      PtyRef p = it->second.lock();
      if (p && !p->master_closed) continue;
    }
    auto p = std::make_shared<Pty>(i, uid, gid);
    ptys_[i] = p;
    return p;
  }
  return err(ENOSPC);
}

PtyRef PtyTable::find(int index) {
  auto it = ptys_.find(index);
  if (it == ptys_.end()) return nullptr;
  PtyRef p = it->second.lock();
  if (!p || p->master_closed) return nullptr;
  return p;
}

std::vector<PtyRef> PtyTable::live() {
  std::vector<PtyRef> out;
  for (auto it = ptys_.begin(); it != ptys_.end();) {
    PtyRef p = it->second.lock();
    if (!p) {
      it = ptys_.erase(it);
      continue;
    }
    if (!p->master_closed) out.push_back(std::move(p));
    ++it;
  }
  return out;
}

namespace {

constexpr uint64_t kDevptsDev = make_dev(0, 0x1cd);  // an anonymous device number of its own
constexpr uint64_t kRootIno = 1, kPtmxIno = 2;
uint64_t slave_ino(int index) { return static_cast<uint64_t>(index) + 3; }

// Linux's generic_permission() for a mode owned by uid/gid; root may do
// anything but execute a file no one may execute.
Result<void> check_mode(unsigned mode, uint32_t uid, uint32_t gid, int mask, const Credentials& cred) {
  if (cred.uid == 0) {
    if ((mask & kMayExec) && !(mode & 0111) && (mode & abi::kSIfmt) != abi::kSIfdir) return err(EACCES);
    return {};
  }
  unsigned bits = mode & 07;
  if (cred.uid == uid) bits = (mode >> 6) & 07;
  else if (cred.gid == gid) bits = (mode >> 3) & 07;
  if ((static_cast<unsigned>(mask) & bits) != static_cast<unsigned>(mask)) return err(EACCES);
  return {};
}

abi::Stat base_stat(uint64_t ino, unsigned mode, uint32_t uid, uint32_t gid, const abi::Timespec& t) {
  abi::Stat s{};
  s.st_dev = kDevptsDev;
  s.st_ino = ino;
  s.st_nlink = (mode & abi::kSIfmt) == abi::kSIfdir ? 2 : 1;
  s.st_mode = mode;
  s.st_uid = uid;
  s.st_gid = gid;
  s.st_blksize = 1024;
  s.st_atime_sec = s.st_mtime_sec = s.st_ctime_sec = t.tv_sec;
  s.st_atime_nsec = s.st_mtime_nsec = s.st_ctime_nsec = t.tv_nsec;
  return s;
}

abi::StatFs devpts_statfs() {
  abi::StatFs f{};
  f.f_type = kDevptsMagic;
  f.f_bsize = 4096;
  f.f_namelen = 255;
  f.f_frsize = 4096;
  return f;
}

// Inode operations every devpts object shares.
class DevptsInode : public Inode {
 public:
  explicit DevptsInode(std::shared_ptr<PtyTable> table) : table_(std::move(table)) {}
  const void* fs_id() const override { return table_.get(); }
  Result<abi::StatFs> statfs() override { return devpts_statfs(); }
  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override {
    (void)name; (void)value; return err(EOPNOTSUPP);
  }
  Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) override {
    (void)name; (void)value; (void)flags; return err(EOPNOTSUPP);
  }
  Result<uint64_t> listxattr(std::span<uint8_t> list) override { (void)list; return 0; }
  Result<void> removexattr(const std::string& name) override { (void)name; return err(EOPNOTSUPP); }

 protected:
  std::shared_ptr<PtyTable> table_;
};

// An O_PATH description of a devpts node (all other opens are the
// DeviceRegistry's or the directory's).
class PathFile final : public OpenFile {
 public:
  explicit PathFile(InodeRef node) : node_(std::move(node)) {}
  Result<abi::Stat> stat() override { return node_->stat(); }

 private:
  InodeRef node_;
};

// ptmx (index < 0) or the slave node of pty `index`.
class DevptsNode final : public DevptsInode {
 public:
  DevptsNode(std::shared_ptr<PtyTable> table, int index) : DevptsInode(std::move(table)), index_(index) {}

  unsigned type() const override { return abi::kSIfchr; }
  bool same_file(const Inode& other) const override {
    auto* o = dynamic_cast<const DevptsNode*>(&other);
    return o && o->table_ == table_ && o->index_ == index_;
  }
  Result<abi::Stat> stat() override {
    if (index_ < 0) {
      abi::Stat s = base_stat(kPtmxIno, abi::kSIfchr | 0666, 0, 0, abi::Timespec{});
      s.st_rdev = make_dev(kTtyAuxMajor, 2);
      return s;
    }
    PtyRef p = TRY(pty());
    abi::Stat s = base_stat(slave_ino(index_), abi::kSIfchr | p->mode, p->uid, p->gid, p->ctime);
    s.st_rdev = make_dev(kPtySlaveMajor, static_cast<uint32_t>(index_));
    return s;
  }
  Result<void> permission(int mask, const Credentials& cred) override {
    const abi::Stat s = TRY(stat());
    return check_mode(s.st_mode, s.st_uid, s.st_gid, mask, cred);
  }
  Result<OpenFileRef> open(int flags) override {
    if (!(flags & abi::kOPath)) return err(ENXIO);  // devices open through the registry
    return OpenFileRef(std::make_shared<PathFile>(std::make_shared<DevptsNode>(table_, index_)));
  }
  Result<void> setattr(const SetAttr& a) override {
    if (index_ < 0) return err(EPERM);  // ptmx's attributes are the mount's
    PtyRef p = TRY(pty());
    if (a.size) return err(EINVAL);
    if (a.mode) p->mode = *a.mode & 07777;
    if (a.uid && *a.uid != UINT32_MAX) p->uid = *a.uid;
    if (a.gid && *a.gid != UINT32_MAX) p->gid = *a.gid;
    return {};
  }

 private:
  Result<PtyRef> pty() {
    PtyRef p = table_->find(index_);
    if (!p) return err(ENOENT);
    return p;
  }
  int index_;
};

class DevptsRoot;

class DevptsDirFile final : public OpenFile {
 public:
  DevptsDirFile(std::shared_ptr<PtyTable> table, InodeRef root) : table_(std::move(table)), root_(std::move(root)) {}
  bool is_directory() const override { return true; }
  Result<abi::Stat> stat() override { return root_->stat(); }
  Result<abi::StatFs> statfs() override { return devpts_statfs(); }
  Result<int64_t> seek(int64_t off, int whence) override {
    if (whence == abi::kSeekSet && off >= 0) return pos_ = off;
    if (whence == abi::kSeekCur && pos_ + off >= 0) return pos_ += off;
    return err(EINVAL);
  }
  // Positions: 0 ".", 1 "..", 2 "ptmx", 3 + N pty N.
  Result<uint64_t> getdents64(std::span<uint8_t> buf) override {
    uint64_t used = 0;
    auto emit = [&](uint64_t ino, int64_t next, uint8_t dtype, std::string_view name) {
      return put_dirent64(buf, used, ino, next, dtype, name);
    };
    constexpr uint8_t kDtDir = 4, kDtChr = 2;
    auto fail = [&]() -> Result<uint64_t> {
      if (used == 0) return err(EINVAL);
      return used;
    };
    if (pos_ == 0) {
      if (!emit(kRootIno, 1, kDtDir, ".")) return fail();
      pos_ = 1;
    }
    if (pos_ == 1) {
      if (!emit(kRootIno, 2, kDtDir, "..")) return fail();
      pos_ = 2;
    }
    if (pos_ == 2) {
      if (!emit(kPtmxIno, 3, kDtChr, "ptmx")) return fail();
      pos_ = 3;
    }
    for (const PtyRef& p : table_->live()) {
      if (p->index() + 3 < pos_) continue;
      if (!emit(slave_ino(p->index()), p->index() + 4, kDtChr, std::to_string(p->index()))) return fail();
      pos_ = p->index() + 4;
    }
    return used;
  }

 private:
  std::shared_ptr<PtyTable> table_;
  InodeRef root_;
  int64_t pos_ = 0;
};

class DevptsRoot final : public DevptsInode, public std::enable_shared_from_this<DevptsRoot> {
 public:
  using DevptsInode::DevptsInode;

  unsigned type() const override { return abi::kSIfdir; }
  bool same_file(const Inode& other) const override { return &other == this; }
  Result<abi::Stat> stat() override { return base_stat(kRootIno, abi::kSIfdir | 0755, 0, 0, abi::Timespec{}); }
  Result<void> permission(int mask, const Credentials& cred) override {
    return check_mode(abi::kSIfdir | 0755, 0, 0, mask, cred);
  }
  Result<InodeRef> lookup(std::string_view name, const Credentials& cred) override {
    TRY(permission(kMayExec, cred));
    if (name == "ptmx") return InodeRef(std::make_shared<DevptsNode>(table_, -1));
    // Only canonical decimal numbers name ptys ("01" does not).
    if (name.empty() || name.size() > 4 || (name.size() > 1 && name[0] == '0')) return err(ENOENT);
    int index = 0;
    for (char c : name) {
      if (c < '0' || c > '9') return err(ENOENT);
      index = index * 10 + (c - '0');
    }
    if (!table_->find(index)) return err(ENOENT);
    return InodeRef(std::make_shared<DevptsNode>(table_, index));
  }
  Result<InodeRef> parent(Inode& mount_root, std::string_view parent_rel) override {
    (void)mount_root; (void)parent_rel;
    return InodeRef(shared_from_this());
  }
  Result<void> mkdir(std::string_view, unsigned, const Credentials&) override { return err(EPERM); }
  Result<void> mknod(std::string_view, unsigned, const Credentials&) override { return err(EPERM); }
  Result<void> symlink(std::string_view, const std::string&, const Credentials&) override { return err(EPERM); }
  Result<OpenFileRef> create(std::string_view, unsigned, int, const Credentials&) override { return err(EACCES); }
  Result<void> unlink(std::string_view) override { return err(EPERM); }
  Result<void> rmdir(std::string_view) override { return err(EPERM); }
  Result<OpenFileRef> open(int flags) override {
    if (flags & abi::kOPath) return OpenFileRef(std::make_shared<PathFile>(shared_from_this()));
    return OpenFileRef(std::make_shared<DevptsDirFile>(table_, shared_from_this()));
  }
  Result<void> setattr(const SetAttr& a) override { (void)a; return err(EPERM); }
};

}  // namespace

InodeRef make_devpts(std::shared_ptr<PtyTable> table) { return std::make_shared<DevptsRoot>(std::move(table)); }

}  // namespace lx
