// The Vfs side of change notification: working out which inodes an
// operation touched (their guest-visible identities) and telling the hub
// (FsNotify.h). Only called while some watch exists.
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/Vfs.h"

namespace lx {

InodeKey Vfs::key_of(Inode& inode) {
  Result<abi::Stat> st = inode.stat();
  if (!st.ok()) return {};
  return InodeKey{st.value().st_dev, st.value().st_ino};
}

Result<InodeKey> Vfs::watch_target(const std::string& base, const std::string& path, bool follow, bool only_dir) {
  PathLoc loc = TRY(lookup(base, path, follow));
  if (only_dir && !loc.inode->is_dir()) return err(ENOTDIR);
  TRY(loc.inode->permission(kMayRead, cred()));
  const abi::Stat st = TRY(loc.inode->stat());
  return InodeKey{st.st_dev, st.st_ino};
}

InodeKey Vfs::parent_key(const std::string& path, std::string* name) const {
  if (path.empty() || path == "/" || path.front() != '/') return {};
  const size_t slash = path.find_last_of('/');
  *name = path.substr(slash + 1);
  if (name->empty()) return {};
  Result<PathLoc> dir = lookup("/", path_parent(path), true);
  if (!dir.ok()) return {};
  return key_of(*dir.value().inode);
}

void Vfs::notify_inode(const PathLoc& loc, uint32_t mask) {
  if (!notify_->active() || mask == 0) return;
  std::string name;
  const InodeKey parent = parent_key(loc.path, &name);
  if (loc.inode->is_dir()) mask |= in::kIsdir;
  notify_->child_event(parent, name, key_of(*loc.inode), mask);
}

void Vfs::notify_open(OpenFile& f, int flags, bool created) {
  if (!notify_->active() || (flags & abi::kOPath)) return;
  Result<abi::Stat> st = f.stat();
  if (!st.ok()) return;
  const InodeKey self{st.value().st_dev, st.value().st_ino};
  const unsigned type = st.value().st_mode & abi::kSIfmt;
  std::string name;
  // An O_TMPFILE file has no name (its guest path is its directory's).
  const InodeKey parent = (flags & abi::kOTmpfileBit) ? InodeKey{} : parent_key(f.guest_path(), &name);
  std::shared_ptr<FileNotify> n = notify_->opened(self, parent, name, type == abi::kSIfdir, f.writable());
  n->event(in::kOpen);
  // O_TRUNC of an existing file truncates after the open (handle_truncate).
  if ((flags & abi::kOTrunc) && !created && type == abi::kSIfreg && f.writable()) n->event(in::kModify);
  f.set_notify(std::move(n));
}

void Vfs::notify_renamed(InodeKey old_dir, const std::string& old_name, InodeKey new_dir,
                         const std::string& new_name, InodeKey src, bool src_is_dir, const Result<abi::Stat>& dst,
                         unsigned flags) {
  const bool has_dst = dst.ok();
  const InodeKey dkey = has_dst ? InodeKey{dst.value().st_dev, dst.value().st_ino} : InodeKey{};
  // Two names of one inode: rename(2) does nothing, and reports nothing.
  if (has_dst && dkey == src) return;
  const bool dst_is_dir = has_dst && (dst.value().st_mode & abi::kSIfmt) == abi::kSIfdir;
  const uint32_t sdir = src_is_dir ? in::kIsdir : 0, ddir = dst_is_dir ? in::kIsdir : 0;
  uint32_t cookie = notify_->next_cookie();
  notify_->event(old_dir, in::kMovedFrom | sdir, old_name, cookie);
  notify_->event(new_dir, in::kMovedTo | sdir, new_name, cookie);
  const bool exchange = (flags & kRenameExchange) != 0;
  if (has_dst && !exchange) notify_->event(dkey, in::kAttrib | ddir);
  notify_->event(src, in::kMoveSelf | sdir);
  if (exchange) {
    cookie = notify_->next_cookie();
    notify_->event(new_dir, in::kMovedFrom | ddir, new_name, cookie);
    notify_->event(old_dir, in::kMovedTo | ddir, old_name, cookie);
    notify_->event(dkey, in::kMoveSelf | ddir);
  } else if (has_dst && (dst_is_dir || dst.value().st_nlink <= 1)) {
    notify_->unlinked(dkey, dst_is_dir);
  }
}

}  // namespace lx
