// The /proc directory: a directory per process, self and thread-self, and
// the system-wide files (Global.cpp).
#include <algorithm>
#include <random>

#include "kernel/fs/proc/Internal.h"
#include "kernel/fs/proc/ProcFs.h"

namespace lx {

namespace procfs {

namespace {

using synth::Entry;

std::string random_uuid() {
  std::random_device rd;
  uint8_t b[16];
  for (uint8_t& x : b) x = static_cast<uint8_t>(rd());
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

Entry pid_entry(const ProcFs& pfs, int pid) {
  return Entry{std::to_string(pid), abi::kSIfdir, [&pfs, pid](const std::string& path, const InodeRef& parent) {
                 return Result<InodeRef>(make_pid_dir(pfs, path, parent, pid, 0));
               }};
}

Result<std::vector<Entry>> root_entries(const ProcFs& pfs) {
  std::vector<Entry> e = global_entries(pfs);
  e.push_back(Entry{"self", abi::kSIflnk, [&pfs](const std::string& path, const InodeRef&) {
                      return Result<InodeRef>(std::make_shared<synth::Link>(pfs.fs, path, 0777, []() -> Result<std::string> {
                        Task* t = current_task();
                        if (!t) return err(ENOENT);
                        return std::to_string(t->tg().pid());
                      }));
                    }});
  e.push_back(Entry{"thread-self", abi::kSIflnk, [&pfs](const std::string& path, const InodeRef&) {
                      return Result<InodeRef>(std::make_shared<synth::Link>(pfs.fs, path, 0777, []() -> Result<std::string> {
                        Task* t = current_task();
                        if (!t) return err(ENOENT);
                        return std::to_string(t->tg().pid()) + "/task/" + std::to_string(t->tid());
                      }));
                    }});
  // Processes after the named entries, in pid order, like Linux.
  if (Kernel* k = caller_kernel())
    for (const auto& [pid, tg] : k->groups()) e.push_back(pid_entry(pfs, pid));
  return e;
}

}  // namespace

}  // namespace procfs

InodeRef make_procfs() {
  auto pfs = std::make_shared<procfs::ProcFs>();
  pfs->fs = synth::FsInfo{0x9fa0, 0x14, "proc"};  // PROC_SUPER_MAGIC, an anonymous 0:20
  pfs->boot_id = procfs::random_uuid();
  const procfs::ProcFs& ref = *pfs;
  // The root keeps the instance alive: every node refers to it.
  auto list = [pfs, &ref]() { return procfs::root_entries(ref); };
  // /proc/<tid> of a thread that is not a leader is found but not listed.
  auto hidden = [&ref](std::string_view name, const std::string& path, const InodeRef& parent) -> Result<InodeRef> {
    const int tid = procfs::parse_pid(name);
    Kernel* k = procfs::caller_kernel();
    if (tid <= 0 || !k) return err(ENOENT);
    Task* t = k->find_task(tid);
    if (!t) return err(ENOENT);
    return procfs::make_pid_dir(ref, path, parent, t->tg().pid(), tid);
  };
  return std::make_shared<synth::Dir>(ref.fs, "/", 0555, list, nullptr, hidden);
}

}  // namespace lx
