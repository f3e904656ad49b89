#include "kernel/vfs/FileWait.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "kernel/abi/Poll.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

int poll_timeout_ms(const Deadline& deadline) {
  if (!deadline.at) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline.at - SteadyClock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
}

// Waits for the host fds or the task's wake eventfd with the big lock
// released; Task::wake() writes the eventfd while in_host_wait is set.
void host_sleep(Task& t, std::span<const HostPoll> host, const Deadline& deadline) {
  const int wfd = t.wake_fd();
  std::vector<pollfd> fds;
  fds.reserve(host.size() + 1);
  for (const HostPoll& h : host) fds.push_back({h.fd, h.events, 0});
  if (wfd >= 0) fds.push_back({wfd, POLLIN, 0});
  t.in_host_wait = true;
  t.thread().note_blocking();
  if (t.lock) t.lock->unlock();
  const int n = ::poll(fds.data(), fds.size(), poll_timeout_ms(deadline));
  if (t.lock) t.lock->lock();
  t.in_host_wait = false;
  if (n > 0 && wfd >= 0 && (fds.back().revents & POLLIN)) {
    uint64_t v;
    [[maybe_unused]] ssize_t r = ::read(wfd, &v, sizeof v);
  }
}

}  // namespace

void sleep_on(Task& t, std::span<WaitQueue* const> queues, std::span<const HostPoll> host,
              const Deadline& deadline) {
  for (WaitQueue* q : queues)
    if (q) q->add(t);
  if (host.empty())
    t.sleep(deadline);
  else
    host_sleep(t, host, deadline);
  for (WaitQueue* q : queues)
    if (q) q->remove(t);
}

bool may_wait(OpenFile& file) {
  if (file.status_flags() & abi::kONonblock) return false;
  return file.wait_queue() != nullptr || file.host_poll_fd() >= 0;
}

Result<void> wait_file(Task& t, OpenFile& file, unsigned events, const Deadline& deadline) {
  WaitQueue* q = file.wait_queue();
  const HostPoll hp{file.host_poll_fd(), static_cast<short>(events)};
  std::span<WaitQueue* const> queues = q ? std::span<WaitQueue* const>(&q, 1) : std::span<WaitQueue* const>();
  std::span<const HostPoll> host = hp.fd >= 0 ? std::span<const HostPoll>(&hp, 1) : std::span<const HostPoll>();
  return wait_until(t, queues, host, [&] { return (file.poll_events() & events) != 0; }, deadline);
}

namespace {

// A write that failed EAGAIN although the file polls writable needs more room
// than poll promises (an eventfd add that would overflow its counter): it
// sleeps until the next wake-up of the file's queue instead of spinning with
// the big lock held.
Result<void> wait_for_room(Task& t, OpenFile& file) {
  if (!(file.poll_events() & abi::kPollWritable) || !file.wait_queue()) return wait_file(t, file, abi::kPollWritable);
  WaitQueue* q = file.wait_queue();
  bool slept = false;
  return wait_until(t, std::span<WaitQueue* const>(&q, 1), {}, [&] { return std::exchange(slept, true); }, Deadline{});
}

}  // namespace

Result<uint64_t> read_waiting(Task& t, OpenFile& file, std::span<uint8_t> buf, std::optional<int64_t> pos) {
  for (;;) {
    Result<uint64_t> got = pos ? file.pread(buf, *pos) : file.read(buf);
    if (got.ok() || got.error() != EAGAIN || !may_wait(file)) return got;
    TRY(wait_file(t, file, abi::kPollReadable));
  }
}

Result<uint64_t> write_waiting(Task& t, OpenFile& file, std::span<const uint8_t> data, std::optional<int64_t> pos) {
  uint64_t done = 0;
  do {
    std::span<const uint8_t> rest = data.subspan(done);
    Result<uint64_t> put = pos ? file.pwrite(rest, *pos + static_cast<int64_t>(done)) : file.write(rest);
    if (!put.ok()) {
      Result<void> waited = err(put.error());
      if (put.error() == EAGAIN && may_wait(file)) waited = wait_for_room(t, file);
      if (waited.ok()) continue;
      if (done > 0) return done;
      return err(waited.error());
    }
    done += put.value();
    // Short: a non-blocking stream or a full disk ends the write here; a
    // blocking pipe comes back EAGAIN on the next try and waits.
    if (put.value() == 0 || (done < data.size() && !may_wait(file))) break;
  } while (done < data.size());
  return done;
}

}  // namespace lx
