// prctl's capability queries that libcap makes (su, useradd and apt link
// it): PR_GET_SECUREBITS and PR_CAP_AMBIENT for a process that has no
// securebits, no ambient and no inheritable capabilities, as a shell or a
// service manager's root process starts.
#include "common.h"

#include <sys/prctl.h>

using namespace conf;

namespace {

constexpr unsigned long kLastCap = 40;  // CAP_CHECKPOINT_RESTORE, Linux 6.1

long Prctl(long op, unsigned long a2, unsigned long a3 = 0, unsigned long a4 = 0, unsigned long a5 = 0) {
  return syscall(SYS_prctl, op, a2, a3, a4, a5);
}

TEST(PrctlCaps, NoSecurebitsAreSet) { EXPECT_EQ(0, Prctl(PR_GET_SECUREBITS, 0)); }

TEST(PrctlCaps, AmbientIsSetIsZeroForEveryCapability) {
  for (unsigned long cap = 0; cap <= kLastCap; ++cap) EXPECT_EQ(0, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap)) << cap;
}

TEST(PrctlCaps, AmbientLowerAndClearAllSucceed) {
  EXPECT_EQ(0, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, 0));
  EXPECT_EQ(0, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0));
  EXPECT_EQ(0, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0));
}

TEST(PrctlCaps, AmbientRaiseWithoutInheritableCapabilityIsEPERM) {
  EXPECT_ERRNO(EPERM, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 0));
  EXPECT_EQ(0, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0));
}

TEST(PrctlCaps, AmbientBadArgumentsAreEINVAL) {
  EXPECT_ERRNO(EINVAL, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, kLastCap + 1));
  EXPECT_ERRNO(EINVAL, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, ~0ul));
  EXPECT_ERRNO(EINVAL, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 0, 1));
  EXPECT_ERRNO(EINVAL, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, 0, 0, 1));
  EXPECT_ERRNO(EINVAL, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1));
  EXPECT_ERRNO(EINVAL, Prctl(PR_CAP_AMBIENT, 0, 0));
  EXPECT_ERRNO(EINVAL, Prctl(PR_CAP_AMBIENT, 5, 0));
  // The capability is checked before the sub-operation.
  EXPECT_ERRNO(EINVAL, Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, kLastCap + 1));
}

}  // namespace
