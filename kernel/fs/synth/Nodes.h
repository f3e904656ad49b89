// Generic inodes of synthetic filesystems (procfs, sysfs): directories
// whose entries are computed on each lookup/listing, read-only or writable
// files whose text is generated when opened (seq_file-like: read, pread and
// lseek then work on that snapshot), and symlinks whose target is computed
// on each readlink. Nothing is cached: every node answers from kernel state
// at the time of the call, so a process that ends disappears at once.
//
// Kernel state is read under the big lock: these nodes are only reached
// through syscalls, which hold it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/vfs/Inode.h"

namespace lx::synth {

// One filesystem instance's identity: statfs magic, st_dev, its name in
// inode-number hashes.
struct FsInfo {
  int64_t magic;
  uint64_t dev;
  std::string name;
};

// Makes the inode of a name, given its path inside the filesystem (e.g.
// "/1/fd/3") and the directory it is in.
using Maker = std::function<Result<InodeRef>(const std::string& path, const InodeRef& parent)>;

// A name in a directory and how to make its inode.
struct Entry {
  std::string name;
  unsigned type;  // S_IF* bits (getdents64 d_type)
  Maker make;
};

using Lister = std::function<Result<std::vector<Entry>>()>;
using Generator = std::function<Result<std::string>()>;
using Writer = std::function<Result<void>(std::string_view data)>;

// Inode number of a path: stable for the life of the instance, so `ls -i`
// and same_file() agree between lookups.
uint64_t ino_of(const FsInfo& fs, const std::string& path);

class Node : public Inode {
 public:
  Node(const FsInfo& fs, std::string path, unsigned mode, uint32_t uid = 0, uint32_t gid = 0);

  unsigned type() const override { return mode_ & abi::kSIfmt; }
  bool same_file(const Inode& other) const override;
  const void* fs_id() const override { return fs_; }
  Result<abi::Stat> stat() override;
  Result<void> permission(int mask, const Credentials& cred) override;
  Result<void> setattr(const SetAttr& attr) override;
  Result<abi::StatFs> statfs() override;
  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override;
  Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) override;
  Result<uint64_t> listxattr(std::span<uint8_t> list) override;
  Result<void> removexattr(const std::string& name) override;

  const std::string& path() const { return path_; }
  uint64_t ino() const { return ino_; }
  const FsInfo& fs() const { return *fs_; }

 protected:
  const FsInfo* fs_;
  std::string path_;
  uint64_t ino_;
  unsigned mode_;
  uint32_t uid_, gid_;
};

class Dir : public Node, public std::enable_shared_from_this<Dir> {
 public:
  // parent: the `..` of this directory (null for the root: itself).
  // hidden: names that lookup() finds but listings do not show (/proc/<tid>
  // of a non-leader thread), or null.
  Dir(const FsInfo& fs, std::string path, unsigned perm, Lister list, InodeRef parent,
      std::function<Result<InodeRef>(std::string_view name, const std::string& path, const InodeRef& parent)>
          hidden = nullptr,
      uint32_t uid = 0, uint32_t gid = 0);

  Result<InodeRef> lookup(std::string_view name, const Credentials& cred) override;
  Result<InodeRef> parent(Inode& mount_root, std::string_view parent_rel) override;
  Result<OpenFileRef> open(int flags) override;
  Result<abi::Stat> stat() override;

  Result<std::vector<Entry>> entries() { return list_(); }
  uint64_t parent_ino();
  std::string child_path(std::string_view name) const;

 private:
  Lister list_;
  InodeRef parent_;
  std::function<Result<InodeRef>(std::string_view, const std::string&, const InodeRef&)> hidden_;
};

// File flavours for writes. Root may open Linux's read-only /proc files
// for writing (CAP_DAC_OVERRIDE); write() then fails EIO for the
// system-wide ones (proc_reg_write) and EINVAL for per-process ones (no
// write method). Read-only sysctls and sysfs attributes refuse the open
// itself (EACCES).
enum class WriteRule { kEio, kEinval, kOpenEacces, kWritable };

class File : public Node {
 public:
  File(const FsInfo& fs, std::string path, unsigned perm, Generator gen, Writer write = nullptr,
       WriteRule rule = WriteRule::kEio, uint32_t uid = 0, uint32_t gid = 0);
  Result<void> permission(int mask, const Credentials& cred) override;
  Result<OpenFileRef> open(int flags) override;

 private:
  Generator gen_;
  Writer write_;
  WriteRule rule_;
};

// A symlink. Magic links (procfs's fd/N, exe, cwd, root) may also name an
// inode to stop at when their file has no path (see Inode::magic_target).
class Link : public Node {
 public:
  Link(const FsInfo& fs, std::string path, unsigned perm, Generator target, bool magic = false,
       std::function<InodeRef()> magic_target = nullptr, uint32_t uid = 0, uint32_t gid = 0);
  Result<std::string> readlink() override { return target_(); }
  Result<OpenFileRef> open(int flags) override;
  bool is_magic_link() const override { return magic_; }
  InodeRef magic_target() override { return magic_target_ ? magic_target_() : nullptr; }

 private:
  Generator target_;
  bool magic_;
  std::function<InodeRef()> magic_target_;
};

// Shorthands for building entries.
// uid/gid: the owner (procfs: the process's effective ids).
Entry file_entry(const FsInfo& fs, std::string name, unsigned perm, Generator gen, Writer write = nullptr,
                 WriteRule rule = WriteRule::kEio, uint32_t uid = 0, uint32_t gid = 0);
Entry link_entry(const FsInfo& fs, std::string name, Generator target);
Entry dir_entry(const FsInfo& fs, std::string name, unsigned perm, Lister list, uint32_t uid = 0, uint32_t gid = 0);

}  // namespace lx::synth
