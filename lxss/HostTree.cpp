#include "lxss/HostTree.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace lx::lxss {

namespace {

int g_remove_errno = 0;

int remove_one(const char* path, const struct stat* /*st*/, int type, struct FTW* /*ftw*/) {
  const int rc = type == FTW_DP ? ::rmdir(path) : ::unlink(path);
  if (rc < 0 && errno != ENOENT && g_remove_errno == 0) g_remove_errno = errno;
  return 0;  // keep going: remove as much as possible
}

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

Error remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) return errno == ENOENT ? Error{} : path + ": " + std::strerror(errno);
  g_remove_errno = 0;
  if (::nftw(path.c_str(), remove_one, 32, FTW_DEPTH | FTW_PHYS) < 0) return "cannot remove " + path + ": " + std::strerror(errno);
  if (g_remove_errno != 0) return "cannot remove " + path + ": " + std::strerror(g_remove_errno);
  return {};
}

Error make_dirs(const std::string& path) {
  for (size_t i = path.find('/', 1);; i = path.find('/', i + 1)) {
    const std::string p = path.substr(0, i);
    if (::mkdir(p.c_str(), 0700) < 0 && errno != EEXIST) return "cannot create " + p + ": " + std::strerror(errno);
    if (i == std::string::npos) break;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) < 0) return "cannot use " + path + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "cannot use " + path + ": " + std::strerror(ENOTDIR);
  return {};
}

Progress::Progress(const char* verb, bool enabled, int64_t total_bytes)
    : verb_(verb), enabled_(enabled && ::isatty(STDERR_FILENO)), total_(total_bytes) {}

void Progress::update(uint64_t files, uint64_t bytes) {
  files_ = files;
  bytes_ = bytes;
  if (!enabled_) return;
  const int64_t t = now_ms();
  if (t - last_ms_ < 200) return;
  last_ms_ = t;
  draw();
}

void Progress::draw() {
  const double mib = static_cast<double>(bytes_) / (1024.0 * 1024.0);
  if (total_ > 0) {
    constexpr int kWidth = 30;
    const double frac = std::min(1.0, static_cast<double>(bytes_) / static_cast<double>(total_));
    const int full = static_cast<int>(frac * kWidth);
    std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %llu files, %.1f MiB", verb_, full,
                 "##############################", kWidth - full, "", static_cast<int>(frac * 100),
                 static_cast<unsigned long long>(files_), mib);
  } else {
    std::fprintf(stderr, "\r%s %llu files, %.1f MiB", verb_, static_cast<unsigned long long>(files_), mib);
  }
}

void Progress::finish() {
  if (!enabled_) return;
  if (total_ > 0) bytes_ = static_cast<uint64_t>(total_);
  draw();
  std::fputc('\n', stderr);
}

}  // namespace lx::lxss
