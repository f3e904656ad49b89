// A scratch directory for conformance programs that change the file tree:
// created with mkdtemp under /tmp (a tmpfs under lx, the host's /tmp
// natively) and removed with everything in it when the test ends.
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace conf {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/lxconf-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      perror("mkdtemp");
      abort();
    }
    path_ = tmpl;
  }
  ~TempDir() {
    // Depth-first, without following symlinks: children before parents.
    nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) {
          (void)::remove(p);
          return 0;  // keep going: remove what can be removed
        }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Absolute path of `rel` inside the directory.
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Creates (or truncates) a file holding `data`; returns false on failure.
inline bool WriteFile(const std::string& path, const std::string& data, mode_t mode = 0644) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return false;
  bool ok = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  return close(fd) == 0 && ok;
}

inline std::string ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return "<open failed>";
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

}  // namespace conf
