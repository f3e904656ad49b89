// posix_fadvise and readahead: hints about future access. The host's page
// cache decides what to keep, so after Linux's checks there is nothing to do.
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

constexpr int kFadvDontneed = 4, kFadvNoreuse = 5;

Result<long> sys_fadvise64(Task& t, const SyscallArgs& a) {
  OpenFileRef f = TRY(t.fds().get(arg_int(a[0])));
  const int advice = arg_int(a[3]);
  if (static_cast<int64_t>(a[2]) < 0) return err(EINVAL);
  if (advice < 0 || advice > kFadvNoreuse) return err(EINVAL);
  (void)kFadvDontneed;
  // Pipes and FIFOs (and other non-seekable files) are ESPIPE.
  if (!f->is_regular() && !f->is_directory()) return err(ESPIPE);
  return 0;
}

Result<long> sys_readahead(Task& t, const SyscallArgs& a) {
  OpenFileRef f = TRY(t.fds().get(arg_int(a[0])));
  if (!f->readable()) return err(EBADF);
  if (!f->is_regular()) return err(EINVAL);
  return 0;
}

}  // namespace

void register_file_advice(SyscallTable& t) {
  using A = Arg;
  t.add(221, "fadvise64", Support::Full, sys_fadvise64, {A::Fd, A::Long, A::Long, A::Int});
  t.add(187, "readahead", Support::Full, sys_readahead, {A::Fd, A::Long, A::Size});
}

}  // namespace lx
