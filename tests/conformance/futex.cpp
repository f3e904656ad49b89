// futex(2): WAIT/WAKE, the bitset variants, REQUEUE/CMP_REQUEUE, WAKE_OP's
// operations and comparisons, private versus shared keys, timeouts (relative
// and absolute), the errors in Linux's order, and the exit-time duties of a
// thread (CLONE_CHILD_CLEARTID, robust futex lists). The cross-thread cases
// (FutexThreads, FutexExit) need threads.
#include <linux/futex.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <thread>
#include <vector>

#include "common.h"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

long Futex(void* uaddr, int op, uint32_t val, const void* timeout = nullptr, void* uaddr2 = nullptr,
           uint32_t val3 = 0) {
  return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}
// For REQUEUE/WAKE_OP: val2 travels in the timeout slot.
long Futex2(void* uaddr, int op, uint32_t val, unsigned long val2, void* uaddr2, uint32_t val3) {
  return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

constexpr int kWaitP = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
constexpr int kWakeP = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;

timespec Ms(long ms) { return {ms / 1000, (ms % 1000) * 1000000}; }

timespec AbsIn(clockid_t clock, long ms) {
  timespec now{};
  clock_gettime(clock, &now);
  now.tv_nsec += (ms % 1000) * 1000000;
  now.tv_sec += ms / 1000 + now.tv_nsec / 1000000000;
  now.tv_nsec %= 1000000000;
  return now;
}

long ElapsedMs(Clock::time_point since) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - since).count();
}

// How many tasks wait on `word` (with the given privacy): requeueing a key
// onto itself wakes nobody and returns the number of waiters.
long Waiters(uint32_t* word, int priv = FUTEX_PRIVATE_FLAG) {
  return Futex2(word, FUTEX_REQUEUE | priv, 0, INT_MAX, word, 0);
}

// Polls until `n` tasks wait on word (they block asynchronously).
bool AwaitWaiters(uint32_t* word, long n, int priv = FUTEX_PRIVATE_FLAG) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    if (Waiters(word, priv) == n) return true;
    usleep(1000);
  }
  return false;
}

// ---- single-thread: values, timeouts, errors ------------------------------------

TEST(Futex, WaitOnChangedValueFailsWithEAGAIN) {
  uint32_t word = 1;
  EXPECT_ERRNO(EAGAIN, Futex(&word, kWaitP, 2));
  EXPECT_ERRNO(EAGAIN, Futex(&word, FUTEX_WAIT, 2));
  EXPECT_ERRNO(EAGAIN, Futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, nullptr, nullptr, 1));
}

TEST(Futex, RelativeTimeoutFailsWithETIMEDOUT) {
  uint32_t word = 7;
  timespec ts = Ms(30);
  auto start = Clock::now();
  EXPECT_ERRNO(ETIMEDOUT, Futex(&word, kWaitP, 7, &ts));
  EXPECT_GE(ElapsedMs(start), 29);
}

TEST(Futex, ZeroTimeoutTimesOutAtOnce) {
  uint32_t word = 7;
  timespec ts = {0, 0};
  EXPECT_ERRNO(ETIMEDOUT, Futex(&word, kWaitP, 7, &ts));
}

TEST(Futex, WaitBitsetTimeoutIsAbsoluteMonotonic) {
  uint32_t word = 7;
  timespec at = AbsIn(CLOCK_MONOTONIC, 30);
  auto start = Clock::now();
  EXPECT_ERRNO(ETIMEDOUT,
               Futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 7, &at, nullptr, FUTEX_BITSET_MATCH_ANY));
  EXPECT_GE(ElapsedMs(start), 29);
  // A deadline in the past: no wait at all.
  timespec past = {1, 0};
  EXPECT_ERRNO(ETIMEDOUT,
               Futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 7, &past, nullptr, FUTEX_BITSET_MATCH_ANY));
}

TEST(Futex, WaitBitsetClockRealtimeIsAbsoluteRealtime) {
  uint32_t word = 7;
  timespec at = AbsIn(CLOCK_REALTIME, 30);
  auto start = Clock::now();
  EXPECT_ERRNO(ETIMEDOUT, Futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 7, &at,
                                nullptr, FUTEX_BITSET_MATCH_ANY));
  EXPECT_GE(ElapsedMs(start), 29);
}

TEST(Futex, ClockRealtimeOnlyWithWaitBitset) {
  uint32_t word = 7;
  timespec ts = Ms(1);
  EXPECT_ERRNO(ENOSYS, Futex(&word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 7, &ts));
  EXPECT_ERRNO(ENOSYS, Futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1));
  // The timeout is read and checked before the operation is.
  timespec bad = {0, -1};
  EXPECT_ERRNO(EINVAL, Futex(&word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 7, &bad));
}

TEST(Futex, InvalidTimeoutFailsWithEINVALBeforeTheValueCheck) {
  uint32_t word = 7;
  timespec neg_nsec = {0, -1}, big_nsec = {0, 1000000000}, neg_sec = {-1, 0};
  EXPECT_ERRNO(EINVAL, Futex(&word, kWaitP, 8, &neg_nsec));
  EXPECT_ERRNO(EINVAL, Futex(&word, kWaitP, 8, &big_nsec));
  EXPECT_ERRNO(EINVAL, Futex(&word, kWaitP, 8, &neg_sec));
  EXPECT_ERRNO(EFAULT, Futex(&word, kWaitP, 8, conf::kOnePtr));
  // Only the waits read a timeout.
  EXPECT_EQ(0, Futex(&word, kWakeP, 1, &neg_nsec));
}

TEST(Futex, MisalignedAddressFailsWithEINVAL) {
  alignas(8) char buf[8] = {};
  void* odd = buf + 1;
  EXPECT_ERRNO(EINVAL, Futex(odd, kWaitP, 0));
  EXPECT_ERRNO(EINVAL, Futex(odd, kWakeP, 1));
  EXPECT_ERRNO(EINVAL, Futex(odd, FUTEX_WAKE, 1));
  uint32_t word = 0;
  EXPECT_ERRNO(EINVAL, Futex2(&word, FUTEX_CMP_REQUEUE, 1, 1, odd, 0));
  EXPECT_ERRNO(EINVAL, Futex2(&word, FUTEX_WAKE_OP, 1, 1, odd, 0));
}

TEST(Futex, BadAddressFailsWithEFAULT) {
  conf::GuardedPage page;
  void* guard = page.End();  // PROT_NONE
  EXPECT_ERRNO(EFAULT, Futex(guard, kWaitP, 0));
  EXPECT_ERRNO(EFAULT, Futex(guard, FUTEX_WAIT, 0));
  EXPECT_ERRNO(EFAULT, Futex(conf::kNullPtr, kWaitP, 0));
  EXPECT_ERRNO(EFAULT, Futex(conf::kKernelPtr, kWakeP, 1));
  EXPECT_ERRNO(EFAULT, Futex(conf::kNonCanonicalPtr, kWakeP, 1));
}

TEST(Futex, PrivateWakeNeedsNoMemoryButSharedWakeDoes) {
  // A private key is arithmetic on the address; a shared one needs the page.
  conf::GuardedPage page;
  EXPECT_EQ(0, Futex(page.End(), kWakeP, 1));
  EXPECT_ERRNO(EFAULT, Futex(page.End(), FUTEX_WAKE, 1));
}

TEST(Futex, ZeroBitsetFailsWithEINVAL) {
  uint32_t word = 0;
  EXPECT_ERRNO(EINVAL, Futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 1, nullptr, nullptr, 0));
  EXPECT_ERRNO(EINVAL, Futex(&word, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, nullptr, nullptr, 0));
}

TEST(Futex, UnknownCommandFailsWithENOSYS) {
  uint32_t word = 0;
  EXPECT_ERRNO(ENOSYS, Futex(&word, 99, 0));
  EXPECT_ERRNO(ENOSYS, Futex(&word, FUTEX_WAKE | 512, 1));
}

TEST(Futex, WakeWithoutWaitersReturnsZero) {
  uint32_t word = 0;
  EXPECT_EQ(0, Futex(&word, kWakeP, 1));
  EXPECT_EQ(0, Futex(&word, FUTEX_WAKE, INT_MAX));
  EXPECT_EQ(0, Futex(&word, FUTEX_WAKE_BITSET, 1, nullptr, nullptr, 3));
}

TEST(Futex, RequeueChecksCountsThenComparesTheValue) {
  uint32_t a = 5, b = 0;
  EXPECT_ERRNO(EINVAL, Futex2(&a, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, static_cast<uint32_t>(-1), 1, &b, 0));
  EXPECT_ERRNO(EINVAL, Futex2(&a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 0xffffffffUL, &b, 5));
  EXPECT_ERRNO(EAGAIN, Futex2(&a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 1, &b, 6));
  EXPECT_EQ(0, Futex2(&a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 1, &b, 5));
  EXPECT_EQ(0, Futex2(&a, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 1, &b, 0));
  // The count is 32 bits: the high half of the timeout slot is ignored.
  EXPECT_EQ(0, Futex2(&a, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 0x100000000UL, &b, 0));
  conf::GuardedPage page;
  EXPECT_ERRNO(EFAULT, Futex2(&a, FUTEX_CMP_REQUEUE, 1, 1, page.End(), 5));
  EXPECT_ERRNO(EFAULT, Futex2(page.End(), FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 1, &b, 5));
}

// ---- WAKE_OP: the operation on uaddr2 and the comparison of its old value --------

struct WakeOpCase {
  int op, oparg, cmp, cmparg;
  uint32_t before, after;
};

TEST(FutexWakeOp, AppliesEveryOperation) {
  const WakeOpCase cases[] = {
      {FUTEX_OP_SET, 9, FUTEX_OP_CMP_EQ, 0, 3, 9},
      {FUTEX_OP_ADD, 4, FUTEX_OP_CMP_EQ, 0, 3, 7},
      {FUTEX_OP_ADD, -1, FUTEX_OP_CMP_EQ, 0, 3, 2},
      {FUTEX_OP_OR, 0x30, FUTEX_OP_CMP_EQ, 0, 0x03, 0x33},
      {FUTEX_OP_ANDN, 0x01, FUTEX_OP_CMP_EQ, 0, 0x03, 0x02},
      {FUTEX_OP_XOR, 0x05, FUTEX_OP_CMP_EQ, 0, 0x03, 0x06},
      {FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 0, 0, 16},
      {FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 31, FUTEX_OP_CMP_EQ, 0, 1, 0x80000001u},
      // Shift counts outside 0..31 are taken modulo 32 (with a kernel warning).
      {FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 40, FUTEX_OP_CMP_EQ, 0, 0, 256},
  };
  for (const WakeOpCase& c : cases) {
    uint32_t a = 0, b = c.before;
    EXPECT_EQ(0, Futex2(&a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &b,
                        FUTEX_OP(c.op, c.oparg & 0xfff, c.cmp, c.cmparg)));
    EXPECT_EQ(c.after, b) << "op " << c.op << " oparg " << c.oparg;
  }
}

TEST(FutexWakeOp, UnknownOperationFailsWithENOSYSWithoutWriting) {
  uint32_t a = 0, b = 3;
  EXPECT_ERRNO(ENOSYS, Futex2(&a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &b, (7u << 28) | (5u << 12)));
  EXPECT_EQ(3u, b);
}

TEST(FutexWakeOp, UnknownComparisonFailsWithENOSYSAfterWriting) {
  uint32_t a = 0, b = 3;
  EXPECT_ERRNO(ENOSYS, Futex2(&a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &b, (6u << 24) | (5u << 12)));
  EXPECT_EQ(5u, b);
}

TEST(FutexWakeOp, BadSecondAddress) {
  uint32_t a = 0;
  alignas(8) char buf[8] = {};
  EXPECT_ERRNO(EINVAL, Futex2(&a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, buf + 2, 0));
  conf::GuardedPage page;
  EXPECT_ERRNO(EFAULT, Futex2(&a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, page.End(), 0));
  // Read-only memory cannot take the store.
  void* ro = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(MAP_FAILED, ro);
  EXPECT_ERRNO(EFAULT, Futex2(&a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, ro, 0));
  munmap(ro, 4096);
}

// ---- between threads -------------------------------------------------------------

// A thread blocked in FUTEX_WAIT(_BITSET) on a word; result() is its return
// value (or -errno).
class Waiter {
 public:
  Waiter(uint32_t* word, int op, uint32_t val, uint32_t bitset = FUTEX_BITSET_MATCH_ANY,
         const timespec* timeout = nullptr)
      : thread_([=, this] {
          long r = Futex(word, op, val, timeout, nullptr, bitset);
          result_ = r == -1 ? -errno : r;
          done_ = true;
        }) {}
  ~Waiter() {
    if (thread_.joinable()) thread_.join();
  }
  long result() {
    thread_.join();
    return result_;
  }
  bool done() const { return done_; }

 private:
  std::atomic<long> result_{1};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST(FutexThreads, WakeReleasesAWaiter) {
  uint32_t word = 0;
  Waiter w(&word, kWaitP, 0);
  ASSERT_TRUE(AwaitWaiters(&word, 1));
  EXPECT_EQ(1, Futex(&word, kWakeP, 1));
  EXPECT_EQ(0, w.result());
}

TEST(FutexThreads, WakeReleasesAtMostNWaitersOldestFirst) {
  uint32_t word = 0;
  Waiter first(&word, kWaitP, 0);
  ASSERT_TRUE(AwaitWaiters(&word, 1));
  Waiter second(&word, kWaitP, 0);
  Waiter third(&word, kWaitP, 0);
  ASSERT_TRUE(AwaitWaiters(&word, 3));
  EXPECT_EQ(1, Futex(&word, kWakeP, 1));
  EXPECT_EQ(0, first.result());
  EXPECT_EQ(2, Futex(&word, kWakeP, INT_MAX));
  EXPECT_EQ(0, second.result());
  EXPECT_EQ(0, third.result());
}

TEST(FutexThreads, WakeWithZeroCountStillWakesOne) {
  uint32_t word = 0;
  Waiter w(&word, kWaitP, 0);
  ASSERT_TRUE(AwaitWaiters(&word, 1));
  EXPECT_EQ(1, Futex(&word, kWakeP, 0));
  EXPECT_EQ(0, w.result());
}

TEST(FutexThreads, PrivateAndSharedKeysDoNotMeet) {
  uint32_t word = 0;
  Waiter w(&word, kWaitP, 0);
  ASSERT_TRUE(AwaitWaiters(&word, 1));
  EXPECT_EQ(0, Futex(&word, FUTEX_WAKE, 1));
  EXPECT_EQ(1, Futex(&word, kWakeP, 1));
  EXPECT_EQ(0, w.result());
}

TEST(FutexThreads, SharedWaitOnPrivateMemory) {
  uint32_t word = 0;
  Waiter w(&word, FUTEX_WAIT, 0);
  ASSERT_TRUE(AwaitWaiters(&word, 1, 0));
  EXPECT_EQ(1, Futex(&word, FUTEX_WAKE, 1));
  EXPECT_EQ(0, w.result());
}

TEST(FutexThreads, SharedWaitOnSharedMapping) {
  auto* word = static_cast<uint32_t*>(
      mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(MAP_FAILED, word);
  *word = 0;
  {
    Waiter w(word, FUTEX_WAIT, 0);
    ASSERT_TRUE(AwaitWaiters(word, 1, 0));
    EXPECT_EQ(1, Futex(word, FUTEX_WAKE, 1));
    EXPECT_EQ(0, w.result());
  }
  munmap(word, 4096);
}

TEST(FutexThreads, BitsetsSelectWaiters) {
  uint32_t word = 0;
  constexpr int kWaitBs = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG;
  constexpr int kWakeBs = FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG;
  Waiter one(&word, kWaitBs, 0, 0x1);
  Waiter two(&word, kWaitBs, 0, 0x2);
  ASSERT_TRUE(AwaitWaiters(&word, 2));
  EXPECT_EQ(0, Futex(&word, kWakeBs, INT_MAX, nullptr, nullptr, 0x4));
  EXPECT_EQ(1, Futex(&word, kWakeBs, INT_MAX, nullptr, nullptr, 0x2));
  EXPECT_EQ(0, two.result());
  EXPECT_FALSE(one.done());
  // Plain FUTEX_WAKE matches every bitset.
  EXPECT_EQ(1, Futex(&word, kWakeP, 1));
  EXPECT_EQ(0, one.result());
}

TEST(FutexThreads, RequeueWakesSomeAndMovesTheRest) {
  uint32_t a = 0, b = 0;
  Waiter first(&a, kWaitP, 0);
  ASSERT_TRUE(AwaitWaiters(&a, 1));
  Waiter second(&a, kWaitP, 0);
  Waiter third(&a, kWaitP, 0);
  ASSERT_TRUE(AwaitWaiters(&a, 3));
  // Wake 1, move at most 1: returns both counts together.
  EXPECT_EQ(2, Futex2(&a, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 1, &b, 0));
  EXPECT_EQ(0, first.result());
  EXPECT_EQ(1, Waiters(&a));
  EXPECT_EQ(1, Waiters(&b));
  // A wake on the old word no longer reaches the moved waiter.
  EXPECT_EQ(1, Futex(&a, kWakeP, INT_MAX));
  EXPECT_EQ(1, Futex(&b, kWakeP, INT_MAX));
  EXPECT_EQ(0, second.result());
  EXPECT_EQ(0, third.result());
}

TEST(FutexThreads, CmpRequeueMovesWhenTheValueMatches) {
  uint32_t a = 4, b = 0;
  Waiter w1(&a, kWaitP, 4);
  Waiter w2(&a, kWaitP, 4);
  ASSERT_TRUE(AwaitWaiters(&a, 2));
  EXPECT_ERRNO(EAGAIN, Futex2(&a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, INT_MAX, &b, 3));
  EXPECT_EQ(2, Futex2(&a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, INT_MAX, &b, 4));
  EXPECT_EQ(0, Waiters(&a));
  EXPECT_EQ(2, Futex(&b, kWakeP, INT_MAX));
  EXPECT_EQ(0, w1.result());
  EXPECT_EQ(0, w2.result());
}

TEST(FutexThreads, WakeOpWakesTheSecondWordOnlyWhenTheComparisonHolds) {
  uint32_t a = 0, b = 0;
  Waiter wa(&a, kWaitP, 0);
  Waiter wb(&b, kWaitP, 0);
  ASSERT_TRUE(AwaitWaiters(&a, 1));
  ASSERT_TRUE(AwaitWaiters(&b, 1));
  // b: 0 -> 1, old value 0 is not > 0: only a's waiter wakes.
  EXPECT_EQ(1, Futex2(&a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &b,
                      FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0)));
  EXPECT_EQ(0, wa.result());
  EXPECT_EQ(1u, b);
  // b: 1 -> 2, old value 1 > 0: b's waiter wakes (a has none left).
  EXPECT_EQ(1, Futex2(&a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &b,
                      FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0)));
  EXPECT_EQ(0, wb.result());
  EXPECT_EQ(2u, b);
}

TEST(FutexThreads, TimedOutWaiterLeavesTheQueue) {
  uint32_t word = 0;
  timespec ts = Ms(20);
  Waiter w(&word, kWaitP, 0, FUTEX_BITSET_MATCH_ANY, &ts);
  EXPECT_EQ(-ETIMEDOUT, w.result());
  EXPECT_EQ(0, Waiters(&word));
  EXPECT_EQ(0, Futex(&word, kWakeP, 1));
}

// ---- thread exit -----------------------------------------------------------------

TEST(FutexExit, PthreadJoinWaitsForTheClearedTid) {
  // glibc's pthread_join sleeps on the thread's tid word until the kernel
  // clears it and wakes it (CLONE_CHILD_CLEARTID).
  std::atomic<bool> ran{false};
  std::thread t([&] {
    usleep(20000);
    ran = true;
  });
  t.join();
  EXPECT_TRUE(ran);
}

TEST(FutexExit, SetTidAddressWordIsClearedAndWoken) {
  static uint32_t word;
  word = 1;
  std::atomic<bool> set{false};
  std::thread t([&] {
    word = static_cast<uint32_t>(syscall(SYS_set_tid_address, &word));
    set = true;
    usleep(20000);
  });
  t.detach();
  while (!set) usleep(100);
  const uint32_t tid = word;
  ASSERT_GT(tid, 0u);
  // Shared wait: the exit-time wake does not use the private flag.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) != 0 && Clock::now() < deadline) {
    timespec ts = Ms(100);
    Futex(&word, FUTEX_WAIT, tid, &ts);
  }
  EXPECT_EQ(0u, word);
}

// struct robust_list_head with one lock whose futex word sits `offset`
// bytes after its list entry.
struct RobustLock {
  robust_list entry;
  uint32_t word;
};

TEST(FutexExit, RobustListMarksOwnedLocksOwnerDied) {
  static robust_list_head head;
  static RobustLock owned, foreign, pending;
  const long offset = offsetof(RobustLock, word) - offsetof(RobustLock, entry);
  std::atomic<uint32_t> tid{0};
  std::thread t([&] {
    const auto me = static_cast<uint32_t>(gettid());
    owned.word = me | FUTEX_WAITERS;
    foreign.word = me + 1;
    pending.word = me;
    head.list.next = &owned.entry;
    owned.entry.next = &foreign.entry;
    foreign.entry.next = &head.list;
    head.futex_offset = offset;
    head.list_op_pending = &pending.entry;  // being taken: not on the list yet
    syscall(SYS_set_robust_list, &head, sizeof head);
    tid = me;
  });
  t.join();
  ASSERT_NE(0u, tid.load());
  EXPECT_EQ(FUTEX_OWNER_DIED | FUTEX_WAITERS, owned.word);
  EXPECT_EQ(tid + 1, foreign.word);
  EXPECT_EQ(static_cast<uint32_t>(FUTEX_OWNER_DIED), pending.word);
}

TEST(FutexExit, RobustMutexOfADeadThreadReportsEOWNERDEAD) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_t m;
  pthread_mutex_init(&m, &attr);
  std::thread t([&] { pthread_mutex_lock(&m); });
  t.join();
  EXPECT_EQ(EOWNERDEAD, pthread_mutex_lock(&m));
  EXPECT_EQ(0, pthread_mutex_consistent(&m));
  EXPECT_EQ(0, pthread_mutex_unlock(&m));
  pthread_mutex_destroy(&m);
}

TEST(FutexExit, RobustMutexWaiterIsWokenByTheOwnersDeath) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_t m;
  pthread_mutex_init(&m, &attr);
  std::atomic<bool> locked{false};
  std::thread owner([&] {
    pthread_mutex_lock(&m);
    locked = true;
    usleep(50000);  // the main thread blocks on the mutex meanwhile
  });
  while (!locked) usleep(100);
  EXPECT_EQ(EOWNERDEAD, pthread_mutex_lock(&m));
  owner.join();
  pthread_mutex_consistent(&m);
  pthread_mutex_unlock(&m);
  pthread_mutex_destroy(&m);
}

// ---- between processes -------------------------------------------------------------

TEST(FutexProcesses, SharedMappingWakesAWaiterInAnotherProcess) {
  auto* word = static_cast<uint32_t*>(
      mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(MAP_FAILED, word);
  word[0] = 0;
  word[1] = 0;  // the child's result
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    timespec ts = Ms(5000);
    long r = Futex(word, FUTEX_WAIT, 0, &ts);
    word[1] = r == 0 ? 1 : 2;
    _exit(0);
  }
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  long woken = 0;
  while (woken == 0 && Clock::now() < deadline) {
    woken = Futex(word, FUTEX_WAKE, 1);
    if (woken == 0) usleep(1000);
  }
  EXPECT_EQ(1, woken);
  int status = 0;
  ASSERT_EQ(pid, waitpid(pid, &status, 0));
  EXPECT_EQ(1u, word[1]);
  munmap(word, 4096);
}

}  // namespace
