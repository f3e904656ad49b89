// `lx`'s side of the daemon: connecting (starting `lx --daemon` on demand)
// and the simple requests. Sessions themselves are cli/DaemonSession.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lxss/Protocol.h"

namespace lx::lxss {

// A connected socket to this user's daemon, or -1 with a one-line error
// (errno: why the last connect failed).
// start: launch the daemon when none answers (and wait for it).
int connect_daemon(bool start, std::string& error);

// One request, one reply. nullopt: no daemon (connect failed; error set)
// or it went away (error set).
std::optional<Reader> request(Writer& msg, bool start, std::string& error);

// The daemon's pid from its pid file, or 0.
int daemon_pid();

}  // namespace lx::lxss
