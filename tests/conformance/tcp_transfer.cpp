// Blocking TCP transfers, as a stream program sees them: a big write sent
// whole, receives and sends interrupted by signals (with and without
// SA_RESTART, before and after part of the data moved), MSG_WAITALL over
// several sends, a receive into a bad buffer that keeps its bytes queued,
// SIGPIPE, EAGAIN, and the connection closing with the last descriptor
// even after a fork. Under lx these transfers are made by the guest's own
// host process (kernel/net/HostIo.h), so each case checks a path of that
// hand-off: the wait, the kick that ends it, the report back and the loan
// of the host socket.
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "inet_util.h"

namespace {

using conf::Sock;

struct Pair {
  Sock listener, client, server;
};

void Connect(Pair& p) {
  sockaddr_in addr = conf::Loopback4();
  p.listener = Sock(conf::BoundSocket(SOCK_STREAM, addr));
  ASSERT_GE(p.listener.get(), 0);
  ASSERT_SYS_OK(listen(p.listener, 4));
  p.client = Sock(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_GE(p.client.get(), 0);
  ASSERT_SYS_OK(connect(p.client, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  p.server = Sock(accept(p.listener, nullptr, nullptr));
  ASSERT_GE(p.server.get(), 0);
}

std::atomic<int> g_signals{0};
void CountSignal(int) { g_signals.fetch_add(1); }

// SIGALRM counts and, without SA_RESTART, interrupts; fires once after ms.
class Alarm {
 public:
  Alarm(int ms, bool restart) {
    g_signals = 0;
    struct sigaction sa{};
    sa.sa_handler = CountSignal;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, &old_);
    itimerval it{};
    it.it_value.tv_sec = ms / 1000;
    it.it_value.tv_usec = (ms % 1000) * 1000;
    setitimer(ITIMER_REAL, &it, nullptr);
  }
  ~Alarm() {
    itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);
    sigaction(SIGALRM, &old_, nullptr);
  }
  Alarm(const Alarm&) = delete;
  Alarm& operator=(const Alarm&) = delete;

 private:
  struct sigaction old_{};
};

std::vector<char> Pattern(size_t n) {
  std::vector<char> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<char>((i * 7 + i / 4096) & 0xff);
  return v;
}

TEST(TcpTransfer, BigWriteIsSentWholeAndArrivesInOrder) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  constexpr size_t kSize = 4 << 20;
  const std::vector<char> out = Pattern(kSize);
  std::vector<char> in(kSize);
  std::thread reader([&] {
    size_t got = 0;
    while (got < kSize) {
      ssize_t n = read(p.server, in.data() + got, kSize - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
  });
  EXPECT_EQ(write(p.client, out.data(), kSize), static_cast<ssize_t>(kSize));
  reader.join();
  EXPECT_TRUE(in == out);
}

TEST(TcpTransfer, RecvInterruptedWithoutRestartFailsEintr) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  char buf[64];
  Alarm alarm(50, false);
  EXPECT_ERRNO(EINTR, recv(p.server, buf, sizeof buf, 0));
  EXPECT_EQ(g_signals.load(), 1);
}

TEST(TcpTransfer, RecvInterruptedWithRestartGoesOnAndGetsTheData) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  std::thread sender([&] {
    usleep(300 * 1000);
    (void)!write(p.client, "late", 4);
  });
  char buf[64] = {};
  ssize_t n;
  {
    Alarm alarm(50, true);
    n = read(p.server, buf, sizeof buf);
  }
  sender.join();
  EXPECT_EQ(n, 4);
  EXPECT_EQ(std::string(buf, 4), "late");
  EXPECT_EQ(g_signals.load(), 1);
}

TEST(TcpTransfer, SendInterruptedAfterProgressReturnsTheBytesSent) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  // Nobody reads: the send fills both buffers and waits for room.
  constexpr size_t kSize = 64 << 20;
  const std::vector<char> out(kSize, 'x');
  Alarm alarm(100, false);
  const ssize_t n = send(p.client, out.data(), kSize, 0);
  EXPECT_GT(n, 0);
  EXPECT_LT(n, static_cast<ssize_t>(kSize));
  EXPECT_EQ(g_signals.load(), 1);
}

TEST(TcpTransfer, WaitallCollectsSeveralSends) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  std::thread sender([&] {
    for (const char* part : {"one-", "two-", "three"}) {
      usleep(20 * 1000);
      (void)!send(p.client, part, strlen(part), 0);
    }
  });
  char buf[13] = {};
  const ssize_t n = recv(p.server, buf, sizeof buf, MSG_WAITALL);
  sender.join();
  EXPECT_EQ(n, 13);
  EXPECT_EQ(std::string(buf, 13), "one-two-three");
}

TEST(TcpTransfer, RecvIntoBadBufferFailsEfaultAndKeepsTheBytes) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  ASSERT_EQ(send(p.client, "kept", 4, 0), 4);
  pollfd pfd{p.server, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 5000), 1);
  EXPECT_ERRNO(EFAULT, recv(p.server, conf::kOnePtr, 4, 0));
  char buf[8] = {};
  EXPECT_EQ(recv(p.server, buf, sizeof buf, MSG_DONTWAIT), 4);
  EXPECT_EQ(std::string(buf, 4), "kept");
}

TEST(TcpTransfer, SendAfterShutdownRaisesSigpipeUnlessNosignal) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  struct sigaction sa{}, old{};
  sa.sa_handler = CountSignal;
  ASSERT_SYS_OK(sigaction(SIGPIPE, &sa, &old));
  g_signals = 0;
  ASSERT_SYS_OK(shutdown(p.client, SHUT_WR));
  EXPECT_ERRNO(EPIPE, write(p.client, "x", 1));
  EXPECT_EQ(g_signals.load(), 1);
  EXPECT_ERRNO(EPIPE, send(p.client, "x", 1, 0));
  EXPECT_EQ(g_signals.load(), 2);
  EXPECT_ERRNO(EPIPE, send(p.client, "x", 1, MSG_NOSIGNAL));
  EXPECT_EQ(g_signals.load(), 2);
  sigaction(SIGPIPE, &old, nullptr);
}

TEST(TcpTransfer, NonblockingRecvWithoutDataFailsEagain) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  char buf[8];
  EXPECT_ERRNO(EAGAIN, recv(p.server, buf, sizeof buf, MSG_DONTWAIT));
  ASSERT_SYS_OK(fcntl(p.server, F_SETFL, O_NONBLOCK));
  EXPECT_ERRNO(EAGAIN, read(p.server, buf, sizeof buf));
  ASSERT_EQ(write(p.client, "now", 3), 3);
  pollfd pfd{p.server, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 5000), 1);
  EXPECT_EQ(read(p.server, buf, sizeof buf), 3);
}

TEST(TcpTransfer, LastCloseEndsTheConnectionWhileAForkedChildLives) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  ASSERT_EQ(write(p.client, "a", 1), 1);
  char c;
  ASSERT_EQ(read(p.server, &c, 1), 1);  // the server socket has been used here
  int ready[2];
  ASSERT_SYS_OK(pipe(ready));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(p.server.release());
    close(ready[0]);
    (void)!write(ready[1], "r", 1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  close(p.server.release());
  // The child closed its copy first: the peer sees the end of the stream.
  pollfd pfd{p.client, POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 5000), 1);
  EXPECT_EQ(recv(p.client, &c, 1, MSG_DONTWAIT), 0);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
}

TEST(TcpTransfer, CloseWithUnreadDataResetsThePeer) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(Connect(p));
  ASSERT_EQ(write(p.client, "ab", 2), 2);
  char c;
  pollfd pfd{p.server, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 5000), 1);
  ASSERT_EQ(read(p.server, &c, 1), 1);  // one byte stays unread
  close(p.server.release());
  pfd = {p.client, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 5000), 1);
  EXPECT_ERRNO(ECONNRESET, recv(p.client, &c, 1, MSG_DONTWAIT));
}

}  // namespace
