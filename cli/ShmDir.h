// A private host directory for the instance's /dev/shm. POSIX shared memory
// (shm_open, sem_open, multiprocessing) needs files that can be mapped
// MAP_SHARED by several guest processes; a host tmpfs directory gives real
// host files for that, private to this instance and removed with it. The
// directory itself is mode 1777 (like Linux's /dev/shm) inside a private
// 0700 parent.
#pragma once

#include <string>

namespace lx::cli {

class ShmDir {
 public:
  ShmDir();   // creates it (empty path() if the host has no usable place)
  ~ShmDir();  // removes it with everything the guest left there
  ShmDir(const ShmDir&) = delete;
  ShmDir& operator=(const ShmDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string top_;   // the private parent that is removed
  std::string path_;  // top_/shm, the guest's /dev/shm
};

}  // namespace lx::cli
