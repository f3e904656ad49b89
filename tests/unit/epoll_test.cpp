// Wait hooks and the epoll instance on their own (no tasks): hook lifetime
// in either order, exclusive hooks, edge-triggered reporting per wake-up,
// nesting, loop/depth checks and entries leaving with their description.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "kernel/abi/Poll.h"
#include "kernel/ipc/Epoll.h"
#include "kernel/ipc/EventFd.h"

namespace lx {
namespace {

struct CountingHook final : WaitHook {
  int calls = 0;
  bool answer = false;
  bool woken() override {
    ++calls;
    return answer;
  }
};

TEST(WaitHook, RunsOnEveryWakeUntilUnhooked) {
  WaitQueue q;
  CountingHook h;
  h.hook(q);
  q.wake_all();
  q.wake_all();
  EXPECT_EQ(h.calls, 2);
  h.unhook();
  q.wake_all();
  EXPECT_EQ(h.calls, 2);
}

TEST(WaitHook, EitherSideMayGoFirst) {
  CountingHook h;
  {
    WaitQueue q;
    h.hook(q);
    EXPECT_TRUE(h.hooked());
  }
  EXPECT_FALSE(h.hooked());  // the dying queue detached it
  WaitQueue q;
  {
    CountingHook gone;
    gone.hook(q);
  }
  q.wake_all();  // the dying hook left the queue
}

TEST(WaitHook, ExclusiveHooksStopAtTheFirstThatWokeSomebody) {
  WaitQueue q;
  CountingHook plain, first, second;
  first.hook(q, true);
  second.hook(q, true);
  plain.hook(q);
  first.answer = true;
  q.wake_all();
  EXPECT_EQ(plain.calls, 1);
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(second.calls, 0);
  first.answer = false;
  q.wake_all();
  EXPECT_EQ(first.calls, 2);
  EXPECT_EQ(second.calls, 1);
}

std::shared_ptr<EventFd> make_eventfd() { return std::make_shared<EventFd>(0, false, 2 /* O_RDWR */); }

void add_one(EventFd& e) {
  uint64_t v = 1;
  uint8_t buf[8];
  std::memcpy(buf, &v, 8);
  ASSERT_TRUE(e.write(buf).ok());
}

EpollEvent ev(uint32_t events, uint64_t data) { return EpollEvent{events, data}; }

size_t ready(EpollFile& ep) {
  std::vector<EpollEvent> out(8);
  return ep.collect(out);
}

TEST(Epoll, EdgeTriggeredReportsOncePerWakeUp) {
  EpollFile ep;
  auto e = make_eventfd();
  ASSERT_TRUE(ep.ctl(kEpollCtlAdd, 3, e, ev(abi::kPollIn | kEpollEt, 1)).ok());
  EXPECT_EQ(ready(ep), 0u);
  add_one(*e);
  EXPECT_EQ(ready(ep), 1u);
  EXPECT_EQ(ready(ep), 0u);
  add_one(*e);  // still readable, but a new wake-up
  EXPECT_EQ(ready(ep), 1u);
}

TEST(Epoll, NestedInstanceIsReadyWhenItsEntryIs) {
  auto inner = std::make_shared<EpollFile>();
  EpollFile outer;
  auto e = make_eventfd();
  ASSERT_TRUE(inner->ctl(kEpollCtlAdd, 3, e, ev(abi::kPollIn, 1)).ok());
  ASSERT_TRUE(outer.ctl(kEpollCtlAdd, 4, inner, ev(abi::kPollIn | kEpollEt, 2)).ok());
  EXPECT_EQ(ready(outer), 0u);
  add_one(*e);
  EXPECT_EQ(inner->poll_events() & abi::kPollIn, abi::kPollIn);
  EXPECT_EQ(ready(outer), 1u);  // the eventfd's wake-up reached the outer entry
}

TEST(Epoll, CyclesAndLongChainsFailWithELOOP) {
  std::vector<std::shared_ptr<EpollFile>> e;
  for (int i = 0; i < 6; ++i) e.push_back(std::make_shared<EpollFile>());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(e[i]->ctl(kEpollCtlAdd, 10 + i, e[i + 1], ev(abi::kPollIn, 0)).ok());
  Result<void> r = e[4]->ctl(kEpollCtlAdd, 20, e[5], ev(abi::kPollIn, 0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ELOOP);
  r = e[3]->ctl(kEpollCtlAdd, 21, e[0], ev(abi::kPollIn, 0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ELOOP);
  // Dropping a link shortens the chain.
  ASSERT_TRUE(e[0]->ctl(kEpollCtlDel, 10, e[1], ev(0, 0)).ok());
  EXPECT_TRUE(e[4]->ctl(kEpollCtlAdd, 20, e[5], ev(abi::kPollIn, 0)).ok());
}

TEST(Epoll, EntryGoesWithItsDescription) {
  EpollFile ep;
  auto e = make_eventfd();
  add_one(*e);
  ASSERT_TRUE(ep.ctl(kEpollCtlAdd, 3, e, ev(abi::kPollIn, 1)).ok());
  EXPECT_EQ(ready(ep), 1u);
  e.reset();
  EXPECT_EQ(ready(ep), 0u);
  EXPECT_EQ(ep.poll_events(), 0u);
}

TEST(Epoll, DyingChildLeavesItsParentConsistent) {
  auto parent = std::make_shared<EpollFile>();
  auto child = std::make_shared<EpollFile>();
  ASSERT_TRUE(parent->ctl(kEpollCtlAdd, 5, child, ev(abi::kPollIn, 0)).ok());
  child.reset();
  EXPECT_EQ(ready(*parent), 0u);
  auto again = std::make_shared<EpollFile>();
  EXPECT_TRUE(parent->ctl(kEpollCtlAdd, 5, again, ev(abi::kPollIn, 0)).ok());
  parent.reset();  // the parent goes first now
  auto e = make_eventfd();
  EXPECT_TRUE(again->ctl(kEpollCtlAdd, 3, e, ev(abi::kPollIn, 0)).ok());
  add_one(*e);
  EXPECT_EQ(ready(*again), 1u);
}

}  // namespace
}  // namespace lx
