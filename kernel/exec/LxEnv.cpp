#include "kernel/exec/LxEnv.h"

namespace lx {

namespace {

std::string name_of(const std::string& var) { return var.substr(0, var.find('=')); }

std::optional<std::string> lookup(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& v : env)
    if (v.size() > name.size() && v.compare(0, name.size(), name) == 0 && v[name.size()] == '=')
      return v.substr(name.size() + 1);
  return std::nullopt;
}

std::string translate_one(const std::string& value, const PathTranslator& translate) {
  if (value.empty() || value[0] != '/') return value;
  std::optional<std::string> t = translate(value);
  return t ? *t : value;
}

}  // namespace

std::vector<std::string> crossing_variables(const std::vector<std::string>& from, EnvCrossing dir,
                                            const PathTranslator& translate) {
  std::vector<std::string> out;
  const std::optional<std::string> spec = lookup(from, "LXENV");
  if (!spec) return out;
  out.push_back("LXENV=" + *spec);
  size_t pos = 0;
  while (pos <= spec->size()) {
    size_t end = spec->find(':', pos);
    if (end == std::string::npos) end = spec->size();
    const std::string item = spec->substr(pos, end - pos);
    pos = end + 1;
    const size_t slash = item.find('/');
    const std::string name = item.substr(0, slash);
    const std::string flags = slash == std::string::npos ? "" : item.substr(slash + 1);
    if (name.empty() || name == "LXENV" || name.find('=') != std::string::npos) continue;
    const bool only_in = flags.find('u') != std::string::npos;
    const bool only_out = flags.find('h') != std::string::npos || flags.find('w') != std::string::npos;
    if ((only_in && dir != EnvCrossing::HostToGuest) || (only_out && dir != EnvCrossing::GuestToHost)) continue;
    std::optional<std::string> value = lookup(from, name);
    if (!value) continue;
    if (flags.find('l') != std::string::npos) {
      std::string list;
      size_t p = 0;
      while (p <= value->size()) {
        size_t e = value->find(':', p);
        if (e == std::string::npos) e = value->size();
        list += (p ? ":" : "") + translate_one(value->substr(p, e - p), translate);
        p = e + 1;
      }
      value = list;
    } else if (flags.find('p') != std::string::npos) {
      value = translate_one(*value, translate);
    }
    out.push_back(name + "=" + *value);
  }
  return out;
}

std::vector<std::string> merge_environment(std::vector<std::string> base, const std::vector<std::string>& overrides) {
  for (const std::string& o : overrides) {
    const std::string name = name_of(o);
    bool replaced = false;
    for (std::string& b : base)
      if (name_of(b) == name) {
        b = o;
        replaced = true;
      }
    if (!replaced) base.push_back(o);
  }
  return base;
}

}  // namespace lx
