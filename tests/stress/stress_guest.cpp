// stress_guest: the guest half of the `stress` test (see README.md). A
// static program that loads a runtime with many concurrent processes and
// futex contention at once, and checks its own results:
//
//   - PROCS worker processes run concurrently; each forks a child that
//     _exits with a known status and reaps it with wait4, over and over
//     (PAUSE_MS apart), until the deadline, then reports its count over a
//     pipe and exits 0.
//   - THREADS threads in the main process contend on one futex mutex
//     (Drepper's three-state mutex: FUTEX_WAIT on contention, FUTEX_WAKE of
//     one waiter on unlock) to bump a shared counter, and meet at a futex
//     barrier (generation word, FUTEX_WAKE of all) every kOpsPerRound bumps.
//     Every FUTEX_WAIT is untimed, so a lost wake-up is a hang, which the
//     main thread's watchdog reports (exit 3) after the deadline + GRACE s.
//     The counter must equal rounds * THREADS * kOpsPerRound.
//
// Handshake with the harness, so it can take its before/after samples while
// the guest is idle: the guest prints "ready", waits for a line on stdin,
// runs, prints "result ..." (or "FAIL ..."), waits for another line, exits.
//
// Usage: stress_guest [PROCS [THREADS [SECONDS [GRACE [PAUSE_MS]]]]]
//        (defaults 200 64 10 30 50; PAUSE_MS: a worker's pause between forks)
// Exit status: 0 all checks passed; 1 a check failed; 2 usage; 3 hang.
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

constexpr int kOpsPerRound = 16;

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

long futex(std::atomic<int>* word, int op, int val, const timespec* timeout = nullptr) {
  return syscall(SYS_futex, reinterpret_cast<int*>(word), op, val, timeout, nullptr, 0);
}

// Drepper, "Futexes Are Tricky", mutex 3: 0 free, 1 locked, 2 locked with waiters.
struct FutexMutex {
  std::atomic<int> word{0};
  void lock() {
    int c = 0;
    if (word.compare_exchange_strong(c, 1)) return;
    if (c != 2) c = word.exchange(2);
    while (c != 0) {
      futex(&word, FUTEX_WAIT_PRIVATE, 2);
      c = word.exchange(2);
    }
  }
  void unlock() {
    if (word.fetch_sub(1) != 1) {
      word.store(0);
      futex(&word, FUTEX_WAKE_PRIVATE, 1);
    }
  }
};

struct Shared {
  int threads = 0;
  int64_t deadline_ns = 0;
  FutexMutex mutex;
  long counter = 0;  // guarded by mutex
  std::atomic<int> arrived{0};
  std::atomic<int> generation{0};
  std::atomic<bool> stop{false};
  std::atomic<long> rounds{0};
  std::atomic<int> finished{0};  // threads done; also a futex word for the watchdog
};

// All threads arrive; the last one decides whether to stop (so every thread
// runs the same number of rounds), then releases the others.
void barrier(Shared& s) {
  int gen = s.generation.load();
  if (s.arrived.fetch_add(1) + 1 == s.threads) {
    s.arrived.store(0);
    s.rounds.fetch_add(1);
    if (now_ns() >= s.deadline_ns) s.stop.store(true);
    s.generation.fetch_add(1);
    futex(&s.generation, FUTEX_WAKE_PRIVATE, INT_MAX);
    return;
  }
  while (s.generation.load() == gen) futex(&s.generation, FUTEX_WAIT_PRIVATE, gen);
}

void contender(Shared& s, long* mine) {
  long local = 0;
  while (!s.stop.load()) {
    for (int i = 0; i < kOpsPerRound; ++i) {
      s.mutex.lock();
      ++s.counter;
      s.mutex.unlock();
      ++local;
    }
    barrier(s);
  }
  *mine = local;
  s.finished.fetch_add(1);
  futex(&s.finished, FUTEX_WAKE_PRIVATE, 1);
}

// A worker process: fork + child _exit(k) + wait4 until the deadline, with
// a pause between rounds (so that on a small machine the futex threads are
// not starved of CPU by 200 busy forkers).
[[noreturn]] void process_worker(int report_fd, int64_t deadline_ns, int pause_ms) {
  long forks = 0;
  const timespec pause{pause_ms / 1000, (pause_ms % 1000) * 1'000'000L};
  while (now_ns() < deadline_ns) {
    if (forks > 0 && pause_ms > 0) nanosleep(&pause, nullptr);
    int code = static_cast<int>(forks % 100);
    pid_t pid = fork();
    if (pid == 0) _exit(code);
    if (pid < 0) {
      if (errno == EAGAIN) continue;
      _exit(10);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) _exit(11);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code) _exit(12);
    ++forks;
  }
  long record[2] = {static_cast<long>(getpid()), forks};
  if (write(report_fd, record, sizeof record) != static_cast<ssize_t>(sizeof record)) _exit(13);
  _exit(0);
}

bool wait_line() {
  char c;
  for (;;) {
    ssize_t n = read(0, &c, 1);
    if (n <= 0) return false;
    if (c == '\n') return true;
  }
}

int parse(const char* s, int lo, int hi) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
    std::fprintf(stderr, "usage: stress_guest [PROCS [THREADS [SECONDS [GRACE [PAUSE_MS]]]]]\n");
    std::exit(2);
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  int procs = argc > 1 ? parse(argv[1], 0, 10000) : 200;
  int threads = argc > 2 ? parse(argv[2], 1, 1024) : 64;
  int seconds = argc > 3 ? parse(argv[3], 1, 3600) : 10;
  int grace = argc > 4 ? parse(argv[4], 1, 3600) : 30;
  int pause_ms = argc > 5 ? parse(argv[5], 0, 10000) : 50;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  std::printf("ready\n");
  if (!wait_line()) return 2;

  int report[2];
  if (pipe(report) != 0) return 1;
  Shared s;
  s.threads = threads;
  s.deadline_ns = now_ns() + int64_t{seconds} * 1'000'000'000;

  // Workers first, while the process is still single-threaded.
  std::vector<pid_t> workers;
  for (int i = 0; i < procs; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      close(report[0]);
      process_worker(report[1], s.deadline_ns, pause_ms);
    }
    if (pid < 0) {
      std::printf("FAIL fork of worker %d: %s\n", i, std::strerror(errno));
      return 1;
    }
    workers.push_back(pid);
  }
  close(report[1]);

  std::vector<long> per_thread(static_cast<size_t>(threads), 0);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(contender, std::ref(s), &per_thread[static_cast<size_t>(i)]);

  // Watchdog: every thread must be done within the deadline + grace.
  int64_t give_up = s.deadline_ns + int64_t{grace} * 1'000'000'000;
  for (int done; (done = s.finished.load()) < threads;) {
    int64_t left = give_up - now_ns();
    if (left <= 0) {
      std::printf("FAIL hang: %d of %d futex threads finished %d s after the deadline; counter %ld, rounds %ld, "
                  "barrier generation %d arrived %d, mutex word %d\n",
                  done, threads, grace, s.counter, s.rounds.load(), s.generation.load(), s.arrived.load(),
                  s.mutex.word.load());
      std::fflush(stdout);
      _exit(3);  // threads and workers die with the group
    }
    timespec ts{0, 200'000'000};
    futex(&s.finished, FUTEX_WAIT_PRIVATE, done, &ts);
  }
  for (auto& t : pool) t.join();

  bool ok = true;
  long sum = 0;
  for (long v : per_thread) sum += v;
  long expected = s.rounds.load() * threads * kOpsPerRound;
  if (s.counter != expected || sum != expected) {
    std::printf("FAIL futex counter %ld, threads counted %ld, expected %ld (%ld rounds)\n", s.counter, sum, expected,
                s.rounds.load());
    ok = false;
  }

  // Every worker reports once and exits 0.
  long forks = 0;
  int reports = 0;
  long record[2];
  for (ssize_t n; (n = read(report[0], record, sizeof record)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof record)) {
      std::printf("FAIL short report read: %zd\n", n);
      ok = false;
      break;
    }
    ++reports;
    forks += record[1];
  }
  int reaped = 0, bad = 0;
  for (pid_t pid : workers) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
      std::printf("FAIL waitpid(%d): %s\n", pid, std::strerror(errno));
      ok = false;
      continue;
    }
    ++reaped;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (bad++ < 5)
        std::printf("FAIL worker %d: %s %d\n", pid, WIFEXITED(status) ? "exited" : "killed by signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
      ok = false;
    }
  }
  if (reports != procs || reaped != procs) {
    std::printf("FAIL %d of %d workers reported, %d reaped\n", reports, procs, reaped);
    ok = false;
  }
  errno = 0;
  if (waitpid(-1, nullptr, WNOHANG) != -1 || errno != ECHILD) {
    std::printf("FAIL a child is left after reaping every worker\n");
    ok = false;
  }
  std::printf("result %s procs=%d forks=%ld threads=%d rounds=%ld futex_counter=%ld expected=%ld\n",
              ok ? "ok" : "FAILED", procs, forks, threads, s.rounds.load(), s.counter, expected);
  wait_line();
  return ok ? 0 : 1;
}
