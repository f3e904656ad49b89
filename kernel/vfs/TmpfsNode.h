// tmpfs internals shared by its directory, inode and open-file code.
//
// Locking: one mutex per tmpfs instance (TmpfsSuper::mu) guards every inode
// of that instance, its names, data and attributes. Operations take it once
// and never call out of the filesystem while holding it, so there is no
// lock order to get wrong; cross-instance operations are EXDEV before any
// lock is taken. Open-file offsets have their own mutex, always taken
// before the instance mutex.
#pragma once

#include <sys/stat.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernel/vfs/Inode.h"
#include "kernel/vfs/Tmpfs.h"

namespace lx::tmpfs {

constexpr uint64_t kPageSize = 4096;
using Page = std::array<uint8_t, kPageSize>;

struct Super {
  std::mutex mu;
  uint64_t dev = 0;           // st_dev shown for every inode
  uint64_t max_pages = 0;
  // Atomic because inodes are freed by whoever drops the last reference,
  // possibly while holding mu.
  std::atomic<uint64_t> used_pages{0};
  uint64_t max_inodes = 0;
  std::atomic<uint64_t> used_inodes{0};
  uint64_t next_ino = 1;
};

class Node;
using NodeRef = std::shared_ptr<Node>;

struct DirEntry {
  NodeRef node;
  uint64_t cookie;  // getdents64 position; never reused within a directory
};

abi::Timespec now();

// An open file description of a tmpfs inode (TmpfsFile.cpp).
OpenFileRef make_file(NodeRef node, int flags);

class Node final : public Inode, public std::enable_shared_from_this<Node> {
 public:
  Node(std::shared_ptr<Super> sb, unsigned mode, const Credentials& cred);
  ~Node() override;

  // ---- Inode
  unsigned type() const override { return mode_ & abi::kSIfmt; }
  bool same_file(const Inode& other) const override { return &other == this; }
  const void* fs_id() const override { return sb_.get(); }
  Result<abi::Stat> stat() override;
  Result<void> permission(int mask, const Credentials& cred) override;
  Result<InodeRef> lookup(std::string_view name, const Credentials& cred) override;
  Result<InodeRef> parent(Inode& mount_root, std::string_view parent_rel) override;
  Result<OpenFileRef> create(std::string_view name, unsigned mode, int flags, const Credentials& cred) override;
  Result<void> mkdir(std::string_view name, unsigned mode, const Credentials& cred) override;
  Result<void> mknod(std::string_view name, unsigned mode, const Credentials& cred) override;
  Result<void> mknod_device(std::string_view name, unsigned mode, uint64_t rdev, const Credentials& cred) override;
  Result<void> symlink(std::string_view name, const std::string& target, const Credentials& cred) override;
  Result<void> link(std::string_view name, Inode& old_dir, std::string_view old_name, Inode& target) override;
  Result<void> unlink(std::string_view name) override;
  Result<void> rmdir(std::string_view name) override;
  Result<void> rename(std::string_view old_name, Inode& new_dir, std::string_view new_name, unsigned flags) override;
  Result<std::string> readlink() override;
  Result<OpenFileRef> open(int flags) override;
  Result<void> setattr(const SetAttr& attr) override;
  Result<abi::StatFs> statfs() override;
  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override;
  Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) override;
  Result<uint64_t> listxattr(std::span<uint8_t> list) override;
  Result<void> removexattr(const std::string& name) override;

  // ---- used by open files (TmpfsFile.cpp)
  Result<uint64_t> read_at(std::span<uint8_t> buf, int64_t off);
  // append: write at the end (the resulting offset is returned via *end).
  Result<uint64_t> write_at(std::span<const uint8_t> buf, int64_t off, bool append, int64_t* end);
  Result<int64_t> seek_data(int64_t off, bool hole);
  int64_t size();
  Result<void> allocate(int mode, int64_t offset, int64_t len);
  // Fills buf with linux_dirent64 records from position *pos on.
  Result<uint64_t> read_dir(std::span<uint8_t> buf, int64_t* pos);
  uint64_t ino() const { return ino_; }
  uint64_t dev() const { return sb_->dev; }
  Super& super() { return *sb_; }

 private:
  friend InodeRef lx::make_tmpfs(const TmpfsOptions& opts);
  // All below: caller holds sb_->mu.
  Result<NodeRef> new_node(unsigned mode, const Credentials& cred);
  Result<void> add_entry(std::string_view name, NodeRef node);
  void remove_entry(std::string_view name);
  DirEntry* find(std::string_view name);
  bool is_ancestor_of(const Node* n) const;  // this == n or above it
  void touch_dir();                          // mtime = ctime = now
  void drop_link();
  Result<void> resize(uint64_t size);
  void free_pages_from(uint64_t first_page);
  void check_access(int mask, const Credentials& cred, int* error) const;

  std::shared_ptr<Super> sb_;
  uint64_t ino_;
  unsigned mode_;
  uint32_t uid_, gid_;
  uint64_t nlink_;
  abi::Timespec atime_{}, mtime_{}, ctime_{};
  std::map<std::string, std::vector<uint8_t>> xattrs_;
  // directories
  std::map<std::string, DirEntry, std::less<>> entries_;
  std::map<uint64_t, std::string> by_cookie_;
  uint64_t next_cookie_ = 2;  // 0 is ".", 1 is ".."
  std::weak_ptr<Node> parent_;
  // regular files
  std::map<uint64_t, std::unique_ptr<Page>> pages_;
  uint64_t size_ = 0;
  // symlinks
  std::string target_;
  // device nodes
  uint64_t rdev_ = 0;
};

}  // namespace lx::tmpfs
