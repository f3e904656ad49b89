// /proc/<pid> and /proc/<pid>/task/<tid>: the per-process directories, fd/
// and fdinfo/ and their magic links.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <utility>

#include "kernel/fs/proc/Internal.h"

namespace lx::procfs {

namespace {

using synth::Entry;

// The inode a magic link stops at when its file has no path: opening it
// hands back the description itself (O_PATH gets a new path-only one).
class DescriptionNode final : public Inode {
 public:
  explicit DescriptionNode(OpenFileRef file) : file_(std::move(file)) {}
  unsigned type() const override {
    Result<abi::Stat> st = file_->stat();
    const unsigned t = st.ok() ? st.value().st_mode & abi::kSIfmt : 0;
    return t ? t : abi::kSIfreg;  // anon inodes have no type bits
  }
  bool same_file(const Inode& other) const override {
    const auto* d = dynamic_cast<const DescriptionNode*>(&other);
    return d && d->file_ == file_;
  }
  const void* fs_id() const override { return file_.get(); }
  Result<abi::Stat> stat() override { return file_->stat(); }
  Result<void> permission(int mask, const Credentials& cred) override {
    (void)mask;
    (void)cred;
    return {};
  }
  bool reopens_description() const override { return true; }
  Result<OpenFileRef> open(int flags) override {
    if (flags & abi::kOPath) return OpenFileRef(std::make_shared<PathView>(file_));
    return file_;
  }
  Result<void> setattr(const SetAttr& attr) override {
    (void)attr;
    return err(EPERM);
  }
  Result<abi::StatFs> statfs() override { return file_->statfs(); }
  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override {
    return file_->getxattr(name, value);
  }
  Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) override {
    return file_->setxattr(name, value, flags);
  }
  Result<uint64_t> listxattr(std::span<uint8_t> list) override { return file_->listxattr(list); }
  Result<void> removexattr(const std::string& name) override { return file_->removexattr(name); }

 private:
  class PathView final : public OpenFile {
   public:
    explicit PathView(OpenFileRef f) : f_(std::move(f)) {}
    Result<abi::Stat> stat() override { return f_->stat(); }

   private:
    OpenFileRef f_;
  };
  OpenFileRef file_;
};

Result<OpenFileRef> fd_file(int pid, int fd) {
  ThreadGroup* tg = TRY(find_group(pid));
  if (tg->zombie) return err(ENOENT);
  return tg->fds().get(fd);
}

// Live fds of the process, lowest first.
std::vector<int> open_fds(int pid) {
  std::vector<int> fds;
  Result<ThreadGroup*> tg = find_group(pid);
  if (!tg.ok() || tg.value()->zombie) return fds;
  FdTable& table = tg.value()->fds();
  for (int fd = 0; fd < table.extent(); ++fd)
    if (table.get(fd).ok()) fds.push_back(fd);
  return fds;
}

// lr-x / l-wx / lrwx like Linux: the link's mode shows the access mode.
unsigned fd_link_mode(const OpenFile& f) {
  unsigned m = 0;
  if (f.readable() || f.is_path()) m |= 0500;
  if (f.writable()) m |= 0300;
  return m;
}

Entry fd_entry(const ProcFs& pfs, int pid, int fd) {
  return Entry{std::to_string(fd), abi::kSIflnk, [&pfs, pid, fd](const std::string& path, const InodeRef&) -> Result<InodeRef> {
                 OpenFileRef f = TRY(fd_file(pid, fd));
                 ThreadGroup* tg = TRY(find_group(pid));
                 auto target = [pid, fd]() -> Result<std::string> {
                   OpenFileRef file = TRY(fd_file(pid, fd));
                   return fd_link_name(*file);
                 };
                 auto magic = [pid, fd]() -> InodeRef {
                   Result<OpenFileRef> file = fd_file(pid, fd);
                   if (!file.ok() || !file.value()->guest_path().empty()) return nullptr;
                   return std::make_shared<DescriptionNode>(file.value());
                 };
                 return InodeRef(std::make_shared<synth::Link>(pfs.fs, path, fd_link_mode(*f), target, true, magic,
                                                                            tg->euid, tg->egid));
               }};
}

Result<std::vector<Entry>> fd_entries(const ProcFs& pfs, int pid) {
  TRY(find_group(pid));
  std::vector<Entry> out;
  for (int fd : open_fds(pid)) out.push_back(fd_entry(pfs, pid, fd));
  return out;
}

Result<std::vector<Entry>> fdinfo_entries(const ProcFs& pfs, int pid) {
  ThreadGroup* tg = TRY(find_group(pid));
  std::vector<Entry> out;
  for (int fd : open_fds(pid))
    out.push_back(synth::file_entry(pfs.fs, std::to_string(fd), 0400, [pid, fd] { return pid_fdinfo(pid, fd); },
                                    nullptr, synth::WriteRule::kEinval, tg->euid, tg->egid));
  return out;
}

Result<std::string> joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    out += s;
    out += '\0';
  }
  return out;
}

// The thread whose comm a /proc/<pid>[/task/<tid>]/comm shows.
Result<Task*> comm_task(int pid, int tid) {
  if (tid) return find_thread(pid, tid);
  ThreadGroup* tg = TRY(find_group(pid));
  for (Task* t : tg->tasks)
    if (t->tid() == pid) return t;
  if (!tg->tasks.empty()) return tg->tasks.front();
  return err(ESRCH);
}

Result<std::string> comm_text(int pid, int tid) {
  Result<Task*> t = comm_task(pid, tid);
  if (t.ok()) return t.value()->comm + "\n";
  ThreadGroup* tg = TRY(find_group(pid));  // a zombie: its threads are gone
  return tg->exe_path.substr(tg->exe_path.rfind('/') + 1).substr(0, 15) + "\n";
}

// Writes to comm set the thread's name like PR_SET_NAME (15 bytes kept).
Result<void> comm_write(int pid, int tid, std::string_view data) {
  Task* t = TRY(comm_task(pid, tid));
  t->comm = std::string(data.substr(0, std::min<size_t>(data.size(), 15)));
  if (const size_t nul = t->comm.find('\0'); nul != std::string::npos) t->comm.resize(nul);
  return {};
}

// oom_score_adj is accepted and remembered per process (no OOM killer
// here), keyed by (pid, start time) so a reused pid starts from 0.
struct OomAdj {
  std::map<std::pair<int, uint64_t>, int> values;
};
std::pair<int, uint64_t> oom_key(const ThreadGroup& g) { return {g.pid(), g.start_time_ns}; }
OomAdj& oom_adj() {
  static OomAdj o;  // guarded by the big lock, like the groups it names
  return o;
}

Result<std::string> children_text(int pid, int tid) {
  TRY(find_thread(pid, tid));
  ThreadGroup* tg = TRY(find_group(pid));
  std::string out;
  for (ThreadGroup* c : tg->children) out += std::to_string(c->pid()) + " ";
  return out;
}

}  // namespace

InodeRef make_pid_dir(const ProcFs& pfs, const std::string& path, const InodeRef& parent, int pid, int tid) {
  const synth::FsInfo& fs = pfs.fs;
  auto list = [&pfs, &fs, pid, tid]() -> Result<std::vector<Entry>> {
    ThreadGroup* tg = TRY(find_group(pid));
    if (tid) TRY(find_thread(pid, tid));
    const uint32_t uid = tg->euid, gid = tg->egid;
    auto file = [&fs, uid, gid](std::string name, unsigned perm, synth::Generator gen, synth::Writer w = nullptr) {
      return synth::file_entry(fs, std::move(name), perm, std::move(gen), std::move(w), synth::WriteRule::kEinval, uid,
                               gid);
    };
    auto magic = [&fs, pid](std::string name, std::string (*target)(ThreadGroup&)) {
      return Entry{std::move(name), abi::kSIflnk, [&fs, pid, target](const std::string& p, const InodeRef&) {
                     auto gen = [pid, target]() -> Result<std::string> {
                       ThreadGroup* g = TRY(find_group(pid));
                       if (g->zombie) return err(ENOENT);
                       return target(*g);
                     };
                     return Result<InodeRef>(std::make_shared<synth::Link>(fs, p, 0777, gen, true));
                   }};
    };
    std::vector<Entry> e;
    e.push_back(file("cgroup", 0444, [] { return Result<std::string>(std::string("0::/\n")); }));
    e.push_back(file("cmdline", 0444, [pid]() -> Result<std::string> {
      ThreadGroup* g = TRY(find_group(pid));
      if (g->zombie) return std::string();
      return joined(g->cmdline);
    }));
    e.push_back(file("comm", 0644, [pid, tid] { return comm_text(pid, tid); },
                     [pid, tid](std::string_view d) { return comm_write(pid, tid, d); }));
    e.push_back(magic("cwd", [](ThreadGroup& g) { return g.cwd; }));
    e.push_back(file("environ", 0400, [pid]() -> Result<std::string> {
      ThreadGroup* g = TRY(find_group(pid));
      if (g->zombie) return std::string();
      return joined(g->environ);
    }));
    e.push_back(magic("exe", [](ThreadGroup& g) { return g.exe_path; }));
    e.push_back(synth::dir_entry(fs, "fd", 0500, [&pfs, pid] { return fd_entries(pfs, pid); }, uid, gid));
    e.push_back(synth::dir_entry(fs, "fdinfo", 0500, [&pfs, pid] { return fdinfo_entries(pfs, pid); }, uid, gid));
    e.push_back(file("limits", 0444, [pid] { return pid_limits(pid); }));
    e.push_back(file("maps", 0444, [pid]() -> Result<std::string> {
      ThreadGroup* g = TRY(find_group(pid));
      if (g->zombie) return std::string();
      return g->mm().render_proc_maps();
    }));
    e.push_back(file("mountinfo", 0444, [] { return pid_mountinfo(); }));
    e.push_back(file("mounts", 0444, [] { return pid_mounts(); }));
    e.push_back(file("oom_score", 0444, [] { return Result<std::string>(std::string("0\n")); }));
    e.push_back(file("oom_score_adj", 0644,
                     [pid]() -> Result<std::string> {
                       ThreadGroup* g = TRY(find_group(pid));
                       auto it = oom_adj().values.find(oom_key(*g));
                       return std::to_string(it == oom_adj().values.end() ? 0 : it->second) + "\n";
                     },
                     [pid](std::string_view d) -> Result<void> {
                       ThreadGroup* g = TRY(find_group(pid));
                       std::string s(d);
                       char* end = nullptr;
                       const long v = std::strtol(s.c_str(), &end, 10);
                       if (end == s.c_str() || (*end && *end != '\n')) return err(EINVAL);
                       if (v < -1000 || v > 1000) return err(EINVAL);
                       oom_adj().values[oom_key(*g)] = static_cast<int>(v);
                       return {};
                     }));
    e.push_back(magic("root", [](ThreadGroup&) { return std::string("/"); }));
    e.push_back(file("stat", 0444, [pid, tid] { return pid_stat(pid, tid); }));
    e.push_back(file("statm", 0444, [pid] { return pid_statm(pid); }));
    e.push_back(file("status", 0444, [pid, tid] { return pid_status(pid, tid); }));
    if (tid) {
      e.push_back(file("children", 0444, [pid, tid] { return children_text(pid, tid); }));
    } else {
      e.push_back(Entry{"task", abi::kSIfdir, [&pfs, pid](const std::string& p, const InodeRef& par) {
                          auto tasks = [&pfs, pid]() -> Result<std::vector<Entry>> {
                            ThreadGroup* g = TRY(find_group(pid));
                            std::vector<int> tids;
                            for (Task* t : g->tasks) tids.push_back(t->tid());
                            std::sort(tids.begin(), tids.end());
                            std::vector<Entry> out;
                            out.reserve(tids.size());
                            for (int t : tids)
                              out.push_back(Entry{std::to_string(t), abi::kSIfdir,
                                                  [&pfs, pid, t](const std::string& tp, const InodeRef& tpar) {
                                                    return Result<InodeRef>(make_pid_dir(pfs, tp, tpar, pid, t));
                                                  }});
                            return out;
                          };
                          return Result<InodeRef>(std::make_shared<synth::Dir>(pfs.fs, p, 0555, tasks, par));
                        }});
    }
    e.push_back(file("wchan", 0444, [] { return Result<std::string>(std::string("0")); }));
    return e;
  };
  uint32_t uid = 0, gid = 0;
  if (Result<ThreadGroup*> tg = find_group(pid); tg.ok()) {
    uid = tg.value()->euid;
    gid = tg.value()->egid;
  }
  return std::make_shared<synth::Dir>(fs, path, 0555, list, parent, nullptr, uid, gid);
}

}  // namespace lx::procfs
