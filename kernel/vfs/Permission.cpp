#include "kernel/vfs/Permission.h"

namespace lx {

namespace {

constexpr unsigned kSuid = 04000, kSgid = 02000, kSticky = 01000;

unsigned type_of(const abi::Stat& st) { return st.st_mode & abi::kSIfmt; }

}  // namespace

Result<void> generic_permission(const abi::Stat& st, int mask, const Credentials& cred) {
  const auto want = static_cast<unsigned>(mask) & 7u;
  unsigned bits = st.st_mode;
  if (cred.uid == st.st_uid)
    bits >>= 6;
  else if (cred.in_group(st.st_gid))
    bits >>= 3;
  if ((want & ~bits & 7u) == 0) return {};
  const bool dir = type_of(st) == abi::kSIfdir;
  // CAP_DAC_OVERRIDE: everything on directories; on files all but executing
  // a file that nobody may execute.
  if (cred.capable(Credentials::kCapDacOverride) && (dir || !(want & kMayExec) || (st.st_mode & 0111)))
    return {};
  // CAP_DAC_READ_SEARCH: reading anything, searching directories.
  if (cred.capable(Credentials::kCapDacReadSearch)) {
    if (want == kMayRead) return {};
    if (dir && !(want & kMayWrite)) return {};
  }
  return err(EACCES);
}

Result<void> may_create(const abi::Stat& dir, const Credentials& cred) {
  return generic_permission(dir, kMayWrite | kMayExec, cred);
}

Result<void> may_delete(const abi::Stat& dir, const abi::Stat& victim, const Credentials& cred) {
  TRY(generic_permission(dir, kMayWrite | kMayExec, cred));
  if ((dir.st_mode & kSticky) && cred.uid != victim.st_uid && cred.uid != dir.st_uid &&
      !cred.capable(Credentials::kCapFowner))
    return err(EPERM);
  return {};
}

bool owner_or_capable(const abi::Stat& st, const Credentials& cred) {
  return cred.uid == st.st_uid || cred.capable(Credentials::kCapFowner);
}

Result<unsigned> check_chmod(const abi::Stat& st, unsigned mode, const Credentials& cred) {
  if (!owner_or_capable(st, cred)) return err(EPERM);
  mode &= 07777;
  if ((mode & kSgid) && !cred.in_group(st.st_gid) && !cred.capable(Credentials::kCapFsetid)) mode &= ~kSgid;
  return mode;
}

Result<void> check_chown(const abi::Stat& st, uint32_t uid, uint32_t gid, const Credentials& cred) {
  if (cred.capable(Credentials::kCapChown)) return {};
  const bool owner = cred.uid == st.st_uid;
  // Naming the current owner is a change only its owner may "make".
  if (uid != UINT32_MAX && !(owner && uid == st.st_uid)) return err(EPERM);
  if (gid != UINT32_MAX && !(owner && (gid == st.st_gid || cred.in_group(gid)))) return err(EPERM);
  return {};
}

unsigned mode_after_chown(unsigned mode) {
  if ((mode & abi::kSIfmt) == abi::kSIfdir) return mode;
  mode &= ~kSuid;
  if ((mode & kSgid) && (mode & 010)) mode &= ~kSgid;
  return mode;
}

unsigned mode_after_write(unsigned mode, const Credentials& cred) {
  if ((mode & abi::kSIfmt) != abi::kSIfreg || cred.capable(Credentials::kCapFsetid)) return mode;
  mode &= ~kSuid;
  if ((mode & kSgid) && (mode & 010)) mode &= ~kSgid;
  return mode;
}

Result<void> check_utimens(const abi::Stat& st, bool explicit_time, const Credentials& cred) {
  if (owner_or_capable(st, cred)) return {};
  if (explicit_time) return err(EPERM);
  return generic_permission(st, kMayWrite, cred);
}

TimesChange times_change(const abi::Timespec* times) {
  TimesChange c;
  SetAttr& a = c.attr;
  if (!times) {
    a.atime = a.mtime = abi::Timespec{0, kUtimeNow};
    return c;
  }
  if (times[0].tv_nsec != kUtimeOmit) a.atime = times[0];
  if (times[1].tv_nsec != kUtimeOmit) a.mtime = times[1];
  c.explicit_time = (a.atime && a.atime->tv_nsec != kUtimeNow) || (a.mtime && a.mtime->tv_nsec != kUtimeNow);
  return c;
}

NewOwner new_inode_owner(const abi::Stat& dir, unsigned mode, const Credentials& cred) {
  NewOwner o{cred.uid, cred.gid, mode};
  if (dir.st_mode & kSgid) {
    o.gid = dir.st_gid;
    if ((mode & abi::kSIfmt) == abi::kSIfdir) o.mode |= kSgid;
  }
  if ((o.mode & abi::kSIfmt) != abi::kSIfdir && (o.mode & kSgid) && (o.mode & 010) && !cred.in_group(o.gid) &&
      !cred.capable(Credentials::kCapFsetid))
    o.mode &= ~kSgid;
  return o;
}

}  // namespace lx
