// The stdio of a host program run from the guest (Interop.h). A guest fd
// 0/1/2 backed by a host fd (the caller's terminal, a hostfs or lxfs file)
// is handed to the host program as that same host fd (shared offset and
// flags). Any other open file (kernel pipes, sockets, ptys, tmpfs files)
// gets a host pipe whose provider end the proxy task pumps, non-blocking and
// under the big lock, from or to the guest file until EOF. A closed fd (or
// one marked close-on-exec) becomes /dev/null.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "kernel/Task.h"
#include "kernel/base/Result.h"
#include "kernel/vfs/FileWait.h"

namespace lx {

enum class RelayPhase {
  Running,   // the host program runs: wait for data
  Draining,  // it has ended: move what is buffered, stop at the first EAGAIN
};

class StdioRelays {
 public:
  StdioRelays() = default;
  StdioRelays(const StdioRelays&) = delete;
  StdioRelays& operator=(const StdioRelays&) = delete;
  ~StdioRelays();

  // Fills host_fds[0..2] with the host fds the program gets (-1: /dev/null).
  Result<void> prepare(Task& t, int (&host_fds)[3]);
  // The program has its copies: the provider closes the program's pipe ends
  // (so EOF reaches each side when the other closes).
  void started();
  // Moves data without blocking; errors end a relay.
  void pump(RelayPhase phase);
  bool done() const;
  // What the proxy sleeps on until the next pump can make progress.
  void wait_set(std::vector<WaitQueue*>& queues, std::vector<HostPoll>& polls) const;

 private:
  struct Relay {
    OpenFileRef guest;
    int ours = -1;    // the provider's end of the host pipe (non-blocking); -1 when done
    int theirs = -1;  // the program's end, closed once it started
    bool to_host = false;  // fd 0: guest -> host; 1, 2: host -> guest
    std::vector<uint8_t> buf;
    size_t off = 0;
    bool eof = false;  // the source said EOF (or failed)
    bool guest_blocked = false;  // the last guest read/write was EAGAIN
  };
  void pump_to_host(Relay& r);
  void pump_from_host(Relay& r, RelayPhase phase);
  static void finish(Relay& r);

  std::array<Relay, 3> relays_;
  std::vector<OpenFileRef> passed_;  // guest files whose host fds the program got
};

}  // namespace lx
