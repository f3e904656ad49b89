// tmpfs directories: names, links, rename rules, getdents64 positions.
#include <cstring>

#include "kernel/vfs/Dirent.h"
#include "kernel/vfs/TmpfsNode.h"

namespace lx::tmpfs {

namespace {

Node* as_node(Inode& i) { return dynamic_cast<Node*>(&i); }

uint8_t dtype_of(unsigned type) { return static_cast<uint8_t>(type >> 12); }  // DT_* = S_IFMT >> 12

}  // namespace

DirEntry* Node::find(std::string_view name) {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

Result<void> Node::add_entry(std::string_view name, NodeRef node) {
  const uint64_t cookie = next_cookie_++;
  if (node->type() == abi::kSIfdir) {
    node->parent_ = std::static_pointer_cast<Node>(shared_from_this());
    ++nlink_;
  }
  by_cookie_.emplace(cookie, std::string(name));
  entries_.emplace(std::string(name), DirEntry{std::move(node), cookie});
  return {};
}

void Node::remove_entry(std::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return;
  if (it->second.node->type() == abi::kSIfdir) --nlink_;
  by_cookie_.erase(it->second.cookie);
  NodeRef keep = std::move(it->second.node);  // freed after the maps are consistent
  entries_.erase(it);
}

bool Node::is_ancestor_of(const Node* n) const {
  for (NodeRef p = n ? std::const_pointer_cast<Node>(n->shared_from_this()) : nullptr; p;) {
    if (p.get() == this) return true;
    NodeRef up = p->parent_.lock();
    if (up == p) break;  // the root
    p = std::move(up);
  }
  return false;
}

void Node::touch_dir() { mtime_ = ctime_ = now(); }

void Node::drop_link() {
  if (nlink_ > 0) --nlink_;
  ctime_ = now();
}

Result<InodeRef> Node::lookup(std::string_view name, const Credentials& cred) {
  if (type() != abi::kSIfdir) return err(ENOTDIR);
  std::lock_guard lock(sb_->mu);
  int e;
  check_access(kMayExec, cred, &e);
  if (e) return err(e);
  DirEntry* d = find(name);
  if (!d) return err(ENOENT);
  return InodeRef(d->node);
}

Result<InodeRef> Node::parent(Inode&, std::string_view) {
  if (type() != abi::kSIfdir) return err(ENOTDIR);
  std::lock_guard lock(sb_->mu);
  NodeRef p = parent_.lock();
  if (!p) return err(ENOENT);
  return InodeRef(p);
}

// Shared start of every creation: the directory still exists, the name is
// free, and the caller may write here.
#define LX_TMPFS_CREATE_CHECKS(cred)                       \
  if (type() != abi::kSIfdir) return err(ENOTDIR);         \
  if (nlink_ == 0) return err(ENOENT);                     \
  if (find(name)) return err(EEXIST);                      \
  {                                                        \
    int e_;                                                \
    check_access(kMayWrite | kMayExec, cred, &e_);         \
    if (e_) return err(e_);                                \
  }

Result<OpenFileRef> Node::create(std::string_view name, unsigned mode, int flags, const Credentials& cred) {
  std::lock_guard lock(sb_->mu);
  LX_TMPFS_CREATE_CHECKS(cred)
  NodeRef n = TRY(new_node(abi::kSIfreg | (mode & 07777), cred));
  TRY(add_entry(name, n));
  touch_dir();
  return make_file(std::move(n), flags);
}

Result<void> Node::mkdir(std::string_view name, unsigned mode, const Credentials& cred) {
  std::lock_guard lock(sb_->mu);
  LX_TMPFS_CREATE_CHECKS(cred)
  NodeRef n = TRY(new_node(abi::kSIfdir | (mode & 07777), cred));
  TRY(add_entry(name, std::move(n)));
  touch_dir();
  return {};
}

Result<void> Node::mknod(std::string_view name, unsigned mode, const Credentials& cred) {
  std::lock_guard lock(sb_->mu);
  LX_TMPFS_CREATE_CHECKS(cred)
  NodeRef n = TRY(new_node(mode & (abi::kSIfmt | 07777), cred));
  TRY(add_entry(name, std::move(n)));
  touch_dir();
  return {};
}

Result<void> Node::mknod_device(std::string_view name, unsigned mode, uint64_t rdev, const Credentials& cred) {
  std::lock_guard lock(sb_->mu);
  LX_TMPFS_CREATE_CHECKS(cred)
  NodeRef n = TRY(new_node(mode & (abi::kSIfmt | 07777), cred));
  n->rdev_ = rdev;
  TRY(add_entry(name, std::move(n)));
  touch_dir();
  return {};
}

Result<void> Node::symlink(std::string_view name, const std::string& target, const Credentials& cred) {
  std::lock_guard lock(sb_->mu);
  LX_TMPFS_CREATE_CHECKS(cred)
  NodeRef n = TRY(new_node(abi::kSIflnk | 0777, cred));
  n->target_ = target;
  TRY(add_entry(name, std::move(n)));
  touch_dir();
  return {};
}

#undef LX_TMPFS_CREATE_CHECKS

Result<void> Node::link(std::string_view name, Inode&, std::string_view, Inode& target) {
  Node* t = as_node(target);
  if (!t || t->sb_ != sb_) return err(EXDEV);
  std::lock_guard lock(sb_->mu);
  if (type() != abi::kSIfdir) return err(ENOTDIR);
  if (nlink_ == 0) return err(ENOENT);
  if (find(name)) return err(EEXIST);
  if (t->type() == abi::kSIfdir) return err(EPERM);
  if (t->nlink_ == 0) return err(ENOENT);  // an unlinked file cannot come back by link()
  ++t->nlink_;
  t->ctime_ = now();
  TRY(add_entry(name, std::static_pointer_cast<Node>(t->shared_from_this())));
  touch_dir();
  return {};
}

Result<void> Node::unlink(std::string_view name) {
  std::lock_guard lock(sb_->mu);
  if (type() != abi::kSIfdir) return err(ENOTDIR);
  DirEntry* d = find(name);
  if (!d) return err(ENOENT);
  if (d->node->type() == abi::kSIfdir) return err(EISDIR);
  d->node->drop_link();
  remove_entry(name);
  touch_dir();
  return {};
}

Result<void> Node::rmdir(std::string_view name) {
  std::lock_guard lock(sb_->mu);
  if (type() != abi::kSIfdir) return err(ENOTDIR);
  DirEntry* d = find(name);
  if (!d) return err(ENOENT);
  Node& victim = *d->node;
  if (victim.type() != abi::kSIfdir) return err(ENOTDIR);
  if (!victim.entries_.empty()) return err(ENOTEMPTY);
  victim.nlink_ = 0;
  victim.ctime_ = now();
  victim.parent_.reset();
  remove_entry(name);
  touch_dir();
  return {};
}

Result<void> Node::rename(std::string_view old_name, Inode& new_dir_inode, std::string_view new_name,
                          unsigned flags) {
  Node* nd = as_node(new_dir_inode);
  if (!nd || nd->sb_ != sb_) return err(EXDEV);
  if (flags & ~(kRenameNoreplace | kRenameExchange)) return err(EINVAL);
  if ((flags & kRenameNoreplace) && (flags & kRenameExchange)) return err(EINVAL);
  std::lock_guard lock(sb_->mu);
  if (type() != abi::kSIfdir || nd->type() != abi::kSIfdir) return err(ENOTDIR);
  DirEntry* src = find(old_name);
  if (!src) return err(ENOENT);
  DirEntry* dst = nd->find(new_name);
  const bool exchange = flags & kRenameExchange;
  if (exchange && !dst) return err(ENOENT);
  if ((flags & kRenameNoreplace) && dst) return err(EEXIST);
  NodeRef s = src->node;
  NodeRef d = dst ? dst->node : nullptr;
  // Linux's lock_rename() traps: moving a directory below itself, or onto
  // one of its own ancestors.
  if (s->type() == abi::kSIfdir && s->is_ancestor_of(nd)) return err(EINVAL);
  if (d && d->type() == abi::kSIfdir && d->is_ancestor_of(this)) return err(exchange ? EINVAL : ENOTEMPTY);
  if (s == d) return {};  // two names of one inode: nothing to do
  if (d && !exchange) {
    if (s->type() == abi::kSIfdir && d->type() != abi::kSIfdir) return err(ENOTDIR);
    if (s->type() != abi::kSIfdir && d->type() == abi::kSIfdir) return err(EISDIR);
    if (d->type() == abi::kSIfdir && !d->entries_.empty()) return err(ENOTEMPTY);
  }
  const abi::Timespec t = now();
  if (exchange) {
    remove_entry(old_name);
    nd->remove_entry(new_name);
    TRY(nd->add_entry(new_name, s));
    TRY(add_entry(old_name, d));
    d->ctime_ = t;
  } else {
    if (d) {
      if (d->type() == abi::kSIfdir) {
        d->nlink_ = 0;
        d->parent_.reset();
      } else {
        d->drop_link();
      }
      nd->remove_entry(new_name);
    }
    remove_entry(old_name);
    TRY(nd->add_entry(new_name, s));
  }
  s->ctime_ = t;
  mtime_ = ctime_ = t;
  nd->mtime_ = nd->ctime_ = t;
  return {};
}

Result<uint64_t> Node::read_dir(std::span<uint8_t> buf, int64_t* pos) {
  if (type() != abi::kSIfdir) return err(ENOTDIR);
  std::lock_guard lock(sb_->mu);
  uint64_t used = 0;
  // Appends one linux_dirent64; false when it does not fit.
  auto emit = [&](uint64_t ino, int64_t next, uint8_t dtype, std::string_view name) {
    return put_dirent64(buf, used, ino, next, dtype, name);
  };
  if (*pos == 0) {
    if (!emit(ino_, 1, dtype_of(abi::kSIfdir), ".")) return used ? used : Result<uint64_t>(err(EINVAL));
    *pos = 1;
  }
  if (*pos == 1) {
    NodeRef p = parent_.lock();
    if (!emit(p ? p->ino_ : ino_, 2, dtype_of(abi::kSIfdir), ".."))
      return used ? used : Result<uint64_t>(err(EINVAL));
    *pos = 2;
  }
  // Positions are cookies, so entries added or removed meanwhile never make
  // the listing skip or repeat the ones that stay.
  for (auto it = by_cookie_.lower_bound(static_cast<uint64_t>(*pos)); it != by_cookie_.end(); ++it) {
    const DirEntry& d = entries_.find(it->second)->second;
    const auto next = static_cast<int64_t>(it->first + 1);
    if (!emit(d.node->ino_, next, dtype_of(d.node->type()), it->second)) {
      if (used == 0) return err(EINVAL);
      return used;
    }
    *pos = next;
  }
  if (*pos < static_cast<int64_t>(next_cookie_)) *pos = static_cast<int64_t>(next_cookie_);
  atime_ = now();
  return used;
}

}  // namespace lx::tmpfs
