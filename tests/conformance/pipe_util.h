// A pipe that closes its ends, shared by the pipe and poll suites.
#pragma once

#include <stdlib.h>
#include <unistd.h>

struct Pipe {
  int r = -1, w = -1;
  explicit Pipe(int flags = 0) {
    int fds[2];
    if (pipe2(fds, flags) != 0) abort();
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    if (r >= 0) close(r);
    if (w >= 0) close(w);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_r() { close(r); r = -1; }
  void close_w() { close(w); w = -1; }
};
