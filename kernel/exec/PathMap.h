// Prefix translation between guest paths and host paths (interop): a
// mapping says "guest directory G shows host directory H". Header-only and
// free of kernel types, so the guest tool lxpath (tools/lxpath) shares it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lx {

struct PathMapping {
  std::string guest, host;  // absolute, without a trailing '/' (except "/")
};

// Whether `path` is `dir` or below it (both absolute, lexical).
inline bool path_within(const std::string& dir, const std::string& path) {
  if (dir == "/") return !path.empty() && path[0] == '/';
  return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

// `path` (absolute, lexical: no symlinks resolved) seen through the mapping
// with the longest matching prefix on the `from` side; nullopt if none.
inline std::optional<std::string> map_path(const std::vector<PathMapping>& maps, const std::string& path,
                                           bool to_host) {
  const PathMapping* best = nullptr;
  size_t best_len = 0;
  for (const PathMapping& m : maps) {
    const std::string& from = to_host ? m.guest : m.host;
    if (path_within(from, path) && (!best || from.size() > best_len)) {
      best = &m;
      best_len = from.size();
    }
  }
  if (!best) return std::nullopt;
  const std::string& from = to_host ? best->guest : best->host;
  const std::string& to = to_host ? best->host : best->guest;
  std::string rest = from == "/" ? path.substr(1) : path.substr(from.size());
  if (!rest.empty() && rest[0] == '/') rest.erase(0, 1);
  if (rest.empty()) return to;
  return to == "/" ? "/" + rest : to + "/" + rest;
}

// Removes "." components, repeated and trailing slashes; ".." is resolved
// lexically (callers that need symlink-exact answers resolve first).
inline std::string normalize_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string c = path.substr(i, j - i);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(std::move(c));
    }
    i = j + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

}  // namespace lx
