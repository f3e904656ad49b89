#include "lxss/LxConf.h"

#include <ini.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <strings.h>

namespace lx::lxss {

namespace {

struct State {
  LxConfResult* out;
  int line = 0;  // inih reports lines only for errors: we count entries
};

bool parse_bool(const std::string& v, bool& out) {
  if (strcasecmp(v.c_str(), "true") == 0 || v == "1" || strcasecmp(v.c_str(), "yes") == 0) out = true;
  else if (strcasecmp(v.c_str(), "false") == 0 || v == "0" || strcasecmp(v.c_str(), "no") == 0) out = false;
  else return false;
  return true;
}

#if INI_HANDLER_LINENO
int on_entry(void* user, const char* section, const char* key, const char* value, int lineno) {
#else
int on_entry(void* user, const char* section, const char* key, const char* value) {
  const int lineno = 0;
#endif
  auto* st = static_cast<State*>(user);
  LxConf& c = st->out->conf;
  const std::string s = section, k = key, v = value;
  const std::string where = lineno > 0 ? "lx.conf:" + std::to_string(lineno) + ": " : "lx.conf: ";
  auto bad_value = [&] { st->out->warnings.push_back(where + "bad value for " + s + "." + k + ": " + v); };
  bool known = true;
  if (s == "boot" && k == "command") c.boot_command = v;
  else if (s == "user" && k == "default") c.default_user = v;
  else if (s == "automount" && k == "root") {
    if (v.empty() || v[0] != '/') bad_value();
    else c.automount_root = v;
  } else if (s == "automount" && k == "options") {
    if (v != "ro" && v != "rw") bad_value();
    else c.automount_options = v;
  } else if (s == "automount" && k == "enabled") {
    if (!parse_bool(v, c.automount_enabled)) bad_value();
  } else if (s == "interop" && k == "enabled") {
    if (!parse_bool(v, c.interop_enabled)) bad_value();
  } else if (s == "interop" && k == "appendHostPath") {
    if (!parse_bool(v, c.append_host_path)) bad_value();
  } else if (s == "network" && k == "hostname") {
    c.hostname = v;
  } else if (s == "network" && k == "mode") {
    if (v != "host" && v != "none") bad_value();
    else c.network_mode = v;
  } else {
    known = false;
  }
  if (!known) st->out->warnings.push_back(where + "unknown key " + s + "." + k + " (ignored)");
  return 1;
}

}  // namespace

LxConfResult read_lx_conf(const std::string& path) {
  LxConfResult r;
  FILE* f = std::fopen(path.c_str(), "re");
  if (!f) {
    if (errno != ENOENT) r.error = "cannot read /etc/lx.conf: " + std::string(std::strerror(errno));
    return r;
  }
  State st{&r};
  const int line = ini_parse_file(f, on_entry, &st);
  std::fclose(f);
  if (line > 0) {
    r.error = "/etc/lx.conf: syntax error at line " + std::to_string(line) + " (using the defaults)";
    r.conf = LxConf{};
    r.warnings.clear();
  } else if (line < 0) {
    r.error = "cannot read /etc/lx.conf";
  }
  return r;
}

}  // namespace lx::lxss
