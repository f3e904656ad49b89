// System-wide /proc files and /proc/sys. CPU, memory and load figures are
// the host's (the CPUs and memory the guest really runs on, as WSL shows
// Windows'), except what names processes, which is the instance's own.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <random>
#include <sstream>

#include "kernel/fs/proc/Internal.h"
#include "kernel/syscalls/Process.h"
#include "kernel/syscalls/Uts.h"
#include "kernel/vfs/FsNotify.h"

namespace lx::procfs {

namespace {

using synth::Entry;
using synth::WriteRule;

Result<std::string> host_text(const std::string& name) {
  Kernel* k = caller_kernel();
  if (!k) return err(EIO);
  Result<std::string> text = k->host().system_info(name);
  if (!text.ok()) return std::string();
  return text;
}

Result<std::string> text(std::string s) { return s; }

// loadavg: the host's averages; running/total and the last pid are the instance's.
Result<std::string> loadavg() {
  std::string host = TRY(host_text("loadavg"));
  double a = 0, b = 0, c = 0;
  std::sscanf(host.c_str(), "%lf %lf %lf", &a, &b, &c);
  Kernel* k = caller_kernel();
  int running = 0, total = 0, last = 0;
  if (k) {
    for (const auto& [pid, tg] : k->groups()) {
      last = std::max(last, pid);
      for (Task* t : tg->tasks) {
        ++total;
        if (t->running_guest || t == current_task()) ++running;
        last = std::max(last, t->tid());
      }
    }
  }
  char out[128];
  std::snprintf(out, sizeof out, "%.2f %.2f %.2f %d/%d %d\n", a, b, c, running, total, last);
  return std::string(out);
}

// /proc/stat: the host's CPU lines and boot time; process counts are ours.
Result<std::string> stat_text() {
  std::string host = TRY(host_text("stat"));
  Kernel* k = caller_kernel();
  int running = 0;
  if (k)
    for (const auto& [pid, tg] : k->groups())
      for (Task* t : tg->tasks)
        if (t->running_guest || t == current_task()) ++running;
  std::istringstream in(host);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("procs_running ", 0) == 0)
      line = "procs_running " + std::to_string(std::max(running, 1));
    else if (line.rfind("procs_blocked ", 0) == 0)
      line = "procs_blocked 0";
    out += line + "\n";
  }
  return out;
}

Result<std::string> version_text() {
  Kernel* k = caller_kernel();
  if (!k) return err(EIO);
  return "Linux version " + k->config().uname_release + " (lxcore@lxcore) (lxcore) " + k->config().uname_version + "\n";
}

std::string random_uuid() {
  std::random_device rd;
  uint8_t b[16];
  for (uint8_t& x : b) x = static_cast<uint8_t>(rd());
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  char out[38];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

// A read-only sysctl: opening it for writing is EACCES.
Entry sysctl(const synth::FsInfo& fs, std::string name, synth::Generator gen) {
  return synth::file_entry(fs, std::move(name), 0444, std::move(gen), nullptr, WriteRule::kOpenEacces);
}

Entry fixed_sysctl(const synth::FsInfo& fs, std::string name, std::string value) {
  return sysctl(fs, std::move(name), [value = std::move(value)] { return text(value); });
}

std::vector<Entry> kernel_sysctls(const ProcFs& pfs) {
  const synth::FsInfo& fs = pfs.fs;
  std::vector<Entry> e;
  e.push_back(fixed_sysctl(fs, "cap_last_cap", "40\n"));
  e.push_back(fixed_sysctl(fs, "core_pattern", "core\n"));
  e.push_back(sysctl(fs, "domainname", []() -> Result<std::string> {
    Kernel* k = caller_kernel();
    if (!k) return err(EIO);
    return uts_domainname(*k) + "\n";
  }));
  e.push_back(sysctl(fs, "hostname", []() -> Result<std::string> {
    Kernel* k = caller_kernel();
    if (!k) return err(EIO);
    return uts_hostname(*k) + "\n";
  }));
  e.push_back(fixed_sysctl(fs, "ngroups_max", "65536\n"));
  e.push_back(sysctl(fs, "osrelease", []() -> Result<std::string> {
    Kernel* k = caller_kernel();
    if (!k) return err(EIO);
    return k->config().uname_release + "\n";
  }));
  e.push_back(fixed_sysctl(fs, "ostype", "Linux\n"));
  e.push_back(fixed_sysctl(fs, "overflowgid", "65534\n"));
  e.push_back(fixed_sysctl(fs, "overflowuid", "65534\n"));
  e.push_back(fixed_sysctl(fs, "pid_max", "4194304\n"));
  e.push_back(synth::dir_entry(fs, "random", 0555, [&pfs]() -> Result<std::vector<Entry>> {
    std::vector<Entry> r;
    r.push_back(fixed_sysctl(pfs.fs, "boot_id", pfs.boot_id + "\n"));
    r.push_back(fixed_sysctl(pfs.fs, "entropy_avail", "256\n"));
    r.push_back(fixed_sysctl(pfs.fs, "poolsize", "256\n"));
    r.push_back(sysctl(pfs.fs, "uuid", [] { return text(random_uuid()); }));
    return r;
  }));
  e.push_back(fixed_sysctl(fs, "threads-max", "4194304\n"));
  e.push_back(sysctl(fs, "version", []() -> Result<std::string> {
    Kernel* k = caller_kernel();
    if (!k) return err(EIO);
    return k->config().uname_version + "\n";
  }));
  return e;
}

}  // namespace

Entry sys_entry(const ProcFs& pfs) {
  return synth::dir_entry(pfs.fs, "sys", 0555, [&pfs]() -> Result<std::vector<Entry>> {
    const synth::FsInfo& fs = pfs.fs;
    std::vector<Entry> e;
    e.push_back(synth::dir_entry(fs, "fs", 0555, [&fs]() -> Result<std::vector<Entry>> {
      std::vector<Entry> f;
      f.push_back(fixed_sysctl(fs, "file-max", "9223372036854775807\n"));
      f.push_back(fixed_sysctl(fs, "file-nr", "0\t0\t9223372036854775807\n"));
      f.push_back(synth::dir_entry(fs, "inotify", 0555, [&fs]() -> Result<std::vector<Entry>> {
        std::vector<Entry> i;
        i.push_back(fixed_sysctl(fs, "max_queued_events", std::to_string(FsNotify::kMaxQueuedEvents) + "\n"));
        i.push_back(fixed_sysctl(fs, "max_user_instances", std::to_string(FsNotify::kMaxUserInstances) + "\n"));
        i.push_back(fixed_sysctl(fs, "max_user_watches", std::to_string(FsNotify::kMaxUserWatches) + "\n"));
        return i;
      }));
      f.push_back(fixed_sysctl(fs, "nr_open", std::to_string(kNrOpen) + "\n"));
      f.push_back(fixed_sysctl(fs, "pipe-max-size", "1048576\n"));
      return f;
    }));
    e.push_back(synth::dir_entry(fs, "kernel", 0555, [&pfs]() -> Result<std::vector<Entry>> { return kernel_sysctls(pfs); }));
    e.push_back(synth::dir_entry(fs, "vm", 0555, [&fs]() -> Result<std::vector<Entry>> {
      std::vector<Entry> v;
      v.push_back(fixed_sysctl(fs, "max_map_count", "65530\n"));
      v.push_back(fixed_sysctl(fs, "mmap_min_addr", "65536\n"));
      v.push_back(fixed_sysctl(fs, "overcommit_memory", "0\n"));
      v.push_back(fixed_sysctl(fs, "overcommit_ratio", "50\n"));
      return v;
    }));
    return e;
  });
}

std::vector<Entry> global_entries(const ProcFs& pfs) {
  const synth::FsInfo& fs = pfs.fs;
  auto file = [&fs](std::string name, synth::Generator gen) { return synth::file_entry(fs, std::move(name), 0444, std::move(gen)); };
  std::vector<Entry> e;
  e.push_back(file("cmdline", [] { return text("BOOT_IMAGE=lxcore\n"); }));
  e.push_back(file("cpuinfo", [] { return host_text("cpuinfo"); }));
  e.push_back(file("filesystems", [] { return text("nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tpipefs\nnodev\thostfs\n"); }));
  e.push_back(file("loadavg", [] { return loadavg(); }));
  e.push_back(file("meminfo", [] { return host_text("meminfo"); }));
  e.push_back(synth::link_entry(fs, "mounts", [] { return text("self/mounts"); }));
  e.push_back(file("stat", [] { return stat_text(); }));
  e.push_back(file("swaps", [] { return text("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"); }));
  e.push_back(sys_entry(pfs));
  e.push_back(file("uptime", [] { return host_text("uptime"); }));
  e.push_back(file("version", [] { return version_text(); }));
  return e;
}

}  // namespace lx::procfs
