// Where bound AF_UNIX sockets are found: filesystem names by the socket
// inode's identity (st_dev, st_ino of the S_IFSOCK node bind created, so
// tmpfs and hostfs work alike and unlink/rename behave as on Linux), and
// abstract names (sun_path[0] == 0) in a table private to the instance.
// Entries are weak: a closed socket's name refuses connections
// (ECONNREFUSED) while its inode remains.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace lx {

class UnixSocket;

class UnixNames {
 public:
  using Key = std::pair<uint64_t, uint64_t>;  // st_dev, st_ino

  std::shared_ptr<UnixSocket> find_inode(Key k) const;
  void bind_inode(Key k, const std::shared_ptr<UnixSocket>& s);
  void unbind_inode(Key k, const UnixSocket* s);

  std::shared_ptr<UnixSocket> find_abstract(const std::string& name) const;
  // False (EADDRINUSE) if a live socket holds the name.
  bool bind_abstract(const std::string& name, const std::shared_ptr<UnixSocket>& s);
  void unbind_abstract(const std::string& name, const UnixSocket* s);

  // A free autobind name: five hex digits, as unix_autobind picks them.
  std::string autobind_name();

 private:
  std::map<Key, std::weak_ptr<UnixSocket>> inodes_;
  std::map<std::string, std::weak_ptr<UnixSocket>> abstract_;
  uint32_t next_auto_ = 0;
};

}  // namespace lx
