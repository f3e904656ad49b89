// Vfs::cred(): the caller's filesystem credentials. Each guest task has its
// own provider thread, so current_task() is the caller; its thread group's
// ids give fsuid/fsgid and groups, and the capabilities follow the model of
// syscalls/creds.cpp (root-derived: permitted when any of ruid/euid/suid is
// 0; the filesystem ones effective when fsuid is 0, the others when euid is).
#include "kernel/CurrentTask.h"
#include "kernel/Task.h"
#include "kernel/vfs/Permission.h"
#include "kernel/vfs/Vfs.h"

namespace lx {

std::optional<Credentials> current_credentials() {
  Task* t = current_task();
  if (!t) return std::nullopt;
  const ThreadGroup& g = t->tg();
  Credentials c;
  c.uid = g.fsuid;
  c.gid = g.fsgid;
  c.groups = g.groups;
  const bool permitted = g.uid == 0 || g.euid == 0 || g.suid == 0;
  c.caps = 0;
  if (permitted && g.fsuid == 0) c.caps |= Credentials::kFsCaps;
  if (permitted && g.euid == 0) c.caps |= Credentials::kCapSysAdmin;
  return c;
}

Credentials Vfs::cred() const { return current_credentials().value_or(default_cred_); }

}  // namespace lx
