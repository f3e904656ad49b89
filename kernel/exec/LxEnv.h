// LXENV (WSLENV's counterpart): which environment variables cross the
// guest/host boundary, and how. LXENV is a colon-separated list of names,
// each optionally followed by '/' and flags:
//   p  the value is a path: translated to the other side's view
//   l  the value is a colon-separated list of paths, each translated
//   u  only from the host into the guest (a session's start)
//   h  only from the guest to a host program (alias: w, as in WSLENV)
// A path with no translation (relative, or outside every mapping) is passed
// unchanged. LXENV itself always crosses.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lx {

enum class EnvCrossing { HostToGuest, GuestToHost };

using PathTranslator = std::function<std::optional<std::string>(const std::string&)>;

// The variables of `from` ("NAME=value" strings) that its LXENV lets cross
// in direction `dir`, values translated, LXENV first.
std::vector<std::string> crossing_variables(const std::vector<std::string>& from, EnvCrossing dir,
                                            const PathTranslator& translate);

// `base` with every variable of `overrides` set (replacing same-named ones).
std::vector<std::string> merge_environment(std::vector<std::string> base, const std::vector<std::string>& overrides);

}  // namespace lx
