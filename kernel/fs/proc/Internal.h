// Shared pieces of procfs: finding the processes its files describe, and
// the text generators of each file (one family per .cpp).
#pragma once

#include <string>

#include "kernel/CurrentTask.h"
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/fs/synth/Nodes.h"

namespace lx::procfs {

// The procfs instance: its identity and what stays fixed for its life.
struct ProcFs {
  synth::FsInfo fs;
  std::string boot_id;  // /proc/sys/kernel/random/boot_id
};

// The kernel of the calling task; null outside a syscall (no guest caller).
Kernel* caller_kernel();
// The live or zombie process `pid`, and the thread `tid` of process `pid`
// (ESRCH when gone: reads of an ended process's files fail like Linux's).
Result<ThreadGroup*> find_group(int pid);
Result<Task*> find_thread(int pid, int tid);
// Parses a decimal pid/tid name ("01" and "+1" are not names): -1 if not one.
int parse_pid(std::string_view name);

// ---- per process (tid 0 = the whole process, else one of its threads)
Result<std::string> pid_stat(int pid, int tid);
Result<std::string> pid_status(int pid, int tid);
Result<std::string> pid_statm(int pid);
Result<std::string> pid_limits(int pid);
Result<std::string> pid_mounts();
Result<std::string> pid_mountinfo();
Result<std::string> pid_fdinfo(int pid, int fd);
// What fd/N shows: the guest path, "pipe:[ino]", "socket:[ino]", "anon_inode:[...]".
std::string fd_link_name(OpenFile& f);

// The directory /proc/<pid> (tid 0) or /proc/<pid>/task/<tid>.
InodeRef make_pid_dir(const ProcFs& pfs, const std::string& path, const InodeRef& parent, int pid, int tid);

// ---- system-wide files and /proc/sys
std::vector<synth::Entry> global_entries(const ProcFs& pfs);
synth::Entry sys_entry(const ProcFs& pfs);

}  // namespace lx::procfs
