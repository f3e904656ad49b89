// Host-side helpers shared by import, export and unregister.
#pragma once

#include <cstdint>
#include <string>

#include "lxss/Registry.h"

namespace lx::lxss {

// Deletes a host directory tree without following symlinks (rm -rf).
Error remove_tree(const std::string& path);

// Creates every missing directory of an absolute path (mode 0700).
Error make_dirs(const std::string& path);

// A one-line progress report on stderr, only when it is a terminal and
// --quiet was not given; redrawn at most a few times a second.
class Progress {
 public:
  Progress(const char* verb, bool enabled, int64_t total_bytes);
  void update(uint64_t files, uint64_t bytes);
  void finish();

 private:
  const char* verb_;
  bool enabled_;
  int64_t total_;
  int64_t last_ms_ = 0;
  uint64_t files_ = 0, bytes_ = 0;
  void draw();
};

}  // namespace lx::lxss
