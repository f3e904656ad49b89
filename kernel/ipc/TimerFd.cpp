#include "kernel/ipc/TimerFd.h"

#include <cstring>

#include "kernel/ipc/AnonInode.h"
#include "kernel/sched/Timers.h"

namespace lx {

namespace {
// POLLIN (abi/Poll.h cannot be included next to abi/Time.h: both define Timeval).
constexpr unsigned kPollIn = 0x0001;
}  // namespace

TimerFd::TimerFd(Timers& timers, clockid_t clock, int status_flags) : timers_(timers), clock_(clock) {
  set_status_flags(status_flags);
}

// A queued callback is not cancelled here: the file may go after the
// kernel's timer thread at the instance's end, and a stale callback finds
// its state gone.
TimerFd::~TimerFd() = default;

void TimerFd::update(State& s) {
  if (!s.expiry) return;
  const auto now = SteadyClock::now();
  if (now < *s.expiry) return;
  if (s.interval <= Nanos::zero()) {
    s.ticks += 1;
    s.expiry.reset();
    return;
  }
  const auto late = std::chrono::duration_cast<Nanos>(now - *s.expiry);
  const int64_t n = late / s.interval + 1;
  s.ticks += static_cast<uint64_t>(n);
  // Saturating: a huge interval means "practically never" again.
  const auto room = SteadyClock::time_point::max() - *s.expiry;
  if (s.interval.count() > room.count() / n)
    s.expiry = SteadyClock::time_point::max();
  else
    *s.expiry += std::chrono::duration_cast<SteadyClock::duration>(s.interval * n);
}

void TimerFd::schedule(Timers& timers, const std::shared_ptr<State>& s) {
  if (!s->expiry) {
    s->sched_id = 0;
    return;
  }
  std::weak_ptr<State> weak = s;
  const uint64_t token = s->token;
  Timers* tp = &timers;
  s->sched_id = timers.schedule(*s->expiry, [tp, weak, token] { fired(*tp, weak, token); });
}

void TimerFd::fired(Timers& timers, const std::weak_ptr<State>& weak, uint64_t token) {
  std::shared_ptr<State> s = weak.lock();
  if (!s || s->token != token) return;
  update(*s);
  schedule(timers, s);
  s->queue.wake_all();
}

TimerFdSetting TimerFd::get() {
  State& s = *state_;
  update(s);
  if (!s.expiry) return {Nanos::zero(), s.interval};
  // Due but not yet counted reads as 1 ns, as Linux reports it.
  Nanos left = remaining(*s.expiry);
  if (left == Nanos::zero()) left = Nanos{1};
  return {left, s.interval};
}

TimerFdSetting TimerFd::set(const TimerFdSetting& v, bool absolute) {
  const TimerFdSetting old = get();
  State& s = *state_;
  if (s.sched_id) timers_.cancel(s.sched_id);
  s.sched_id = 0;
  ++s.token;
  s.ticks = 0;
  s.expiry.reset();
  s.interval = Nanos::zero();
  if (v.value != Nanos::zero()) {
    s.interval = v.interval;
    s.expiry = absolute ? steady_at(clock_, v.value) : steady_after(v.value);
    schedule(timers_, state_);
  }
  s.queue.wake_all();
  return old;
}

Result<uint64_t> TimerFd::read(std::span<uint8_t> buf) {
  if (buf.size() < sizeof(uint64_t)) return err(EINVAL);
  update(*state_);
  if (state_->ticks == 0) return err(EAGAIN);
  const uint64_t v = state_->ticks;
  state_->ticks = 0;
  std::memcpy(buf.data(), &v, sizeof v);
  return sizeof v;
}

Result<abi::Stat> TimerFd::stat() { return anon_inode_stat(); }

unsigned TimerFd::poll_events() {
  update(*state_);
  return state_->ticks ? kPollIn : 0;
}

WaitQueue* TimerFd::wait_queue() { return &state_->queue; }

}  // namespace lx
