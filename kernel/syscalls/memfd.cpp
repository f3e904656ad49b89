// memfd_create(2) and file seals. The file is a host memfd wrapped like any
// host-backed file, so MAP_SHARED mappings, fork sharing and the seals are
// the host kernel's own.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/Task.h"
#include "kernel/syscalls/Seals.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/HostFile.h"

namespace lx {

namespace {

constexpr unsigned kMfdCloexec = 1, kMfdAllowSealing = 2, kMfdHugetlb = 4, kMfdNoexecSeal = 8, kMfdExec = 0x10;
constexpr unsigned kMfdAllFlags = kMfdCloexec | kMfdAllowSealing | kMfdHugetlb | kMfdNoexecSeal | kMfdExec;
constexpr unsigned kMfdHugeMask = 0x3fu << 26;  // MFD_HUGE_* page size, only with MFD_HUGETLB
constexpr uint64_t kMfdNameMax = 249;           // NAME_MAX - strlen("memfd:")

Result<long> sys_memfd_create(Task& task, const SyscallArgs& a) {
  const auto flags = static_cast<unsigned>(a[1]);
  const unsigned allowed = (flags & kMfdHugetlb) ? kMfdAllFlags | kMfdHugeMask : kMfdAllFlags;
  if (flags & ~allowed) return err(EINVAL);
  Result<std::string> name = task.mem().read_string(a[0], kMfdNameMax);
  if (!name.ok()) return err(name.error() == ENAMETOOLONG ? EINVAL : name.error());
  // The host checks the rest (EXEC with NOEXEC_SEAL, hugetlb support).
  const int host_fd = ::memfd_create(name.value().c_str(), (flags & ~kMfdCloexec) | MFD_CLOEXEC);
  if (host_fd < 0) return err(errno);
  OpenFileRef file = make_host_fd_file(host_fd, abi::kORdwr | abi::kOLargefile);
  file->set_guest_path("/memfd:" + name.value() + " (deleted)");
  return TRY(task.fds().install(std::move(file), (flags & kMfdCloexec) != 0));
}

}  // namespace

Result<long> fcntl_seals(OpenFile& file, int cmd, uint64_t arg) {
  const int host_fd = file.host_fd_for_mmap();
  if (cmd == kFAddSeals) {
    // memfd_add_seals: a read-only description may not seal, whatever the file.
    if (!file.writable()) return err(EPERM);
    if (host_fd < 0) return err(EINVAL);
    if (::fcntl(host_fd, F_ADD_SEALS, static_cast<unsigned>(arg)) < 0) return err(errno);
    return 0;
  }
  if (host_fd < 0) return err(EINVAL);
  const int seals = ::fcntl(host_fd, F_GET_SEALS);
  if (seals < 0) return err(errno);
  return seals;
}

void register_memfd(SyscallTable& t) {
  using A = Arg;
  t.add(319, "memfd_create", Support::Full, sys_memfd_create, {A::Str, A::Hex});
}

}  // namespace lx
