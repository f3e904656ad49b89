// Blocking on open files: the one place that turns "this file would block"
// (EAGAIN from a file that has a wait queue or a host fd to poll) into a
// sleep, for read/write, FIFO opens, poll/select and epoll.
//
// Files never block inside read()/write(): a pipe returns EAGAIN when it
// would, a host stream is only read once the host says it is ready. The
// caller holds the big lock; it is released while sleeping.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "kernel/Task.h"
#include "kernel/base/Result.h"
#include "kernel/sched/WaitQueue.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

// A host fd to watch while sleeping (a pollfd without revents).
struct HostPoll {
  int fd;
  short events;
};

// Sleeps once: registered on every queue and polling every host fd (with
// the big lock released) until a wake-up, a host fd event or the deadline.
// Spurious returns are possible.
void sleep_on(Task& t, std::span<WaitQueue* const> queues, std::span<const HostPoll> host,
              const Deadline& deadline);

// wait_event over any number of queues and host fds: returns once ready()
// holds (checked first), kErestartsys-like `interrupted_error` when a signal
// is pending, ETIMEDOUT at the deadline.
template <typename Ready>
Result<void> wait_until(Task& t, std::span<WaitQueue* const> queues, std::span<const HostPoll> host, Ready ready,
                        const Deadline& deadline = {}, int interrupted_error = kErestartsys) {
  for (;;) {
    if (ready()) return {};
    if (t.interrupted()) return err(interrupted_error);
    if (deadline.expired()) return err(ETIMEDOUT);
    sleep_on(t, queues, host, deadline);
  }
}

// Whether a read/write of `file` that failed EAGAIN should sleep and retry:
// the description is blocking and the file has something to wait on.
bool may_wait(OpenFile& file);

// Sleeps until file.poll_events() has one of `events` (abi::kPollReadable /
// kPollWritable).
Result<void> wait_file(Task& t, OpenFile& file, unsigned events, const Deadline& deadline = {});

// One read as read(2) makes it: waits while the file would block (blocking
// descriptions only). `pos` set: positional.
Result<uint64_t> read_waiting(Task& t, OpenFile& file, std::span<uint8_t> buf, std::optional<int64_t> pos);
// Writes all of `data` unless the file is non-blocking or stops short for
// another reason; waits for room in between. Bytes written win over a later
// error or interruption.
Result<uint64_t> write_waiting(Task& t, OpenFile& file, std::span<const uint8_t> data, std::optional<int64_t> pos);

}  // namespace lx
