// What the host answers for an extended attribute a file does not have,
// learned once per (host filesystem, file type, attribute name), so that
// `ls -l`'s two or three xattr queries per file (security.selinux,
// system.posix_acl_access, ..._default), nearly always ENODATA, can be
// answered from one listxattr of the file instead of one host call each.
//
// Why the learned answer holds for every file of the same type there: on
// the filesystems admitted (in-kernel ones whose listxattr lists exactly
// the names they store, plus any name a security module adds), a name
// missing from the list is answered by the filesystem's xattr handler for
// its namespace, which depends on the superblock (handler present, ACLs
// enabled) and the file type (symlinks have no ACLs: EOPNOTSUPP), not on
// the file. Only names whose read has no per-file permission check are
// admitted: security.* and the two POSIX ACL names (user.* needs read
// permission, trusted.* a capability). A security module that denies reads
// per file also denies the stat that must precede the shortcut.
//
// Not thread-safe: DirCache calls it under its own lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lx {

class XattrAbsence {
 public:
  // Whether answers for `xname` may be learned at all (see above).
  static bool learnable(std::string_view xname);
  // Whether `xname` is one of the NUL-terminated names in a listxattr result.
  static bool listed(std::string_view list, std::string_view xname);
  // Whether statfs's f_type is a filesystem whose list is exact (see above).
  static bool exact_lister(int64_t f_type);

  // The filesystem verdict for host st_dev `dev`; nullopt when not judged yet.
  std::optional<bool> fs_exact(uint64_t dev) const;
  void judge_fs(uint64_t dev, bool exact);

  // The errno the host gave for an unlisted `xname` on a file of `type`
  // (S_IFMT bits) on `dev`; nullopt when not learned.
  std::optional<int> answer(uint64_t dev, unsigned type, std::string_view xname) const;
  // Records the host's answer (ENODATA or EOPNOTSUPP; others are not
  // learned) for an unlisted learnable name on a judged-exact filesystem.
  void learn(uint64_t dev, unsigned type, std::string_view xname, int error);
  // The host returned a value for a name its list did not show: the
  // filesystem's list is not exact after all; learn nothing more from it.
  void distrust(uint64_t dev);

  void clear();

 private:
  struct Fs {
    uint64_t dev;
    bool exact;
  };
  struct Answer {
    uint64_t dev;
    unsigned type;
    std::string xname;
    int error;
  };
  // A handful of entries in practice (a few filesystems x a few types x
  // three names): linear search beats hashing, and the sizes are capped.
  static constexpr size_t kMaxFs = 16;
  static constexpr size_t kMaxAnswers = 64;
  std::vector<Fs> fs_;
  std::vector<Answer> answers_;
};

}  // namespace lx
