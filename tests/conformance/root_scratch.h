// A fixture for tests that start as root and change a scratch tree: a
// mkdtemp directory under $LXCONF_DAC_DIR (default /tmp; the .lxfs variants
// point it into an lxfs tree), umask 022 while the test runs, and the tree
// removed afterwards.
#pragma once

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "common.h"

namespace conf {

class RootScratchTest : public ::testing::Test {
 protected:
  explicit RootScratchTest(const char* prefix) : prefix_(prefix) {}
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs to start as root";
    const char* base = std::getenv("LXCONF_DAC_DIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/" + prefix_ + "-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl.data()));
    dir_ = tmpl;
    old_umask_ = umask(022);
  }
  void TearDown() override {
    umask(old_umask_);
    if (dir_.empty()) return;
    nftw(dir_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p), 0; }, 16,
         FTW_DEPTH | FTW_PHYS);
  }
  std::string P(const std::string& rel) const { return dir_ + "/" + rel; }

  std::string dir_;
  mode_t old_umask_ = 022;

 private:
  const char* prefix_;
};

}  // namespace conf
