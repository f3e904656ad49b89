// Credentials: the setuid/setgid families, setfsuid/setfsgid, supplementary
// groups and capget/capset. Every change happens in a forked child, so the
// other tests keep the credentials the program started with. Cases that
// start from root are skipped when the program runs unprivileged.
#include "common.h"

#include <sys/fsuid.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

using namespace conf;

namespace {

// Runs body in a forked child and returns its exit status: 0 when no
// expectation failed in the child (the child prints its own failures).
template <typename F>
int InChild(F body) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    body();
    fflush(nullptr);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define SKIP_UNLESS_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs to start as root"

constexpr uid_t kNoChange = static_cast<uid_t>(-1);

std::array<uid_t, 3> ResUid() {
  std::array<uid_t, 3> r{};
  EXPECT_EQ(0, getresuid(&r[0], &r[1], &r[2]));
  return r;
}
std::array<gid_t, 3> ResGid() {
  std::array<gid_t, 3> r{};
  EXPECT_EQ(0, getresgid(&r[0], &r[1], &r[2]));
  return r;
}
using Ids = std::array<uint32_t, 3>;

// setfsuid(-1) changes nothing and returns the current fsuid.
uid_t FsUid() { return static_cast<uid_t>(syscall(SYS_setfsuid, kNoChange)); }
gid_t FsGid() { return static_cast<gid_t>(syscall(SYS_setfsgid, kNoChange)); }

// Raw calls: glibc's wrappers broadcast to threads and abort on some errors.
long SetUid(uid_t u) { return syscall(SYS_setuid, u); }
long SetGid(gid_t g) { return syscall(SYS_setgid, g); }
long SetReUid(uid_t r, uid_t e) { return syscall(SYS_setreuid, r, e); }
long SetReGid(gid_t r, gid_t e) { return syscall(SYS_setregid, r, e); }
long SetResUid(uid_t r, uid_t e, uid_t s) { return syscall(SYS_setresuid, r, e, s); }
long SetResGid(gid_t r, gid_t e, gid_t s) { return syscall(SYS_setresgid, r, e, s); }
long SetGroups(long n, const gid_t* list) { return syscall(SYS_setgroups, n, list); }
long GetGroups(long n, gid_t* list) { return syscall(SYS_getgroups, n, list); }

// ---- capabilities (linux/capability.h)
constexpr uint32_t kCapV1 = 0x19980330, kCapV3 = 0x20080522;
constexpr int kCapChown = 0, kCapSetgid = 6, kCapSetuid = 7;
struct CapHeader {
  uint32_t version;
  int pid;
};
struct CapData {
  uint32_t effective, permitted, inheritable;
};
long CapGet(CapHeader* h, CapData* d) { return syscall(SYS_capget, h, d); }
long CapSet(CapHeader* h, const CapData* d) { return syscall(SYS_capset, h, d); }

// The low 32 bits of the calling process's effective and permitted sets.
std::pair<uint32_t, uint32_t> Caps(int pid = 0) {
  CapHeader h{kCapV3, pid};
  std::array<CapData, 2> d{};
  EXPECT_EQ(0, CapGet(&h, d.data()));
  return {d[0].effective, d[0].permitted};
}
bool Has(uint32_t set, int cap) { return (set >> cap) & 1; }

}  // namespace

// ---- setuid

TEST(SetUid, RootSetsAllThreeIdsAndCannotComeBack) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, SetUid(1000));
    EXPECT_EQ((Ids{1000, 1000, 1000}), ResUid());
    EXPECT_EQ(1000u, FsUid());
    EXPECT_ERRNO(EPERM, SetUid(0));
    EXPECT_ERRNO(EPERM, SetUid(1001));
    EXPECT_ERRNO(EPERM, SetReUid(kNoChange, 0));
    EXPECT_ERRNO(EPERM, SetReUid(0, kNoChange));
    EXPECT_ERRNO(EPERM, SetResUid(kNoChange, 0, kNoChange));
    EXPECT_ERRNO(EPERM, SetResUid(kNoChange, kNoChange, 0));
    EXPECT_EQ(0, SetUid(1000));  // its own id is always allowed
    EXPECT_EQ((Ids{1000, 1000, 1000}), ResUid());
  }));
}

TEST(SetUid, MinusOneIsInvalidNotNoChange) {
  EXPECT_EQ(0, InChild([] {
    EXPECT_ERRNO(EINVAL, SetUid(kNoChange));
    EXPECT_ERRNO(EINVAL, SetGid(kNoChange));
  }));
}

TEST(SetUid, UnprivilegedSetsOnlyEffectiveToRealOrSaved) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, SetResUid(1000, 1001, 1002));
    EXPECT_ERRNO(EPERM, SetUid(1001));  // the effective id is not a source
    EXPECT_EQ(0, SetUid(1002));
    EXPECT_EQ((Ids{1000, 1002, 1002}), ResUid());
    EXPECT_EQ(0, SetUid(1000));
    EXPECT_EQ((Ids{1000, 1000, 1002}), ResUid());
    EXPECT_EQ(1000u, FsUid());
  }));
}

// ---- setreuid

TEST(SetReUid, SavedIdFollowsRules) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    // Setting the real id copies the new effective id to the saved one.
    ASSERT_EQ(0, SetReUid(1000, 1001));
    EXPECT_EQ((Ids{1000, 1001, 1001}), ResUid());
    // An effective id equal to the real one leaves the saved id alone.
    EXPECT_EQ(0, SetReUid(kNoChange, 1000));
    EXPECT_EQ((Ids{1000, 1000, 1001}), ResUid());
    // The real id may only become the real or effective id.
    EXPECT_ERRNO(EPERM, SetReUid(1001, kNoChange));
    // Any other effective id updates the saved id.
    EXPECT_EQ(0, SetReUid(kNoChange, 1001));
    EXPECT_EQ((Ids{1000, 1001, 1001}), ResUid());
    EXPECT_EQ(0, SetReUid(1001, kNoChange));
    EXPECT_EQ((Ids{1001, 1001, 1001}), ResUid());
    EXPECT_ERRNO(EPERM, SetReUid(1000, kNoChange));
    EXPECT_ERRNO(EPERM, SetReUid(kNoChange, 1000));
    EXPECT_EQ(1001u, FsUid());
  }));
}

TEST(SetReUid, SwapRealAndEffective) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, SetResUid(1000, 1001, 1001));
    EXPECT_EQ(0, SetReUid(1001, 1000));
    EXPECT_EQ((Ids{1001, 1000, 1000}), ResUid());
  }));
}

// ---- setresuid

TEST(SetResUid, RoundTripThroughSavedRoot) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, SetResUid(1000, 1001, 0));
    EXPECT_EQ((Ids{1000, 1001, 0}), ResUid());
    EXPECT_EQ(1001u, FsUid());  // fsuid follows the effective id
    // Unprivileged now, but each id may become any of the three.
    EXPECT_ERRNO(EPERM, SetResUid(kNoChange, 1002, kNoChange));
    EXPECT_EQ(0, SetResUid(1001, 1000, 1001));
    EXPECT_EQ((Ids{1001, 1000, 1001}), ResUid());
    EXPECT_ERRNO(EPERM, SetResUid(kNoChange, kNoChange, 0));  // 0 is gone now
  }));
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, SetResUid(1000, 1001, 0));
    // The saved 0 makes root reachable again, and with it full privilege.
    EXPECT_EQ(0, SetResUid(kNoChange, 0, kNoChange));
    EXPECT_EQ((Ids{1000, 0, 0}), ResUid());
    EXPECT_EQ(0u, FsUid());
    EXPECT_EQ(0, SetResUid(5, 6, 7));
    EXPECT_EQ((Ids{5, 6, 7}), ResUid());
    EXPECT_ERRNO(EPERM, SetResUid(0, kNoChange, kNoChange));
  }));
}

TEST(SetResUid, AllMinusOneIsANoOp) {
  EXPECT_EQ(0, InChild([] {
    auto before = ResUid();
    EXPECT_EQ(0, SetResUid(kNoChange, kNoChange, kNoChange));
    EXPECT_EQ(before, ResUid());
  }));
}

// ---- setfsuid

TEST(SetFsUid, ReturnsThePreviousValueAndNeverFails) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    EXPECT_EQ(0, syscall(SYS_setfsuid, 1234));
    EXPECT_EQ(1234, syscall(SYS_setfsuid, kNoChange));
    EXPECT_EQ((Ids{0, 0, 0}), ResUid());  // only the fsuid moved
    EXPECT_EQ(1234, syscall(SYS_setfsuid, 0));
    EXPECT_EQ(0u, FsUid());
    ASSERT_EQ(0, SetResUid(1000, 1001, 1002));
    EXPECT_EQ(1001u, FsUid());
    // Unprivileged: only the real, effective, saved or current fs id.
    EXPECT_EQ(1001, syscall(SYS_setfsuid, 1002));
    EXPECT_EQ(1002, syscall(SYS_setfsuid, 4321));  // refused, still reports
    EXPECT_EQ(1002u, FsUid());
    EXPECT_EQ(1002, syscall(SYS_setfsuid, 0));
    EXPECT_EQ(1002u, FsUid());
    EXPECT_EQ(1002, syscall(SYS_setfsuid, 1000));
    EXPECT_EQ(1000u, FsUid());
  }));
}

TEST(SetFsGid, ReturnsThePreviousValueAndNeverFails) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, SetResGid(100, 200, 300));
    EXPECT_EQ(200u, FsGid());
    EXPECT_EQ(200, syscall(SYS_setfsgid, 999));  // root may pick any
    EXPECT_EQ(999u, FsGid());
    ASSERT_EQ(0, SetResUid(1000, 1000, 1000));
    EXPECT_EQ(999, syscall(SYS_setfsgid, 555));  // refused
    EXPECT_EQ(999u, FsGid());
    EXPECT_EQ(999, syscall(SYS_setfsgid, 300));
    EXPECT_EQ(300u, FsGid());
  }));
}

// ---- the gid family: privilege comes from the uid (CAP_SETGID)

TEST(SetGid, RootWithAnyGidSetsAll) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, SetResGid(100, 200, 300));
    EXPECT_EQ((Ids{100, 200, 300}), ResGid());
    EXPECT_EQ(0, SetGid(5));
    EXPECT_EQ((Ids{5, 5, 5}), ResGid());
    EXPECT_EQ(5u, FsGid());
  }));
}

TEST(SetGid, UnprivilegedSwitchesAmongItsOwnGids) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, SetResGid(100, 200, 300));
    ASSERT_EQ(0, SetResUid(1000, 1000, 1000));
    EXPECT_ERRNO(EPERM, SetGid(200));  // not the real or saved gid
    EXPECT_EQ(0, SetGid(300));
    EXPECT_EQ((Ids{100, 300, 300}), ResGid());
    EXPECT_ERRNO(EPERM, SetGid(400));
    EXPECT_ERRNO(EPERM, SetResGid(400, kNoChange, kNoChange));
    EXPECT_ERRNO(EPERM, SetReGid(kNoChange, 400));
    EXPECT_EQ(0, SetReGid(kNoChange, 100));  // equal to the real gid: saved stays
    EXPECT_EQ((Ids{100, 100, 300}), ResGid());
    EXPECT_ERRNO(EPERM, SetReGid(300, kNoChange));  // real: only real or effective
    EXPECT_EQ(0, SetResGid(300, 100, 100));
    EXPECT_EQ((Ids{300, 100, 100}), ResGid());
    EXPECT_EQ(100u, FsGid());
  }));
}

// ---- supplementary groups

TEST(Groups, SizeQueryAndCopyAgree) {
  long n = GetGroups(0, nullptr);
  ASSERT_GE(n, 0);
  std::vector<gid_t> list(static_cast<size_t>(n) + 1);
  EXPECT_EQ(n, GetGroups(static_cast<long>(list.size()), list.data()));
  EXPECT_ERRNO(EINVAL, GetGroups(-1, list.data()));
}

TEST(Groups, SetSortsAndGetChecksTheSize) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    const gid_t want[] = {30, 10, 20, 10};
    ASSERT_EQ(0, SetGroups(4, want));
    EXPECT_EQ(4, GetGroups(0, nullptr));
    std::array<gid_t, 5> got{};
    got.fill(77);
    EXPECT_EQ(4, GetGroups(5, got.data()));
    EXPECT_EQ((std::array<gid_t, 5>{10, 10, 20, 30, 77}), got);
    EXPECT_ERRNO(EINVAL, GetGroups(3, got.data()));
    EXPECT_ERRNO(EFAULT, GetGroups(4, static_cast<gid_t*>(kOnePtr)));
    EXPECT_EQ(4, GetGroups(0, static_cast<gid_t*>(kOnePtr)));  // nothing copied
    ASSERT_EQ(0, SetGroups(0, nullptr));
    EXPECT_EQ(0, GetGroups(0, nullptr));
    EXPECT_EQ(0, GetGroups(1, got.data()));
  }));
}

TEST(Groups, SetRejectsBadSizesAndIds) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    const gid_t one[] = {1};
    EXPECT_ERRNO(EINVAL, SetGroups(65537, one));
    EXPECT_ERRNO(EINVAL, SetGroups(-1, one));
    const gid_t bad[] = {5, static_cast<gid_t>(-1)};
    EXPECT_ERRNO(EINVAL, SetGroups(2, bad));
    EXPECT_ERRNO(EFAULT, SetGroups(1, static_cast<gid_t*>(kOnePtr)));
  }));
}

TEST(Groups, SetNeedsPrivilegeBeforeAnythingElse) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    const gid_t one[] = {1};
    ASSERT_EQ(0, SetGroups(1, one));
    ASSERT_EQ(0, SetResUid(1000, 1000, 1000));
    EXPECT_ERRNO(EPERM, SetGroups(1, one));
    EXPECT_ERRNO(EPERM, SetGroups(0, nullptr));
    EXPECT_ERRNO(EPERM, SetGroups(65537, one));
    EXPECT_ERRNO(EPERM, SetGroups(1, static_cast<gid_t*>(kOnePtr)));
    gid_t got = 0;
    EXPECT_EQ(1, GetGroups(1, &got));  // dropping the uid kept the list
    EXPECT_EQ(1u, got);
  }));
}

// ---- capget / capset

TEST(CapGet, BadVersionIsEINVALAndWritesThePreferredOne) {
  CapHeader h{0x12345678, 0};
  std::array<CapData, 2> d{};
  EXPECT_ERRNO(EINVAL, CapGet(&h, d.data()));
  EXPECT_EQ(kCapV3, h.version);
  h.version = 0;
  EXPECT_EQ(0, CapGet(&h, nullptr));  // the version probe succeeds
  EXPECT_EQ(kCapV3, h.version);
  EXPECT_EQ(0, CapGet(&h, nullptr));
  EXPECT_ERRNO(EFAULT, CapGet(static_cast<CapHeader*>(kOnePtr), d.data()));
  h.version = 1;
  EXPECT_ERRNO(EINVAL, CapSet(&h, d.data()));
  EXPECT_EQ(kCapV3, h.version);
}

TEST(CapGet, NegativePidIsEINVAL) {
  CapHeader h{kCapV3, -1};
  std::array<CapData, 2> d{};
  EXPECT_ERRNO(EINVAL, CapGet(&h, d.data()));
}

TEST(CapGet, Version1CopiesOneWord) {
  CapHeader h{kCapV1, 0};
  std::array<CapData, 2> d{};
  d[1] = CapData{0xaaaaaaaa, 0xbbbbbbbb, 0xcccccccc};
  EXPECT_EQ(0, CapGet(&h, d.data()));
  EXPECT_EQ(0xaaaaaaaau, d[1].effective);
  EXPECT_EQ(0xbbbbbbbbu, d[1].permitted);
  EXPECT_EQ(0xccccccccu, d[1].inheritable);
}

TEST(CapGet, RootHasSetuidAndOthersNothing) {
  SKIP_UNLESS_ROOT();
  auto [eff, perm] = Caps();
  EXPECT_TRUE(Has(eff, kCapSetuid));
  EXPECT_TRUE(Has(eff, kCapSetgid));
  EXPECT_TRUE(Has(perm, kCapSetuid));
  const pid_t self = getpid();
  EXPECT_EQ(0, InChild([self] {
    ASSERT_EQ(0, SetUid(1000));
    auto [e, p] = Caps();
    EXPECT_EQ(0u, e);
    EXPECT_EQ(0u, p);
    // Another process's sets are visible.
    auto [pe, pp] = Caps(self);
    EXPECT_TRUE(Has(pe, kCapSetuid));
    EXPECT_TRUE(Has(pp, kCapSetuid));
  }));
}

TEST(CapGet, EffectiveFollowsTheEffectiveUid) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, SetResUid(0, 1000, 0));
    auto [e, p] = Caps();
    EXPECT_EQ(0u, e);  // cleared with euid
    EXPECT_TRUE(Has(p, kCapSetuid));  // kept while some id is 0
    ASSERT_EQ(0, SetResUid(kNoChange, 0, kNoChange));
    auto [e2, p2] = Caps();
    EXPECT_EQ(p2, e2);  // back to the permitted set
    EXPECT_TRUE(Has(e2, kCapSetuid));
  }));
}

TEST(CapGet, FsuidDropsOnlyFilesystemCapabilities) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_TRUE(Has(Caps().first, kCapChown));
    syscall(SYS_setfsuid, 1000);
    auto [e, p] = Caps();
    EXPECT_FALSE(Has(e, kCapChown));
    EXPECT_TRUE(Has(e, kCapSetuid));
    EXPECT_TRUE(Has(p, kCapChown));
  }));
}

TEST(CapSet, SameSetsSucceedAndRaisingFails) {
  EXPECT_EQ(0, InChild([] {
    CapHeader h{kCapV3, 0};
    std::array<CapData, 2> d{};
    ASSERT_EQ(0, CapGet(&h, d.data()));
    EXPECT_EQ(0, CapSet(&h, d.data()));
    if (geteuid() == 0) {
      ASSERT_EQ(0, SetUid(1000));
    }
    std::array<CapData, 2> up{};
    up[0].permitted = up[0].effective = 1u << kCapSetuid;
    EXPECT_ERRNO(EPERM, CapSet(&h, up.data()));
    up[0].permitted = 0;  // effective outside permitted
    EXPECT_ERRNO(EPERM, CapSet(&h, up.data()));
    up[0].effective = 0;
    up[0].inheritable = 1u << kCapSetuid;  // inheritable outside permitted
    EXPECT_ERRNO(EPERM, CapSet(&h, up.data()));
    std::array<CapData, 2> none{};
    EXPECT_EQ(0, CapSet(&h, none.data()));
  }));
}

TEST(CapSet, OtherPidIsEPERM) {
  EXPECT_EQ(0, InChild([] {
    CapHeader h{kCapV3, 0};
    std::array<CapData, 2> d{};
    ASSERT_EQ(0, CapGet(&h, d.data()));
    h.pid = getppid();
    EXPECT_ERRNO(EPERM, CapSet(&h, d.data()));
    h.pid = 0;
    EXPECT_ERRNO(EFAULT, CapSet(&h, static_cast<CapData*>(kOnePtr)));
  }));
}
