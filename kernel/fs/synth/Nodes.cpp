// Generic synthetic inodes and their open files (see Nodes.h).
#include "kernel/fs/synth/Nodes.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>

#include "kernel/vfs/Dirent.h"

namespace lx::synth {

namespace {

abi::Timespec now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return abi::Timespec{ts.tv_sec, ts.tv_nsec};
}

uint8_t dtype_of(unsigned type) { return static_cast<uint8_t>(type >> 12); }  // DT_* = S_IFMT >> 12

// The text of one file, generated at open.
class TextFile final : public OpenFile {
 public:
  TextFile(InodeRef node, std::string text, Writer write, int write_error)
      : node_(std::move(node)), text_(std::move(text)), write_(std::move(write)), write_error_(write_error) {}

  Result<uint64_t> read(std::span<uint8_t> buf) override {
    std::lock_guard lock(mu_);
    const uint64_t n = copy_out(buf, pos_);
    pos_ += static_cast<int64_t>(n);
    return n;
  }
  Result<uint64_t> pread(std::span<uint8_t> buf, int64_t off) override {
    if (off < 0) return err(EINVAL);
    std::lock_guard lock(mu_);
    return copy_out(buf, off);
  }
  Result<uint64_t> write(std::span<const uint8_t> buf) override {
    if (!write_) return err(write_error_);
    TRY(write_(std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size())));
    return buf.size();
  }
  Result<uint64_t> pwrite(std::span<const uint8_t> buf, int64_t off) override {
    if (off < 0) return err(EINVAL);
    return write(buf);
  }
  Result<int64_t> seek(int64_t off, int whence) override {
    std::lock_guard lock(mu_);
    int64_t base = 0;
    switch (whence) {
      case abi::kSeekSet: break;
      case abi::kSeekCur: base = pos_; break;
      // seq_file files have no size: SEEK_END is EINVAL on Linux.
      default: return err(EINVAL);
    }
    int64_t next;
    if (__builtin_add_overflow(base, off, &next) || next < 0) return err(EINVAL);
    pos_ = next;
    return pos_;
  }
  Result<abi::Stat> stat() override { return node_->stat(); }
  bool is_regular() const override { return true; }
  bool positional() const override { return true; }
  Result<abi::StatFs> statfs() override { return node_->statfs(); }
  std::pair<uint64_t, uint64_t> file_id() override {
    auto* n = dynamic_cast<Node*>(node_.get());
    return n ? std::pair<uint64_t, uint64_t>{n->fs().dev, n->ino()} : std::pair<uint64_t, uint64_t>{0, 0};
  }

 private:
  uint64_t copy_out(std::span<uint8_t> buf, int64_t off) const {
    const auto start = static_cast<uint64_t>(off);
    if (start >= text_.size()) return 0;
    const uint64_t n = std::min<uint64_t>(buf.size(), text_.size() - start);
    std::memcpy(buf.data(), text_.data() + start, n);
    return n;
  }

  InodeRef node_;
  std::string text_;
  Writer write_;
  int write_error_;
  std::mutex mu_;  // pos_
  int64_t pos_ = 0;
};

// A directory listing: the entries are read when the directory is opened
// and again on rewind, so positions (index + 2) stay stable in between.
class DirFile final : public OpenFile {
 public:
  explicit DirFile(std::shared_ptr<Dir> dir) : dir_(std::move(dir)) {}

  Result<uint64_t> getdents64(std::span<uint8_t> buf) override {
    std::lock_guard lock(mu_);
    if (!loaded_) {
      names_.clear();
      for (Entry& e : TRY(dir_->entries())) names_.emplace_back(std::move(e.name), e.type);
      loaded_ = true;
    }
    uint64_t used = 0;
    auto emit = [&](uint64_t ino, int64_t next, uint8_t dtype, std::string_view name) {
      return put_dirent64(buf, used, ino, next, dtype, name);
    };
    while (pos_ < static_cast<int64_t>(names_.size()) + 2) {
      bool fit;
      if (pos_ == 0) {
        fit = emit(dir_->ino(), 1, dtype_of(abi::kSIfdir), ".");
      } else if (pos_ == 1) {
        fit = emit(dir_->parent_ino(), 2, dtype_of(abi::kSIfdir), "..");
      } else {
        const auto& [name, type] = names_[static_cast<size_t>(pos_ - 2)];
        fit = emit(ino_of(dir_->fs(), dir_->child_path(name)), pos_ + 1, dtype_of(type), name);
      }
      if (!fit) return used ? Result<uint64_t>(used) : Result<uint64_t>(err(EINVAL));
      ++pos_;
    }
    return used;
  }
  Result<int64_t> seek(int64_t off, int whence) override {
    std::lock_guard lock(mu_);
    int64_t next;
    if (whence == abi::kSeekSet) {
      next = off;
    } else if (whence == abi::kSeekCur) {
      if (__builtin_add_overflow(pos_, off, &next)) return err(EINVAL);
    } else {
      return err(EINVAL);
    }
    if (next < 0) return err(EINVAL);
    if (next == 0) loaded_ = false;  // rewinddir() sees processes that came and went
    pos_ = next;
    return pos_;
  }
  Result<abi::Stat> stat() override { return dir_->stat(); }
  Result<abi::StatFs> statfs() override { return dir_->statfs(); }
  bool is_directory() const override { return true; }
  bool positional() const override { return true; }
  std::pair<uint64_t, uint64_t> file_id() override { return {dir_->fs().dev, dir_->ino()}; }

 private:
  std::shared_ptr<Dir> dir_;
  std::mutex mu_;
  bool loaded_ = false;
  std::vector<std::pair<std::string, unsigned>> names_;
  int64_t pos_ = 0;
};

// O_PATH|O_NOFOLLOW of a symlink: names it, no I/O.
class PathOnlyFile final : public OpenFile {
 public:
  explicit PathOnlyFile(InodeRef node) : node_(std::move(node)) {}
  Result<abi::Stat> stat() override { return node_->stat(); }
  Result<abi::StatFs> statfs() override { return node_->statfs(); }

 private:
  InodeRef node_;
};

}  // namespace

uint64_t ino_of(const FsInfo& fs, const std::string& path) {
  if (path.empty() || path == "/") return 1;
  // FNV-1a: deterministic across runs, unlike std::hash.
  uint64_t h = 1469598103934665603ull;
  for (char c : fs.name + path) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return (h & 0xffffffffull) | 0x100;  // 32 bits, never the root's
}

// ---- Node

Node::Node(const FsInfo& fs, std::string path, unsigned mode, uint32_t uid, uint32_t gid)
    : fs_(&fs), path_(std::move(path)), ino_(ino_of(fs, path_)), mode_(mode), uid_(uid), gid_(gid) {}

bool Node::same_file(const Inode& other) const {
  const auto* n = dynamic_cast<const Node*>(&other);
  return n && n->fs_ == fs_ && n->ino_ == ino_;
}

Result<abi::Stat> Node::stat() {
  abi::Stat st{};
  st.st_dev = fs_->dev;
  st.st_ino = ino_;
  st.st_nlink = 1;
  st.st_mode = mode_;
  st.st_uid = uid_;
  st.st_gid = gid_;
  st.st_blksize = 1024;
  const abi::Timespec t = now();
  st.st_atime_sec = st.st_mtime_sec = st.st_ctime_sec = t.tv_sec;
  st.st_atime_nsec = st.st_mtime_nsec = st.st_ctime_nsec = t.tv_nsec;
  if (type() == abi::kSIflnk) {
    Result<std::string> target = readlink();
    if (target.ok()) st.st_size = static_cast<int64_t>(target.value().size());
  }
  return st;
}

Result<void> Node::permission(int mask, const Credentials& cred) {
  unsigned bits = mode_ & 07;
  if (cred.uid == uid_)
    bits = (mode_ >> 6) & 07;
  else if (cred.gid == gid_)
    bits = (mode_ >> 3) & 07;
  if (cred.uid == 0) {
    // CAP_DAC_OVERRIDE: everything but executing a file with no x bit.
    if ((mask & kMayExec) && type() != abi::kSIfdir && !(mode_ & 0111)) return err(EACCES);
    return {};
  }
  if ((static_cast<unsigned>(mask) & bits) != static_cast<unsigned>(mask)) return err(EACCES);
  return {};
}

Result<void> Node::setattr(const SetAttr& attr) {
  (void)attr;
  return err(EPERM);
}

Result<abi::StatFs> Node::statfs() {
  abi::StatFs s{};
  s.f_type = fs_->magic;
  s.f_bsize = 4096;
  s.f_namelen = 255;
  s.f_frsize = 4096;
  s.f_flags = 0x20 | 0x02 | 0x04 | 0x08 | 0x1000;  // ST_VALID | NOSUID | NODEV | NOEXEC | RELATIME
  return s;
}

Result<uint64_t> Node::getxattr(const std::string& name, std::span<uint8_t> value) {
  (void)name;
  (void)value;
  return err(EOPNOTSUPP);
}

Result<void> Node::setxattr(const std::string& name, std::span<const uint8_t> value, int flags) {
  (void)name;
  (void)value;
  (void)flags;
  return err(EOPNOTSUPP);
}

Result<uint64_t> Node::listxattr(std::span<uint8_t> list) {
  (void)list;
  return 0;
}

Result<void> Node::removexattr(const std::string& name) {
  (void)name;
  return err(EOPNOTSUPP);
}

// ---- Dir

Dir::Dir(const FsInfo& fs, std::string path, unsigned perm, Lister list, InodeRef parent,
         std::function<Result<InodeRef>(std::string_view, const std::string&, const InodeRef&)> hidden,
         uint32_t uid, uint32_t gid)
    : Node(fs, std::move(path), abi::kSIfdir | perm, uid, gid),
      list_(std::move(list)),
      parent_(std::move(parent)),
      hidden_(std::move(hidden)) {}

std::string Dir::child_path(std::string_view name) const {
  std::string p = path_ == "/" ? std::string() : path_;
  p += '/';
  p += name;
  return p;
}

uint64_t Dir::parent_ino() {
  auto* p = dynamic_cast<Node*>(parent_.get());
  return p ? p->ino() : ino_;
}

Result<InodeRef> Dir::lookup(std::string_view name, const Credentials& cred) {
  TRY(permission(kMayExec, cred));
  std::vector<Entry> list = TRY(list_());
  InodeRef self = shared_from_this();
  for (Entry& e : list)
    if (e.name == name) return e.make(child_path(name), self);
  if (hidden_) return hidden_(name, child_path(name), self);
  return err(ENOENT);
}

Result<InodeRef> Dir::parent(Inode& mount_root, std::string_view parent_rel) {
  (void)mount_root;
  (void)parent_rel;
  if (parent_) return parent_;
  return InodeRef(shared_from_this());
}

Result<OpenFileRef> Dir::open(int flags) {
  (void)flags;
  return OpenFileRef(std::make_shared<DirFile>(shared_from_this()));
}

Result<abi::Stat> Dir::stat() {
  abi::Stat st = TRY(Node::stat());
  st.st_nlink = 2;
  return st;
}

// ---- File

File::File(const FsInfo& fs, std::string path, unsigned perm, Generator gen, Writer write, WriteRule rule,
           uint32_t uid, uint32_t gid)
    : Node(fs, std::move(path), abi::kSIfreg | perm, uid, gid),
      gen_(std::move(gen)),
      write_(std::move(write)),
      rule_(write_ ? WriteRule::kWritable : rule) {}

Result<void> File::permission(int mask, const Credentials& cred) {
  if ((mask & kMayWrite) && rule_ == WriteRule::kOpenEacces) return err(EACCES);
  return Node::permission(mask, cred);
}

Result<OpenFileRef> File::open(int flags) {
  InodeRef self = std::make_shared<File>(*this);
  if (flags & abi::kOPath) return OpenFileRef(std::make_shared<PathOnlyFile>(std::move(self)));
  std::string text;
  if ((flags & abi::kOAccmode) != abi::kOWronly) text = TRY(gen_());
  return OpenFileRef(
      std::make_shared<TextFile>(std::move(self), std::move(text), write_, rule_ == WriteRule::kEinval ? EINVAL : EIO));
}

// ---- Link

Link::Link(const FsInfo& fs, std::string path, unsigned perm, Generator target, bool magic,
           std::function<InodeRef()> magic_target, uint32_t uid, uint32_t gid)
    : Node(fs, std::move(path), abi::kSIflnk | perm, uid, gid),
      target_(std::move(target)),
      magic_(magic),
      magic_target_(std::move(magic_target)) {}

Result<OpenFileRef> Link::open(int flags) {
  (void)flags;
  return OpenFileRef(std::make_shared<PathOnlyFile>(std::make_shared<Link>(*this)));
}

// ---- entries

Entry file_entry(const FsInfo& fs, std::string name, unsigned perm, Generator gen, Writer write, WriteRule rule,
                 uint32_t uid, uint32_t gid) {
  return Entry{std::move(name), abi::kSIfreg,
               [&fs, perm, gen = std::move(gen), write = std::move(write), rule, uid, gid](const std::string& path,
                                                                                           const InodeRef&) {
                 return Result<InodeRef>(std::make_shared<File>(fs, path, perm, gen, write, rule, uid, gid));
               }};
}

Entry link_entry(const FsInfo& fs, std::string name, Generator target) {
  return Entry{std::move(name), abi::kSIflnk, [&fs, target = std::move(target)](const std::string& path, const InodeRef&) {
                 return Result<InodeRef>(std::make_shared<Link>(fs, path, 0777, target));
               }};
}

Entry dir_entry(const FsInfo& fs, std::string name, unsigned perm, Lister list, uint32_t uid, uint32_t gid) {
  return Entry{std::move(name), abi::kSIfdir,
               [&fs, perm, list = std::move(list), uid, gid](const std::string& path, const InodeRef& parent) {
                 return Result<InodeRef>(std::make_shared<Dir>(fs, path, perm, list, parent, nullptr, uid, gid));
               }};
}

}  // namespace lx::synth
