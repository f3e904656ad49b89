// Discretionary access control as Linux makes it in the VFS, for
// filesystems that keep their own owners and modes (tmpfs, lxfs): inode
// permission (generic_permission with CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH),
// the directory rules for creating and deleting names (W|X on the parent,
// the sticky bit), the owner rules of chmod/chown/utimens and the set-id
// bits that chmod, chown and writes clear. Hostfs does not use these: the
// host judges the provider's own user.
//
// All functions take the inode's current attributes (abi::Stat: st_mode,
// st_uid, st_gid) and the caller's Credentials; none touches a filesystem.
#pragma once

#include <cstdint>
#include <optional>

#include "kernel/abi/Linux.h"
#include "kernel/base/Result.h"
#include "kernel/vfs/Inode.h"

namespace lx {

// The calling guest task's filesystem credentials (fsuid, fsgid, groups,
// capabilities as syscalls/creds.cpp derives them); nullopt on threads that
// serve no guest task. Vfs::cred() adds the instance's default.
std::optional<Credentials> current_credentials();

// access(2)-style check of mask (kMayRead|kMayWrite|kMayExec): EACCES.
Result<void> generic_permission(const abi::Stat& st, int mask, const Credentials& cred);

// Creating a name in dir: write and search permission on it (EACCES).
Result<void> may_create(const abi::Stat& dir, const Credentials& cred);

// Deleting (unlink, rmdir, rename away or over) `victim` from dir: W|X on
// dir (EACCES), then the sticky rule: in a sticky directory only the
// victim's owner, the directory's owner or CAP_FOWNER may (EPERM).
Result<void> may_delete(const abi::Stat& dir, const abi::Stat& victim, const Credentials& cred);

// The caller owns the inode or has CAP_FOWNER (chmod, explicit times, xattrs).
bool owner_or_capable(const abi::Stat& st, const Credentials& cred);

// chmod: EPERM unless owner_or_capable; returns the permission bits to
// store (S_ISGID dropped when the caller is not in the file's group and
// lacks CAP_FSETID, as Linux does silently).
Result<unsigned> check_chmod(const abi::Stat& st, unsigned mode, const Credentials& cred);

// chown: uid/gid UINT32_MAX mean unchanged. Without CAP_CHOWN only the owner
// may change the group, to one of their groups, and nobody the owner (EPERM).
Result<void> check_chown(const abi::Stat& st, uint32_t uid, uint32_t gid, const Credentials& cred);

// The mode after a chown of a non-directory (killpriv): S_ISUID goes, and
// S_ISGID when it means setgid (group-executable), not mandatory locking.
unsigned mode_after_chown(unsigned mode);

// The mode after a write or truncate by `cred` (file_remove_privs): set-id
// bits go unless the writer has CAP_FSETID. Equal to mode when nothing changes.
unsigned mode_after_write(unsigned mode, const Credentials& cred);

// utimensat: explicit times need ownership or CAP_FOWNER (EPERM); "now"
// also write permission (EACCES).
Result<void> check_utimens(const abi::Stat& st, bool explicit_time, const Credentials& cred);

// utimensat's times[2] (null: both "now"; UTIME_OMIT leaves one alone) as
// the change to make; explicit_time: either is a given time, not "now".
struct TimesChange {
  SetAttr attr;
  bool explicit_time = false;
};
TimesChange times_change(const abi::Timespec* times);

// Group of a new inode in dir and its mode bits: a setgid directory hands
// down its group (and its S_ISGID to subdirectories); a new non-directory
// with S_ISGID for a group the creator is not in loses it (inode_init_owner).
struct NewOwner {
  uint32_t uid, gid;
  unsigned mode;  // with the type bits
};
NewOwner new_inode_owner(const abi::Stat& dir, unsigned mode, const Credentials& cred);

}  // namespace lx
