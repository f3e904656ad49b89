#include "kernel/net/unix/UnixNames.h"

#include <cstdio>

namespace lx {

std::shared_ptr<UnixSocket> UnixNames::find_inode(Key k) const {
  auto it = inodes_.find(k);
  return it == inodes_.end() ? nullptr : it->second.lock();
}

void UnixNames::bind_inode(Key k, const std::shared_ptr<UnixSocket>& s) { inodes_[k] = s; }

void UnixNames::unbind_inode(Key k, const UnixSocket* s) {
  auto it = inodes_.find(k);
  // Only the socket's own entry: a later bind may have reused the inode.
  if (it == inodes_.end()) return;
  std::shared_ptr<UnixSocket> cur = it->second.lock();
  if (!cur || cur.get() == s) inodes_.erase(it);
}

std::shared_ptr<UnixSocket> UnixNames::find_abstract(const std::string& name) const {
  auto it = abstract_.find(name);
  return it == abstract_.end() ? nullptr : it->second.lock();
}

bool UnixNames::bind_abstract(const std::string& name, const std::shared_ptr<UnixSocket>& s) {
  if (find_abstract(name)) return false;
  abstract_[name] = s;
  return true;
}

void UnixNames::unbind_abstract(const std::string& name, const UnixSocket* s) {
  auto it = abstract_.find(name);
  if (it == abstract_.end()) return;
  std::shared_ptr<UnixSocket> cur = it->second.lock();
  if (!cur || cur.get() == s) abstract_.erase(it);
}

std::string UnixNames::autobind_name() {
  for (uint32_t tries = 0; tries <= 0xfffff; ++tries) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%05x", next_auto_ & 0xfffff);
    ++next_auto_;
    if (!find_abstract(buf)) return buf;
  }
  return {};
}

}  // namespace lx
