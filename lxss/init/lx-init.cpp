// lx-init: pid 1 of an instance the lxss daemon runs. Sessions' processes
// are its children and every orphan is reparented to it, so it reaps
// whatever ends and otherwise sleeps. It ignores the signals that would end
// a Linux init without a handler; the instance ends from the host side.
#include <signal.h>
#include <sys/wait.h>

#include <initializer_list>

namespace {
void on_child(int) {}
}  // namespace

int main() {
  struct sigaction sa {};
  sa.sa_handler = on_child;
  sigaction(SIGCHLD, &sa, nullptr);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE}) signal(sig, SIG_IGN);
  sigset_t chld, waiting;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &waiting);
  sigdelset(&waiting, SIGCHLD);
  for (;;) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {}
    sigsuspend(&waiting);  // SIGCHLD blocked until here: none is missed
  }
}
