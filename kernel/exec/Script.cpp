#include "kernel/exec/Script.h"

#include <algorithm>

namespace lx {

namespace {
bool blank(char c) { return c == ' ' || c == '\t'; }
}  // namespace

Result<std::optional<ScriptLine>> parse_script_line(std::span<const uint8_t> head) {
  if (head.size() < 2 || head[0] != '#' || head[1] != '!') return std::optional<ScriptLine>{};
  std::string line(reinterpret_cast<const char*>(head.data()) + 2, head.size() - 2);
  size_t stop = line.find_first_of(std::string("\n\0", 2));
  const bool complete = stop != std::string::npos;
  if (complete) line.resize(stop);

  size_t b = 0;
  while (b < line.size() && blank(line[b])) ++b;
  size_t e = b;
  while (e < line.size() && !blank(line[e])) ++e;
  // Without a line end inside the header, the name must be followed by a
  // blank, or it may have been truncated (Linux refuses those since 5.0).
  if (!complete && e == line.size()) return err(ENOEXEC);
  if (e == b) return err(ENOEXEC);

  ScriptLine out;
  out.interpreter = line.substr(b, e - b);
  size_t a = e;
  while (a < line.size() && blank(line[a])) ++a;
  size_t z = line.size();
  while (z > a && blank(line[z - 1])) --z;
  if (z > a) out.arg = line.substr(a, z - a);
  return std::optional<ScriptLine>{std::move(out)};
}

std::vector<std::string> script_argv(const ScriptLine& line, const std::string& script_path,
                                     const std::vector<std::string>& argv) {
  std::vector<std::string> out{line.interpreter};
  if (line.arg) out.push_back(*line.arg);
  out.push_back(script_path);
  if (argv.size() > 1) out.insert(out.end(), argv.begin() + 1, argv.end());
  return out;
}

}  // namespace lx
