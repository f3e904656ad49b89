#include "kernel/proc/PidFd.h"

#include "kernel/Task.h"
#include "kernel/abi/Poll.h"

namespace lx {

namespace {

class PidFdFile final : public OpenFile {
 public:
  PidFdFile(std::shared_ptr<PidHandle> h, int flags) : h_(std::move(h)) {
    set_status_flags(flags);
    set_guest_path("anon_inode:[pidfd]");
  }

  Result<abi::Stat> stat() override {
    // An anonymous inode: no file type bits, owner-only mode, as Linux shows it.
    abi::Stat st{};
    st.st_mode = 0600;
    st.st_nlink = 1;
    st.st_blksize = 4096;
    st.st_ino = static_cast<uint64_t>(h_->pid);
    return st;
  }
  // Readable once the process has exited; hung up once it is reaped.
  unsigned poll_events() override {
    unsigned ev = 0;
    if (h_->exited) ev |= abi::kPollIn | abi::kPollRdnorm;
    if (!h_->group) ev |= abi::kPollHup;
    return ev;
  }
  WaitQueue* wait_queue() override { return &h_->waiters; }

  const std::shared_ptr<PidHandle>& handle() const { return h_; }

 private:
  std::shared_ptr<PidHandle> h_;
};

}  // namespace

std::shared_ptr<PidHandle> pid_handle(ThreadGroup& tg) {
  if (!tg.pid_handle) {
    tg.pid_handle = std::make_shared<PidHandle>();
    tg.pid_handle->group = &tg;
    tg.pid_handle->pid = tg.pid();
    tg.pid_handle->exited = tg.zombie;
  }
  return tg.pid_handle;
}

void pid_handle_exited(ThreadGroup& tg) {
  if (!tg.pid_handle) return;
  tg.pid_handle->exited = true;
  tg.pid_handle->waiters.wake_all();
}

void pid_handle_released(ThreadGroup& tg) {
  if (!tg.pid_handle) return;
  tg.pid_handle->exited = true;
  tg.pid_handle->group = nullptr;
  tg.pid_handle->waiters.wake_all();
}

OpenFileRef make_pidfd(ThreadGroup& tg, int flags) { return std::make_shared<PidFdFile>(pid_handle(tg), flags); }

std::shared_ptr<PidHandle> pidfd_handle(OpenFile& f) {
  auto* p = dynamic_cast<PidFdFile*>(&f);
  return p ? p->handle() : nullptr;
}

}  // namespace lx
