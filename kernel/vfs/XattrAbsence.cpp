#include "kernel/vfs/XattrAbsence.h"

#include <cerrno>

namespace lx {

namespace {

// statfs f_type values (linux/magic.h) of in-kernel filesystems whose
// listxattr shows every stored name: ext2/3/4, xfs, btrfs, f2fs, tmpfs,
// overlayfs (hides only its private trusted.overlay.* names, which are
// not learnable).
constexpr int64_t kExactListers[] = {0xEF53, 0x58465342, 0x9123683E, 0xF2F52010, 0x01021994, 0x794C7630};

}  // namespace

bool XattrAbsence::learnable(std::string_view xname) {
  return (xname.starts_with("security.") && xname.size() > 9) || xname == "system.posix_acl_access" ||
         xname == "system.posix_acl_default";
}

bool XattrAbsence::listed(std::string_view list, std::string_view xname) {
  while (!list.empty()) {
    const size_t end = list.find('\0');
    const std::string_view name = list.substr(0, end);
    if (name == xname) return true;
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  return false;
}

bool XattrAbsence::exact_lister(int64_t f_type) {
  for (int64_t t : kExactListers)
    if (t == f_type) return true;
  return false;
}

std::optional<bool> XattrAbsence::fs_exact(uint64_t dev) const {
  for (const Fs& f : fs_)
    if (f.dev == dev) return f.exact;
  return std::nullopt;
}

void XattrAbsence::judge_fs(uint64_t dev, bool exact) {
  for (Fs& f : fs_) {
    if (f.dev == dev) {
      f.exact = f.exact && exact;  // a distrusted filesystem stays distrusted
      return;
    }
  }
  if (fs_.size() >= kMaxFs) clear();
  fs_.push_back(Fs{dev, exact});
}

std::optional<int> XattrAbsence::answer(uint64_t dev, unsigned type, std::string_view xname) const {
  for (const Answer& a : answers_)
    if (a.dev == dev && a.type == type && a.xname == xname) return a.error;
  return std::nullopt;
}

void XattrAbsence::learn(uint64_t dev, unsigned type, std::string_view xname, int error) {
  if (error != ENODATA && error != EOPNOTSUPP) return;
  if (!learnable(xname) || fs_exact(dev) != true || answer(dev, type, xname)) return;
  if (answers_.size() >= kMaxAnswers) answers_.clear();
  answers_.push_back(Answer{dev, type, std::string(xname), error});
}

void XattrAbsence::distrust(uint64_t dev) {
  judge_fs(dev, false);
  std::erase_if(answers_, [dev](const Answer& a) { return a.dev == dev; });
}

void XattrAbsence::clear() {
  fs_.clear();
  answers_.clear();
}

}  // namespace lx
