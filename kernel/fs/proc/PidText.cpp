// The text of the per-process files: stat, status, statm, limits, mounts,
// mountinfo, fdinfo, in Linux's exact layouts (proc(5), fs/proc/array.c).
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "kernel/dev/DeviceId.h"
#include "kernel/fs/proc/Internal.h"
#include "kernel/ipc/Epoll.h"
#include "kernel/ipc/Inotify.h"
#include "kernel/syscalls/Process.h"
#include "kernel/tty/Pty.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx::procfs {

namespace {

constexpr uint64_t kTicksPerSec = 100;  // USER_HZ
constexpr uint64_t kCapFull = 0x000001ffffffffffull;  // CAP_LAST_CAP 40

std::string fmt(const char* f, auto... args) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof buf, f, args...);
  return std::string(buf, n > 0 ? std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1) : 0);
}

// The threads a file describes: one (tid) or the whole process.
std::vector<Task*> threads_of(ThreadGroup& tg, int tid) {
  if (!tid) return tg.tasks;
  for (Task* t : tg.tasks)
    if (t->tid() == tid) return {t};
  return {};
}

// R (running guest code, or the caller itself), S (in a syscall), T, Z.
char state_of(ThreadGroup& tg, const std::vector<Task*>& threads) {
  if (tg.zombie) return 'Z';
  if (tg.stopped) return 'T';
  Task* self = current_task();
  for (Task* t : threads)
    if (t == self || t->running_guest) return 'R';
  return 'S';
}

const char* state_name(char s) {
  switch (s) {
    case 'R': return "R (running)";
    case 'T': return "T (stopped)";
    case 'Z': return "Z (zombie)";
    default: return "S (sleeping)";
  }
}

pico::ProcessUsage usage_of(ThreadGroup& tg) {
  if (tg.zombie || !tg.mm_ref()) return {};
  Result<pico::ProcessUsage> u = tg.pico().usage();
  return u.ok() ? u.value() : pico::ProcessUsage{};
}

struct MemFigures {
  uint64_t size = 0, data = 0, stack = 0, exe = 0, lib = 0;  // bytes
  uint64_t start_code = 0, end_code = 0, start_stack = 0;
};

MemFigures mem_of(ThreadGroup& tg) {
  MemFigures m;
  if (tg.zombie || !tg.mm_ref()) return m;
  for (const Vma& v : tg.mm().vmas()) {
    const uint64_t len = v.end - v.start;
    m.size += len;
    if (v.name == "[stack]") {
      m.stack += len;
      m.start_stack = v.end;
    } else if ((v.prot & pico::kProtExec) && !v.name.empty() && v.name.front() == '/') {
      if (v.name == tg.exe_path) {
        m.exe += len;
        if (!m.start_code) {
          m.start_code = v.start;
          m.end_code = v.end;
        }
      } else {
        m.lib += len;
      }
    } else if ((v.prot & pico::kProtWrite) && !v.shared) {
      m.data += len;
    }
  }
  return m;
}

uint64_t pending_of(ThreadGroup& tg, const std::vector<Task*>& threads, bool shared) {
  if (shared) return tg.shared_pending.set;
  uint64_t p = 0;
  for (Task* t : threads) p |= t->pending.set;
  return p;
}

void sig_sets(ThreadGroup& tg, uint64_t* ignored, uint64_t* caught) {
  *ignored = *caught = 0;
  for (int i = 0; i < 64; ++i) {
    if (tg.sigactions[static_cast<size_t>(i)].handler == kSigIgn)
      *ignored |= 1ull << i;
    else if (tg.sigactions[static_cast<size_t>(i)].handler != kSigDfl)
      *caught |= 1ull << i;
  }
}

unsigned host_cpus() {
  const unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

std::string cpu_mask(unsigned n) {
  // Linux prints 32-bit groups separated by commas, highest first.
  std::string out;
  for (int group = static_cast<int>((n - 1) / 32); group >= 0; --group) {
    const unsigned lo = static_cast<unsigned>(group) * 32;
    const unsigned bits = std::min(32u, n - lo);
    const uint32_t word = bits == 32 ? 0xffffffffu : ((1u << bits) - 1);
    out += group == static_cast<int>((n - 1) / 32) ? fmt("%x", word) : fmt(",%08x", word);
  }
  return out;
}

std::string limit_value(uint64_t v) { return v == kRlimInfinity ? "unlimited" : std::to_string(v); }

std::string mount_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
      out += fmt("\\%03o", static_cast<unsigned>(static_cast<unsigned char>(c)));
    else
      out += c;
  }
  return out;
}

struct MountText {
  std::string device, type;
  std::string mount_options;  // per mount: rw/ro, nosuid, nodev, noexec, relatime
  std::string fs_options;     // the filesystem's own (",size=64k,mode=755")
};

MountText describe(const Mount& m) {
  MountText t;
  std::string& o = t.mount_options;
  o = m.read_only ? "ro" : "rw";
  if (m.nosuid) o += ",nosuid";
  if (m.nodev) o += ",nodev";
  if (m.noexec) o += ",noexec";
  o += ",relatime";
  t.fs_options = m.fs_options;
  if (!m.fstype.empty()) {
    t.device = m.device;
    t.type = m.fstype;
  } else if (m.source.rfind("hostfs:", 0) == 0 || m.source.rfind("bind:", 0) == 0) {
    t.device = t.type = "hostfs";
  } else {
    t.device = t.type = m.source;
  }
  return t;
}

std::vector<const Mount*> all_mounts() {
  Kernel* k = caller_kernel();
  return k ? k->vfs().mounts().mounts() : std::vector<const Mount*>{};
}

int mount_id(const std::vector<const Mount*>& mounts, const Mount* m) {
  (void)mounts;
  return m ? m->id : 1;
}

}  // namespace

Kernel* caller_kernel() {
  Task* t = current_task();
  return t ? &t->kernel() : nullptr;
}

Result<ThreadGroup*> find_group(int pid) {
  Kernel* k = caller_kernel();
  if (!k) return err(ESRCH);
  ThreadGroup* tg = k->find_group(pid);
  if (!tg) return err(ESRCH);
  return tg;
}

Result<Task*> find_thread(int pid, int tid) {
  ThreadGroup* tg = TRY(find_group(pid));
  for (Task* t : tg->tasks)
    if (t->tid() == tid) return t;
  return err(ESRCH);
}

int parse_pid(std::string_view name) {
  if (name.empty() || name.size() > 9 || name.front() == '0') return -1;
  int v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<std::string> pid_stat(int pid, int tid) {
  ThreadGroup* tg = TRY(find_group(pid));
  if (tid) TRY(find_thread(pid, tid));
  const std::vector<Task*> threads = threads_of(*tg, tid);
  const pico::ProcessUsage u = usage_of(*tg);
  const MemFigures m = mem_of(*tg);
  std::string comm;
  if (!threads.empty()) {
    comm = threads.front()->comm;
    for (Task* t : threads)
      if (t->tid() == (tid ? tid : pid)) comm = t->comm;
  } else {
    comm = tg->exe_path.substr(tg->exe_path.rfind('/') + 1).substr(0, 15);
  }
  uint64_t start_ns = tg->start_time_ns;
  uint64_t blocked = 0;
  for (Task* t : threads) {
    if (tid) start_ns = t->start_time_ns;
    blocked |= t->sigmask;
  }
  uint64_t ignored, caught;
  sig_sets(*tg, &ignored, &caught);
  const uint64_t pending = pending_of(*tg, threads, false) | (tid ? 0 : tg->shared_pending.set);
  const int ppid = tg->ppid();
  // tty_nr and tpgid: the controlling terminal (a pty slave) and its
  // foreground group, as ps's TT and '+' read them.
  int tty_nr = 0, tpgid = -1;
  if (tg->ctty) {
    tty_nr = static_cast<int>(make_dev(kPtySlaveMajor, static_cast<uint32_t>(tg->ctty->index())));
    tpgid = tg->ctty->pgrp;
  }
  std::string out = fmt("%d (%s) %c %d %d %d %d %d %u ", tid ? tid : pid, comm.c_str(), state_of(*tg, threads), ppid,
                        tg->pgid, tg->sid, tty_nr, tpgid, 0x00400000u * !tg->did_exec);
  out += fmt("%" PRIu64 " 0 %" PRIu64 " 0 %" PRIu64 " %" PRIu64 " 0 0 20 0 %zu 0 ", u.minflt, u.majflt, u.utime_ticks,
             u.stime_ticks, std::max<size_t>(tg->tasks.size(), 1));
  out += fmt("%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " ", start_ns / (1000000000ull / kTicksPerSec), m.size,
             u.rss_pages, tg->rlimits[kRlimitRss].cur);
  out += fmt("%" PRIu64 " %" PRIu64 " %" PRIu64 " 0 0 ", m.start_code, m.end_code, m.start_stack);
  out += fmt("%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " 0 0 0 %d 0 0 0 0 0 0 ", pending, blocked, ignored, caught,
             tg->exit_signal);
  const uint64_t brk = tg->zombie || !tg->mm_ref() ? 0 : tg->mm().brk_start;
  out += fmt("0 0 %" PRIu64 " 0 0 0 0 %d\n", brk, tg->zombie ? tg->exit_status : 0);
  return out;
}

Result<std::string> pid_status(int pid, int tid) {
  ThreadGroup* tg = TRY(find_group(pid));
  if (tid) TRY(find_thread(pid, tid));
  const std::vector<Task*> threads = threads_of(*tg, tid);
  std::string comm = tg->exe_path.substr(tg->exe_path.rfind('/') + 1).substr(0, 15);
  uint64_t blocked = 0;
  bool no_new_privs = false;
  for (Task* t : threads) {
    if (t->tid() == (tid ? tid : pid) || threads.size() == 1) comm = t->comm;
    blocked |= t->sigmask;
    no_new_privs = no_new_privs || t->no_new_privs;
  }
  const char s = state_of(*tg, threads);
  const int self_tid = tid ? tid : pid;
  std::string out;
  out += "Name:\t" + comm + "\n";
  out += fmt("Umask:\t%04o\n", tg->umask);
  out += fmt("State:\t%s\n", state_name(s));
  out += fmt("Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", pid, self_tid, tg->ppid());
  out += fmt("Uid:\t%u\t%u\t%u\t%u\n", tg->uid, tg->euid, tg->suid, tg->fsuid);
  out += fmt("Gid:\t%u\t%u\t%u\t%u\n", tg->gid, tg->egid, tg->sgid, tg->fsgid);
  int fdsize = 64;
  if (!tg->zombie)
    while (fdsize < tg->fds().extent()) fdsize *= 2;
  out += fmt("FDSize:\t%d\n", tg->zombie ? 0 : fdsize);
  out += "Groups:\t";
  for (size_t i = 0; i < tg->groups.size(); ++i) out += (i ? " " : "") + std::to_string(tg->groups[i]);
  out += " \n";
  out += fmt("NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", pid, self_tid, tg->pgid, tg->sid);
  if (!tg->zombie && tg->mm_ref()) {
    const MemFigures m = mem_of(*tg);
    const pico::ProcessUsage u = usage_of(*tg);
    const uint64_t rss_kb = u.rss_pages * 4;
    auto kb = [&](const char* name, uint64_t v) { out += fmt("%s:\t%8" PRIu64 " kB\n", name, v); };
    kb("VmPeak", m.size / 1024);
    kb("VmSize", m.size / 1024);
    kb("VmLck", 0);
    kb("VmPin", 0);
    kb("VmHWM", rss_kb);
    kb("VmRSS", rss_kb);
    kb("RssAnon", rss_kb);
    kb("RssFile", 0);
    kb("RssShmem", 0);
    kb("VmData", m.data / 1024);
    kb("VmStk", m.stack / 1024);
    kb("VmExe", m.exe / 1024);
    kb("VmLib", m.lib / 1024);
    kb("VmPTE", 0);
    kb("VmSwap", 0);
    kb("HugetlbPages", 0);
    out += "CoreDumping:\t0\nTHP_enabled:\t1\n";
  }
  out += fmt("Threads:\t%zu\n", std::max<size_t>(tg->tasks.size(), 1));
  size_t queued = tg->shared_pending.queue.size();
  for (Task* t : threads) queued += t->pending.queue.size();
  out += fmt("SigQ:\t%zu/%" PRIu64 "\n", queued, tg->rlimits[kRlimitSigpending].cur);
  uint64_t ignored, caught;
  sig_sets(*tg, &ignored, &caught);
  out += fmt("SigPnd:\t%016" PRIx64 "\nShdPnd:\t%016" PRIx64 "\n", pending_of(*tg, threads, false), tg->shared_pending.set);
  out += fmt("SigBlk:\t%016" PRIx64 "\nSigIgn:\t%016" PRIx64 "\nSigCgt:\t%016" PRIx64 "\n", blocked, ignored, caught);
  const uint64_t caps = tg->euid == 0 ? kCapFull : 0;
  out += fmt("CapInh:\t%016" PRIx64 "\nCapPrm:\t%016" PRIx64 "\nCapEff:\t%016" PRIx64 "\n", uint64_t{0}, caps, caps);
  out += fmt("CapBnd:\t%016" PRIx64 "\nCapAmb:\t%016" PRIx64 "\n", kCapFull, uint64_t{0});
  out += fmt("NoNewPrivs:\t%d\nSeccomp:\t0\nSeccomp_filters:\t0\n", no_new_privs ? 1 : 0);
  out += "Speculation_Store_Bypass:\tthread vulnerable\nSpeculationIndirectBranch:\tconditional enabled\n";
  const unsigned cpus = host_cpus();
  out += "Cpus_allowed:\t" + cpu_mask(cpus) + "\n";
  out += cpus == 1 ? std::string("Cpus_allowed_list:\t0\n") : fmt("Cpus_allowed_list:\t0-%u\n", cpus - 1);
  out += "Mems_allowed:\t1\nMems_allowed_list:\t0\n";
  out += "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n";
  return out;
}

Result<std::string> pid_statm(int pid) {
  ThreadGroup* tg = TRY(find_group(pid));
  const MemFigures m = mem_of(*tg);
  const pico::ProcessUsage u = usage_of(*tg);
  return fmt("%" PRIu64 " %" PRIu64 " 0 %" PRIu64 " 0 %" PRIu64 " 0\n", m.size / 4096, u.rss_pages, m.exe / 4096,
             (m.data + m.stack) / 4096);
}

Result<std::string> pid_limits(int pid) {
  ThreadGroup* tg = TRY(find_group(pid));
  static constexpr struct {
    const char* name;
    const char* unit;
  } kRows[kRlimitCount] = {
      {"Max cpu time", "seconds"},  {"Max file size", "bytes"},        {"Max data size", "bytes"},
      {"Max stack size", "bytes"},  {"Max core file size", "bytes"},   {"Max resident set", "bytes"},
      {"Max processes", "processes"}, {"Max open files", "files"},     {"Max locked memory", "bytes"},
      {"Max address space", "bytes"}, {"Max file locks", "locks"},     {"Max pending signals", "signals"},
      {"Max msgqueue size", "bytes"}, {"Max nice priority", nullptr}, {"Max realtime priority", nullptr},
      {"Max realtime timeout", "us"},
  };
  std::string out = fmt("%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
  for (size_t i = 0; i < static_cast<size_t>(kRlimitCount); ++i) {
    const Rlimit& r = tg->rlimits[i];
    out += fmt("%-25s %-20s %-20s ", kRows[i].name, limit_value(r.cur).c_str(), limit_value(r.max).c_str());
    out += kRows[i].unit ? fmt("%-10s\n", kRows[i].unit) : std::string("\n");
  }
  return out;
}

Result<std::string> pid_mounts() {
  std::string out;
  for (const Mount* m : all_mounts()) {
    const MountText t = describe(*m);
    out += mount_escape(t.device) + " " + mount_escape(m->path) + " " + t.type + " " + t.mount_options + t.fs_options +
           " 0 0\n";
  }
  return out;
}

Result<std::string> pid_mountinfo() {
  const std::vector<const Mount*> mounts = all_mounts();
  std::string out;
  for (const Mount* m : mounts) {
    const MountText t = describe(*m);
    uint64_t dev = 0;
    if (Result<abi::Stat> st = m->root->stat(); st.ok()) dev = st.value().st_dev;
    const unsigned major = static_cast<unsigned>((dev >> 8) & 0xfff), minor = static_cast<unsigned>((dev & 0xff) | ((dev >> 12) & 0xfff00));
    const int parent = m->parent ? mount_id(mounts, m->parent) : 1;
    out += fmt("%d %d %u:%u ", mount_id(mounts, m), parent, major, minor) + mount_escape(m->fs_root) + " " +
           mount_escape(m->path) + " " + t.mount_options + " - " + t.type + " " + mount_escape(t.device) + " " +
           t.mount_options.substr(0, 2) + t.fs_options + "\n";
  }
  return out;
}

Result<std::string> pid_fdinfo(int pid, int fd) {
  ThreadGroup* tg = TRY(find_group(pid));
  if (tg->zombie) return err(ENOENT);
  OpenFileRef f = TRY(tg->fds().get(fd));
  Result<int64_t> pos = f->seek(0, abi::kSeekCur);
  int flags = f->status_flags();
  if (tg->fds().cloexec(fd).ok() && tg->fds().cloexec(fd).value()) flags |= abi::kOCloexec;
  // The mount the file was opened on: the deepest mount above its path.
  const std::vector<const Mount*> mounts = all_mounts();
  const Mount* best = mounts.empty() ? nullptr : mounts.front();
  const std::string& p = f->guest_path();
  for (const Mount* m : mounts)
    if ((p == m->path || p.rfind(m->path == "/" ? m->path : m->path + "/", 0) == 0) && (!best || m->path.size() >= best->path.size()))
      best = m;
  uint64_t ino = 0;
  if (Result<abi::Stat> st = f->stat(); st.ok()) ino = st.value().st_ino;
  std::string out = fmt("pos:\t%" PRId64 "\nflags:\t0%o\nmnt_id:\t%d\nino:\t%" PRIu64 "\n",
                        pos.ok() ? pos.value() : int64_t{0}, static_cast<unsigned>(flags), mount_id(mounts, best), ino);
  if (InotifyFile* in = as_inotify(*f)) out += in->fdinfo();
  return out;
}

std::string fd_link_name(OpenFile& f) {
  if (!f.guest_path().empty()) return f.guest_path();
  if (as_epoll(f)) return "anon_inode:[eventpoll]";
  if (as_inotify(f)) return "anon_inode:inotify";
  Result<abi::Stat> st = f.stat();
  if (!st.ok()) return "anon_inode:[unknown]";
  const abi::Stat& s = st.value();
  switch (s.st_mode & abi::kSIfmt) {
    case abi::kSIfifo: return fmt("pipe:[%" PRIu64 "]", s.st_ino);
    case abi::kSIfsock: return fmt("socket:[%" PRIu64 "]", s.st_ino);
    case abi::kSIfchr: {
      const auto major = static_cast<unsigned>((s.st_rdev >> 8) & 0xfff);
      const auto minor = static_cast<unsigned>((s.st_rdev & 0xff) | ((s.st_rdev >> 12) & 0xfff00));
      if (major >= 136 && major <= 143) return fmt("/dev/pts/%u", (major - 136) * 256 + minor);
      // Host character devices passed in as stdio (no guest path): the
      // names Linux's devtmpfs gives them.
      static constexpr struct {
        unsigned major, minor;
        const char* name;
      } kDevices[] = {{1, 3, "/dev/null"}, {1, 5, "/dev/zero"},   {1, 7, "/dev/full"},   {1, 8, "/dev/random"},
                      {1, 9, "/dev/urandom"}, {5, 0, "/dev/tty"}, {5, 1, "/dev/console"}, {5, 2, "/dev/ptmx"}};
      for (const auto& d : kDevices)
        if (d.major == major && d.minor == minor) return d.name;
      if (major == 4) return fmt("/dev/tty%u", minor);
      return fmt("/dev/char/%u:%u", major, minor);
    }
    case 0: return "anon_inode:[unknown]";
    default: return fmt("anon_inode:[%" PRIu64 "]", s.st_ino);
  }
}

}  // namespace lx::procfs
