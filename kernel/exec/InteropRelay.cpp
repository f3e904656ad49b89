#include "kernel/exec/InteropRelay.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <span>

namespace lx {

namespace {

constexpr size_t kChunk = size_t{64} * 1024;
// Chunks moved per relay and pump: the big lock is held meanwhile, and a
// host program writing to a guest file that never fills must not keep it.
constexpr int kChunksPerPump = 16;

}  // namespace

StdioRelays::~StdioRelays() {
  for (Relay& r : relays_) {
    if (r.ours >= 0) ::close(r.ours);
    if (r.theirs >= 0) ::close(r.theirs);
  }
}

Result<void> StdioRelays::prepare(Task& t, int (&host_fds)[3]) {
  for (int fd = 0; fd < 3; ++fd) {
    host_fds[fd] = -1;
    Result<OpenFileRef> f = t.fds().get(fd);
    if (!f.ok()) continue;
    Result<bool> cloexec = t.fds().cloexec(fd);
    if (cloexec.ok() && cloexec.value()) continue;
    OpenFileRef file = f.release_value();
    if (const int host = file->host_fd_for_mmap(); host >= 0) {
      host_fds[fd] = host;
      passed_.push_back(std::move(file));
      continue;
    }
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return err(errno);
    Relay& r = relays_[static_cast<size_t>(fd)];
    r.to_host = fd == 0;
    r.guest = std::move(file);
    r.ours = r.to_host ? p[1] : p[0];
    r.theirs = r.to_host ? p[0] : p[1];
    // Only our end is non-blocking: the program sees an ordinary pipe.
    ::fcntl(r.ours, F_SETFL, O_NONBLOCK);
    host_fds[fd] = r.theirs;
  }
  return {};
}

void StdioRelays::started() {
  for (Relay& r : relays_) {
    if (r.theirs >= 0) ::close(r.theirs);
    r.theirs = -1;
  }
  passed_.clear();
}

void StdioRelays::finish(Relay& r) {
  if (r.ours >= 0) ::close(r.ours);
  r.ours = -1;
  r.guest = nullptr;
  r.buf.clear();
}

// Guest file -> host pipe. EOF from the guest closes the pipe, so the
// program reads EOF; a program that closed its stdin ends the relay.
void StdioRelays::pump_to_host(Relay& r) {
  for (int budget = kChunksPerPump; budget > 0; --budget) {
    r.guest_blocked = false;
    if (r.off == r.buf.size() && !r.eof) {
      r.buf.resize(kChunk);
      r.off = 0;
      Result<uint64_t> n = r.guest->read(std::span<uint8_t>(r.buf.data(), r.buf.size()));
      if (!n.ok() && n.error() == EAGAIN) {
        r.buf.clear();
        r.guest_blocked = true;
        return;
      }
      r.buf.resize(n.ok() ? static_cast<size_t>(n.value()) : 0);
      if (!n.ok() || n.value() == 0) r.eof = true;
    }
    if (r.off == r.buf.size()) {
      if (r.eof) finish(r);
      return;
    }
    const ssize_t w = ::write(r.ours, r.buf.data() + r.off, r.buf.size() - r.off);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (w < 0) {
      finish(r);
      return;
    }
    r.off += static_cast<size_t>(w);
  }
}

// Host pipe -> guest file. EOF (every writer of the pipe is gone) or, once
// the program has ended, no more data ends the relay; a guest reader that is
// gone (EPIPE) closes the pipe so the program gets SIGPIPE/EPIPE as it would
// natively.
void StdioRelays::pump_from_host(Relay& r, RelayPhase phase) {
  for (int budget = kChunksPerPump; budget > 0; --budget) {
    r.guest_blocked = false;
    if (r.off == r.buf.size() && !r.eof) {
      r.buf.resize(kChunk);
      r.off = 0;
      const ssize_t n = ::read(r.ours, r.buf.data(), r.buf.size());
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        r.buf.clear();
        if (phase == RelayPhase::Draining) finish(r);
        return;
      }
      r.buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
      if (n <= 0) r.eof = true;
    }
    if (r.off == r.buf.size()) {
      if (r.eof) finish(r);
      return;
    }
    Result<uint64_t> w = r.guest->write(std::span<const uint8_t>(r.buf.data() + r.off, r.buf.size() - r.off));
    if (!w.ok() && w.error() == EAGAIN) {
      r.guest_blocked = true;
      return;
    }
    if (!w.ok()) {
      finish(r);
      return;
    }
    r.off += static_cast<size_t>(w.value());
  }
}

void StdioRelays::pump(RelayPhase phase) {
  for (Relay& r : relays_) {
    if (r.ours < 0) continue;
    if (!r.to_host) {
      pump_from_host(r, phase);
    } else if (phase == RelayPhase::Draining) {
      finish(r);  // nobody reads the program's stdin any more
    } else {
      pump_to_host(r);
    }
  }
}

bool StdioRelays::done() const {
  for (const Relay& r : relays_)
    if (r.ours >= 0) return false;
  return true;
}

void StdioRelays::wait_set(std::vector<WaitQueue*>& queues, std::vector<HostPoll>& polls) const {
  for (const Relay& r : relays_) {
    if (r.ours < 0) continue;
    const bool pending = r.off < r.buf.size();
    if (r.guest_blocked) {
      // Waiting for the guest side: its wait queue or its host fd.
      if (WaitQueue* q = r.guest->wait_queue()) queues.push_back(q);
      if (const int h = r.guest->host_poll_fd(); h >= 0)
        polls.push_back(HostPoll{h, static_cast<short>(r.to_host ? POLLIN : POLLOUT)});
    } else if (r.to_host && pending) {
      polls.push_back(HostPoll{r.ours, POLLOUT});
    } else if (!r.to_host && !pending) {
      polls.push_back(HostPoll{r.ours, POLLIN});
    }
  }
}

}  // namespace lx
