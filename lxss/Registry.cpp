#include "lxss/Registry.h"

#include "lxss/HostTree.h"

#include <fcntl.h>
#include <ini.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace lx::lxss {

namespace {

constexpr char kDistroPrefix[] = "distro:";

struct ParseState {
  RegistryData* data;
  std::string bad;  // first unknown section or key
};

int on_entry(void* user, const char* section, const char* key, const char* value) {
  auto* st = static_cast<ParseState*>(user);
  const std::string s = section, k = key, v = value;
  if (s == "lx") {
    if (k == "default") st->data->default_name = v;
    return 1;  // keys of newer versions are ignored
  }
  if (s.rfind(kDistroPrefix, 0) != 0) {
    if (st->bad.empty()) st->bad = "unknown section [" + s + "]";
    return 1;
  }
  const std::string name = s.substr(sizeof kDistroPrefix - 1);
  Distro* d = st->data->find(name);
  if (!d) {
    st->data->distros.push_back(Distro{name, "", "", "Stopped"});
    d = &st->data->distros.back();
  }
  if (k == "dir") d->dir = v;
  else if (k == "user") d->default_user = v;
  return 1;
}

Error errno_error(const std::string& what, int e) { return what + ": " + std::strerror(e); }

}  // namespace

const Distro* RegistryData::find(const std::string& name) const {
  for (const Distro& d : distros)
    if (d.name == name) return &d;
  return nullptr;
}

Distro* RegistryData::find(const std::string& name) {
  for (Distro& d : distros)
    if (d.name == name) return &d;
  return nullptr;
}

std::string lx_home() {
  if (const char* h = std::getenv("LX_HOME"); h && *h) return h;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x == '/') return std::string(x) + "/lx";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/") + "/.local/share/lx";
}

bool valid_distro_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.' || name[0] == '-') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Error Registry::load(RegistryData& out) const {
  out = RegistryData{};
  FILE* f = std::fopen(path().c_str(), "re");
  if (!f) {
    if (errno == ENOENT) return {};
    return errno_error("cannot read the registry " + path(), errno);
  }
  ParseState st{&out, {}};
  const int line = ini_parse_file(f, on_entry, &st);
  std::fclose(f);
  if (line != 0) return "the registry " + path() + " is malformed at line " + std::to_string(line);
  if (!st.bad.empty()) return "the registry " + path() + " has an " + st.bad;
  return {};
}

Error Registry::lock() {
  if (lock_fd_ >= 0) return {};
  if (Error e = make_dirs(home_); !e.empty()) return e;
  const std::string p = home_ + "/registry.lock";
  lock_fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return errno_error("cannot create " + p, errno);
  if (::flock(lock_fd_, LOCK_EX) < 0) return errno_error("cannot lock " + p, errno);
  return {};
}

Registry::~Registry() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Error Registry::save(const RegistryData& data) const {
  std::string text = "# lx distro registry: written by lx, replaced atomically\n[lx]\n";
  text += "default = " + data.default_name + "\n";
  for (const Distro& d : data.distros) {
    text += "\n[" + std::string(kDistroPrefix) + d.name + "]\n";
    text += "dir = " + d.dir + "\n";
    text += "user = " + d.default_user + "\n";
  }
  const std::string tmp = path() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_error("cannot write the registry in " + home_, errno);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return errno_error("cannot write " + tmp, e);
    }
    done += static_cast<size_t>(n);
  }
  // Data on disk before the name points at it; then the rename itself.
  if (::fsync(fd) < 0 || ::close(fd) < 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return errno_error("cannot write " + tmp, e);
  }
  if (::rename(tmp.c_str(), path().c_str()) < 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return errno_error("cannot replace " + path(), e);
  }
  const int dfd = ::open(home_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace lx::lxss
