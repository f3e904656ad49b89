#include "kernel/fs/sys/SysFs.h"

#include <thread>

#include "kernel/fs/synth/Nodes.h"

namespace lx {

namespace {

using synth::Entry;

std::string cpu_range() {
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  return n == 1 ? std::string("0\n") : "0-" + std::to_string(n - 1) + "\n";
}

// Read-only sysfs attributes: 0444, opening one for writing is EACCES.
Entry attr(const synth::FsInfo& fs, std::string name, synth::Generator gen) {
  return synth::file_entry(fs, std::move(name), 0444, std::move(gen), nullptr, synth::WriteRule::kOpenEacces);
}

synth::Lister empty() {
  return []() -> Result<std::vector<Entry>> { return std::vector<Entry>{}; };
}

}  // namespace

InodeRef make_sysfs() {
  auto fs = std::make_shared<synth::FsInfo>(synth::FsInfo{0x62656572, 0x15, "sysfs"});  // SYSFS_MAGIC, 0:21
  const synth::FsInfo& f = *fs;
  auto cpu = [&f]() -> Result<std::vector<Entry>> {
    std::vector<Entry> e;
    for (const char* name : {"online", "possible", "present"})
      e.push_back(attr(f, name, []() -> Result<std::string> { return cpu_range(); }));
    return e;
  };
  auto root = [fs, &f, cpu]() -> Result<std::vector<Entry>> {
    std::vector<Entry> e;
    e.push_back(synth::dir_entry(f, "devices", 0755, [&f, cpu]() -> Result<std::vector<Entry>> {
      return std::vector<Entry>{synth::dir_entry(f, "system", 0755, [&f, cpu]() -> Result<std::vector<Entry>> {
        return std::vector<Entry>{synth::dir_entry(f, "cpu", 0755, cpu)};
      })};
    }));
    e.push_back(synth::dir_entry(f, "fs", 0755, [&f]() -> Result<std::vector<Entry>> {
      return std::vector<Entry>{synth::dir_entry(f, "cgroup", 0755, empty())};
    }));
    return e;
  };
  return std::make_shared<synth::Dir>(f, "/", 0555, root, nullptr);
}

}  // namespace lx
