// An epoll instance (epoll(7)): an interest list of (fd, file) pairs and
// their readiness through OpenFile::poll_events(). Level-triggered by
// default; EPOLLONESHOT disables an entry after it is reported; EPOLLET
// reports an entry when bits appear that were not set at its last check.
// Guarded by the big lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <utility>

#include "kernel/base/Result.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class PollWaitSet;

struct __attribute__((packed)) EpollEvent {  // struct epoll_event (x86-64 packs it)
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

constexpr int kEpollCtlAdd = 1, kEpollCtlDel = 2, kEpollCtlMod = 3;
constexpr uint32_t kEpollExclusive = 1u << 28, kEpollWakeup = 1u << 29, kEpollOneshot = 1u << 30,
                   kEpollEt = 1u << 31;

class EpollFile final : public OpenFile {
 public:
  EpollFile() { set_status_flags(2); }  // O_RDWR

  // epoll_ctl on `file` (installed at fd): EEXIST/ENOENT as Linux; `ev` is
  // ignored for DEL.
  Result<void> ctl(int op, int fd, const OpenFileRef& file, const EpollEvent& ev);
  // Fills `out` with ready entries (applying ONESHOT/ET bookkeeping to the
  // ones reported); returns how many.
  size_t collect(std::span<EpollEvent> out);
  // Adds every live watched file to `waits`.
  void add_waits(PollWaitSet& waits);

  Result<abi::Stat> stat() override;
  unsigned poll_events() override;

 private:
  struct Item {
    std::weak_ptr<OpenFile> file;  // a closed file leaves the set
    uint32_t events = 0;
    uint64_t data = 0;
    unsigned last = 0;  // EPOLLET: bits seen at the previous check
  };
  std::map<std::pair<int, const OpenFile*>, Item> items_;
};

EpollFile* as_epoll(OpenFile& f);

}  // namespace lx
