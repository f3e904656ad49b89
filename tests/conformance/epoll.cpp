// epoll beyond the basics in poll.cpp: edge-triggered and one-shot
// reporting, EPOLLEXCLUSIVE's rules, nested instances with loop and depth
// checks, registration lifetime across dup/close/fork, epoll_pwait's mask,
// epoll_pwait2's timeout, and the event files (eventfd, timerfd, signalfd).
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common.h"
#include "pipe_util.h"
#include "proc_util.h"

namespace {

int Add(int ep, int fd, uint32_t events, uint64_t data = 0) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = data;
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int Mod(int ep, int fd, uint32_t events, uint64_t data = 0) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = data;
  return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

// Ready events now (timeout 0), or within `ms`.
int Wait(int ep, epoll_event* out, int max = 8, int ms = 0) { return epoll_wait(ep, out, max, ms); }

void Put(int fd, uint64_t v = 1) { ASSERT_EQ(write(fd, &v, sizeof v), 8); }

// ---- edge-triggered -------------------------------------------------------------

TEST(EpollEdge, EveryNewWriteIsReportedAgain) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN | EPOLLET, 1));
  epoll_event out[8];
  EXPECT_EQ(Wait(ep, out), 0);
  ASSERT_EQ(write(p.w, "a", 1), 1);
  ASSERT_EQ(Wait(ep, out), 1);
  EXPECT_EQ(out[0].events, static_cast<uint32_t>(EPOLLIN));
  EXPECT_EQ(Wait(ep, out), 0);  // nothing new, although data is still there
  ASSERT_EQ(write(p.w, "b", 1), 1);
  EXPECT_EQ(Wait(ep, out), 1);  // a new write is a new edge even with EPOLLIN already set
  EXPECT_EQ(Wait(ep, out), 0);
}

TEST(EpollEdge, ReadyAtAddIsReportedOnce) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ASSERT_EQ(write(p.w, "a", 1), 1);
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN | EPOLLET, 1));
  epoll_event out[8];
  EXPECT_EQ(Wait(ep, out), 1);
  EXPECT_EQ(Wait(ep, out), 0);
  // MOD re-polls the file: it is reported again.
  ASSERT_SYS_OK(Mod(ep, p.r, EPOLLIN | EPOLLET, 2));
  ASSERT_EQ(Wait(ep, out), 1);
  EXPECT_EQ(out[0].data.u64, 2u);
}

TEST(EpollEdge, EventfdWritesAreEdges) {
  ScopedFd ep(epoll_create1(0));
  ScopedFd efd(eventfd(0, EFD_NONBLOCK));
  ASSERT_SYS_OK(Add(ep, efd, EPOLLIN | EPOLLET, 3));
  epoll_event out[8];
  Put(efd);
  EXPECT_EQ(Wait(ep, out), 1);
  EXPECT_EQ(Wait(ep, out), 0);
  Put(efd);
  EXPECT_EQ(Wait(ep, out), 1);
}

TEST(EpollEdge, EdgeAndOneshotTogether) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN | EPOLLET | EPOLLONESHOT, 1));
  epoll_event out[8];
  ASSERT_EQ(write(p.w, "a", 1), 1);
  EXPECT_EQ(Wait(ep, out), 1);
  ASSERT_EQ(write(p.w, "b", 1), 1);
  EXPECT_EQ(Wait(ep, out), 0);  // disabled until re-armed
  ASSERT_SYS_OK(Mod(ep, p.r, EPOLLIN | EPOLLET | EPOLLONESHOT, 1));
  EXPECT_EQ(Wait(ep, out), 1);
}

TEST(EpollLevel, ReportsTheWatchedBitsOnly) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ASSERT_SYS_OK(Add(ep, p.w, EPOLLOUT, 1));
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN, 2));
  epoll_event out[8];
  ASSERT_EQ(Wait(ep, out), 1);
  EXPECT_EQ(out[0].events, static_cast<uint32_t>(EPOLLOUT));
  EXPECT_EQ(out[0].data.u64, 1u);
  ASSERT_EQ(write(p.w, "a", 1), 1);
  EXPECT_EQ(Wait(ep, out), 2);
  EXPECT_EQ(Wait(ep, out, 1), 1);  // maxevents bounds the answer
}

// ---- flags ----------------------------------------------------------------------

TEST(EpollFlags, ExclusiveRules) {
  ScopedFd ep(epoll_create1(0));
  ScopedFd inner(epoll_create1(0));
  Pipe p;
  EXPECT_ERRNO(EINVAL, Add(ep, p.r, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT));
  EXPECT_ERRNO(EINVAL, Add(ep, p.r, EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP));
  EXPECT_ERRNO(EINVAL, Add(ep, p.r, EPOLLIN | EPOLLEXCLUSIVE | EPOLLPRI));
  EXPECT_ERRNO(EINVAL, Add(ep, inner, EPOLLIN | EPOLLEXCLUSIVE));
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN | EPOLLEXCLUSIVE | EPOLLET, 4));
  // An exclusive entry cannot be modified, and MOD cannot ask for it.
  EXPECT_ERRNO(EINVAL, Mod(ep, p.r, EPOLLIN));
  ASSERT_SYS_OK(Add(ep, p.w, EPOLLOUT));
  EXPECT_ERRNO(EINVAL, Mod(ep, p.w, EPOLLOUT | EPOLLEXCLUSIVE));
  // MOD with EPOLLEXCLUSIVE fails before the entry is looked up.
  EXPECT_ERRNO(EINVAL, Mod(ep, inner, EPOLLIN | EPOLLEXCLUSIVE));
  ASSERT_EQ(write(p.w, "a", 1), 1);
  epoll_event out[8];
  EXPECT_EQ(Wait(ep, out), 2);
  EXPECT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p.r, nullptr));
}

TEST(EpollFlags, ExclusiveWaiterIsWoken) {
  ScopedFd ep(epoll_create1(0));
  ScopedFd efd(eventfd(0, EFD_NONBLOCK));
  ASSERT_SYS_OK(Add(ep, efd, EPOLLIN | EPOLLEXCLUSIVE, 8));
  std::thread writer([&] {
    conf::SleepMs(50);
    Put(efd);
  });
  epoll_event out[8];
  ASSERT_EQ(Wait(ep, out, 8, 20000), 1);
  EXPECT_EQ(out[0].data.u64, 8u);
  writer.join();
}

TEST(EpollFlags, ExclusiveWaitersOnOneFileAllGetServed) {
  // Two instances with an exclusive entry for one eventfd, a waiter on each:
  // a write wakes one or more of them (never none), and the next write
  // reaches a waiter that is still blocked.
  ScopedFd efd(eventfd(0, EFD_NONBLOCK));
  ScopedFd a(epoll_create1(0)), b(epoll_create1(0));
  ASSERT_SYS_OK(Add(a, efd, EPOLLIN | EPOLLEXCLUSIVE, 1));
  ASSERT_SYS_OK(Add(b, efd, EPOLLIN | EPOLLEXCLUSIVE, 2));
  std::atomic<int> woken{0};
  auto waiter = [&](int ep) {
    epoll_event out[2];
    EXPECT_EQ(epoll_wait(ep, out, 2, 20000), 1);
    uint64_t v;
    (void)!read(efd, &v, sizeof v);
    ++woken;
  };
  std::thread ta(waiter, a.get()), tb(waiter, b.get());
  conf::SleepMs(50);
  Put(efd);
  for (int i = 0; i < 2000 && woken.load() == 0; ++i) conf::SleepMs(10);
  EXPECT_GE(woken.load(), 1);
  if (woken.load() < 2) Put(efd);
  ta.join();
  tb.join();
  EXPECT_EQ(woken.load(), 2);
}

TEST(EpollFlags, PipeReportsHangupNotRdhup) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN | EPOLLRDHUP, 1));
  p.close_w();
  epoll_event out[8];
  ASSERT_EQ(Wait(ep, out), 1);
  EXPECT_EQ(out[0].events, static_cast<uint32_t>(EPOLLHUP));  // pipes never set EPOLLRDHUP
}

TEST(EpollFlags, WakeupIsAccepted) {
  ScopedFd ep(epoll_create1(0));
  ScopedFd efd(eventfd(1, 0));
  ASSERT_SYS_OK(Add(ep, efd, EPOLLIN | EPOLLWAKEUP, 1));
  epoll_event out[8];
  ASSERT_EQ(Wait(ep, out), 1);
  EXPECT_EQ(out[0].events, static_cast<uint32_t>(EPOLLIN));
}

TEST(EpollFlags, UnknownOpIsEINVALButTheEventIsReadFirst) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  epoll_event ev{};
  EXPECT_ERRNO(EINVAL, epoll_ctl(ep, 0, p.r, &ev));
  EXPECT_ERRNO(EFAULT, epoll_ctl(ep, 0, p.r, static_cast<epoll_event*>(conf::kNullPtr)));
  // DEL does not read the event.
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN));
  EXPECT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p.r, static_cast<epoll_event*>(conf::kNullPtr)));
}

TEST(EpollWaitArgs, MaxeventsLimitIsIntMaxOverTwelve) {
  ScopedFd ep(epoll_create1(0));
  epoll_event out[1];
  const int limit = INT_MAX / static_cast<int>(sizeof(epoll_event));
  EXPECT_ERRNO(EINVAL, epoll_wait(ep, out, conf::Opaque(limit + 1), 0));
  // The whole (huge) array must lie in user space, not just the slots used.
  auto* high = static_cast<epoll_event*>(conf::Opaque(reinterpret_cast<void*>(0x7ffff0000000UL)));
  EXPECT_ERRNO(EFAULT, epoll_wait(ep, high, conf::Opaque(limit), 0));
}

// ---- nesting -----------------------------------------------------------------------

TEST(EpollNested, AddingItselfFailsWithEINVAL) {
  ScopedFd ep(epoll_create1(0));
  EXPECT_ERRNO(EINVAL, Add(ep, ep, EPOLLIN));
}

TEST(EpollNested, OuterReportsInnerReadiness) {
  ScopedFd outer(epoll_create1(0));
  ScopedFd inner(epoll_create1(0));
  Pipe p;
  ASSERT_SYS_OK(Add(inner, p.r, EPOLLIN, 1));
  ASSERT_SYS_OK(Add(outer, inner, EPOLLIN, 2));
  epoll_event out[8];
  EXPECT_EQ(Wait(outer, out), 0);
  pollfd pf{inner, POLLIN | POLLOUT, 0};
  EXPECT_EQ(poll(&pf, 1, 0), 0);
  ASSERT_EQ(write(p.w, "a", 1), 1);
  ASSERT_EQ(Wait(outer, out), 1);
  EXPECT_EQ(out[0].events, static_cast<uint32_t>(EPOLLIN));
  EXPECT_EQ(out[0].data.u64, 2u);
  ASSERT_EQ(poll(&pf, 1, 0), 1);
  EXPECT_EQ(pf.revents, POLLIN);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(inner.get(), &rd);
  timeval tv{0, 0};
  EXPECT_EQ(select(inner + 1, &rd, nullptr, nullptr, &tv), 1);
  ASSERT_EQ(Wait(inner, out), 1);
  EXPECT_EQ(out[0].data.u64, 1u);
}

TEST(EpollNested, BlockedOuterWaitWakesOnInnerEvent) {
  ScopedFd outer(epoll_create1(0));
  ScopedFd inner(epoll_create1(0));
  ScopedFd efd(eventfd(0, EFD_NONBLOCK));
  ASSERT_SYS_OK(Add(inner, efd, EPOLLIN, 1));
  ASSERT_SYS_OK(Add(outer, inner, EPOLLIN, 2));
  std::thread writer([&] {
    conf::SleepMs(50);
    Put(efd);
  });
  epoll_event out[8];
  ASSERT_EQ(Wait(outer, out, 8, 20000), 1);
  EXPECT_EQ(out[0].data.u64, 2u);
  writer.join();
}

TEST(EpollNested, CyclesFailWithELOOP) {
  ScopedFd a(epoll_create1(0)), b(epoll_create1(0)), c(epoll_create1(0));
  ASSERT_SYS_OK(Add(a, b, EPOLLIN));
  EXPECT_ERRNO(ELOOP, Add(b, a, EPOLLIN));
  ASSERT_SYS_OK(Add(b, c, EPOLLIN));
  EXPECT_ERRNO(ELOOP, Add(c, a, EPOLLIN));
  // After removing the path the same add is fine.
  ASSERT_SYS_OK(epoll_ctl(a, EPOLL_CTL_DEL, b, nullptr));
  EXPECT_SYS_OK(Add(c, a, EPOLLIN));
}

TEST(EpollNested, ChainsLongerThanFiveInstancesFailWithELOOP) {
  std::vector<int> e;
  for (int i = 0; i < 7; ++i) e.push_back(epoll_create1(0));
  // Top-down: e0 <- e1 <- ... each new instance one level deeper.
  for (int i = 0; i < 4; ++i) EXPECT_SYS_OK(Add(e[i], e[i + 1], EPOLLIN));
  EXPECT_ERRNO(ELOOP, Add(e[4], e[5], EPOLLIN));
  // Joining two chains counts the links above and below the new one.
  std::vector<int> f;
  for (int i = 0; i < 6; ++i) f.push_back(epoll_create1(0));
  ASSERT_SYS_OK(Add(f[3], f[4], EPOLLIN));
  ASSERT_SYS_OK(Add(f[0], f[1], EPOLLIN));
  ASSERT_SYS_OK(Add(f[1], f[2], EPOLLIN));
  EXPECT_SYS_OK(Add(f[2], f[3], EPOLLIN));  // f0..f4: five instances, four links
  std::vector<int> g;
  for (int i = 0; i < 6; ++i) g.push_back(epoll_create1(0));
  ASSERT_SYS_OK(Add(g[4], g[5], EPOLLIN));
  ASSERT_SYS_OK(Add(g[3], g[4], EPOLLIN));
  ASSERT_SYS_OK(Add(g[0], g[1], EPOLLIN));
  ASSERT_SYS_OK(Add(g[1], g[2], EPOLLIN));
  EXPECT_ERRNO(ELOOP, Add(g[2], g[3], EPOLLIN));  // g0..g5 would be five links
  EXPECT_ERRNO(ELOOP, Add(f[5], f[0], EPOLLIN));  // on top of f's four links
  for (int fd : e) close(fd);
  for (int fd : f) close(fd);
  for (int fd : g) close(fd);
}

// ---- registration lifetime ------------------------------------------------------------

TEST(EpollLifetime, ADupKeepsTheRegistrationAfterClose) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  int fd = dup(p.r);
  ASSERT_SYS_OK(Add(ep, fd, EPOLLIN, 77));
  ASSERT_SYS_OK(close(fd));
  ASSERT_EQ(write(p.w, "a", 1), 1);
  epoll_event out[8];
  ASSERT_EQ(Wait(ep, out), 1);  // the description is still open through p.r
  EXPECT_EQ(out[0].data.u64, 77u);
  EXPECT_ERRNO(EBADF, epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr));
}

TEST(EpollLifetime, EachFdOfADescriptionIsItsOwnEntry) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ScopedFd other(dup(p.r));
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN, 1));
  ASSERT_SYS_OK(Add(ep, other, EPOLLIN, 2));
  ASSERT_EQ(write(p.w, "a", 1), 1);
  epoll_event out[8];
  EXPECT_EQ(Wait(ep, out), 2);
}

TEST(EpollLifetime, ForkSharesTheInterestList) {
  ScopedFd ep(epoll_create1(0));
  ScopedFd efd(eventfd(0, EFD_NONBLOCK));
  pid_t child = conf::ForkChild([&] {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = 42;
    return epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0 ? 0 : 1;
  });
  int status = 0;
  ASSERT_EQ(conf::WaitPid(child, &status), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_ERRNO(EEXIST, Add(ep, efd, EPOLLIN));
  Put(efd);
  epoll_event out[8];
  ASSERT_EQ(Wait(ep, out), 1);
  EXPECT_EQ(out[0].data.u64, 42u);
}

TEST(EpollLifetime, ChildWaitsOnTheSharedInstance) {
  ScopedFd ep(epoll_create1(0));
  ScopedFd efd(eventfd(0, EFD_NONBLOCK));
  ASSERT_SYS_OK(Add(ep, efd, EPOLLIN, 5));
  pid_t child = conf::ForkChild([&] {
    epoll_event out[2];
    return epoll_wait(ep, out, 2, 20000) == 1 && out[0].data.u64 == 5 ? 0 : 1;
  });
  conf::SleepMs(50);
  Put(efd);
  int status = 0;
  ASSERT_EQ(conf::WaitPid(child, &status), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// ---- signals and timeouts ----------------------------------------------------------------

std::atomic<int> g_caught{0};
void CountSignal(int) { ++g_caught; }

TEST(EpollSignals, WaitIsInterruptedWithEINTREvenWithSaRestart) {
  conf::ScopedHandler h(SIGUSR1, CountSignal, SA_RESTART);
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN));
  const pthread_t self = pthread_self();
  std::thread sender([&] {
    conf::SleepMs(50);
    pthread_kill(self, SIGUSR1);
  });
  epoll_event out[2];
  g_caught = 0;
  EXPECT_ERRNO(EINTR, epoll_wait(ep, out, 2, 20000));
  EXPECT_EQ(g_caught.load(), 1);
  sender.join();
}

TEST(EpollSignals, PwaitMaskUnblocksForTheWaitOnly) {
  conf::ScopedHandler h(SIGUSR2, CountSignal);
  conf::ScopedBlock block({SIGUSR2});
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN));
  ASSERT_SYS_OK(raise(SIGUSR2));  // pending, blocked
  g_caught = 0;
  sigset_t none;
  sigemptyset(&none);
  epoll_event out[2];
  EXPECT_ERRNO(EINTR, epoll_pwait(ep, out, 2, 20000, &none));
  EXPECT_EQ(g_caught.load(), 1);
  sigset_t now;
  sigprocmask(SIG_SETMASK, nullptr, &now);
  EXPECT_TRUE(sigismember(&now, SIGUSR2));  // the old mask is back
}

TEST(EpollSignals, SignalfdInEpoll) {
  conf::ScopedBlock block({SIGUSR1});
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  ScopedFd sfd(signalfd(-1, &s, SFD_NONBLOCK));
  ScopedFd ep(epoll_create1(0));
  ASSERT_SYS_OK(Add(ep, sfd, EPOLLIN, 6));
  epoll_event out[2];
  EXPECT_EQ(Wait(ep, out, 2), 0);
  const pid_t parent = getpid();
  pid_t child = conf::ForkChild([&] {
    conf::SleepMs(50);
    return kill(parent, SIGUSR1) == 0 ? 0 : 1;
  });
  ASSERT_EQ(Wait(ep, out, 2, 20000), 1);
  EXPECT_EQ(out[0].data.u64, 6u);
  signalfd_siginfo si{};
  EXPECT_EQ(read(sfd, &si, sizeof si), static_cast<ssize_t>(sizeof si));
  EXPECT_EQ(Wait(ep, out, 2), 0);
  int status = 0;
  ASSERT_EQ(conf::WaitPid(child, &status), child);
}

TEST(EpollTimers, TimerfdExpiryWakesTheWait) {
  ScopedFd tfd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
  ScopedFd ep(epoll_create1(0));
  ASSERT_SYS_OK(Add(ep, tfd, EPOLLIN, 9));
  itimerspec its{};
  its.it_value.tv_nsec = 30 * 1000000;
  ASSERT_SYS_OK(timerfd_settime(tfd, 0, &its, nullptr));
  epoll_event out[2];
  ASSERT_EQ(Wait(ep, out, 2, 20000), 1);
  EXPECT_EQ(out[0].data.u64, 9u);
}

TEST(EpollPwait2, TimeoutArgument) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ASSERT_SYS_OK(Add(ep, p.r, EPOLLIN));
  epoll_event out[2];
  timespec zero{0, 0};
  EXPECT_EQ(syscall(SYS_epoll_pwait2, ep.get(), out, 2, &zero, nullptr, 8), 0);
  timespec bad{0, 1000000000};
  EXPECT_ERRNO(EINVAL, syscall(SYS_epoll_pwait2, ep.get(), out, 2, &bad, nullptr, 8));
  timespec neg{-1, 0};
  EXPECT_ERRNO(EINVAL, syscall(SYS_epoll_pwait2, ep.get(), out, 2, &neg, nullptr, 8));
  EXPECT_ERRNO(EFAULT, syscall(SYS_epoll_pwait2, ep.get(), out, 2, conf::kOnePtr, nullptr, 8));
  timespec short_wait{0, 20 * 1000000};
  EXPECT_EQ(syscall(SYS_epoll_pwait2, ep.get(), out, 2, &short_wait, nullptr, 8), 0);
  // A null timeout blocks until an event.
  std::thread writer([&] {
    conf::SleepMs(50);
    (void)!write(p.w, "a", 1);
  });
  EXPECT_EQ(syscall(SYS_epoll_pwait2, ep.get(), out, 2, nullptr, nullptr, 8), 1);
  writer.join();
}

}  // namespace
