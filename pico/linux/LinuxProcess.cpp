#ifndef LX_SPIN_RELAX
#define LX_SPIN_RELAX() __asm__ volatile("" ::: "memory")
#endif
#include "pico/linux/LinuxProcess.h"

#include <cpuid.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace pico {
namespace {

constexpr int kFdHigh = 10;  // parent-side fds are moved here so the child's dup2s can't clash
constexpr uint32_t kFpMagic1 = 0x46505853;  // FP_XSTATE_MAGIC1, in the FXSAVE software bytes
constexpr uint32_t kFpMagic2 = 0x46505845;  // FP_XSTATE_MAGIC2, after the XSAVE area
constexpr uint64_t kXfeatureTileData = 1ull << 18;  // AMX: only in frames of processes that asked
constexpr uint64_t kLongIoBytes = uint64_t{256} << 10;  // a socket transfer this big takes ~100 us

void futex_wake(volatile uint32_t* w) {
  syscall(SYS_futex, const_cast<uint32_t*>(w), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

// Shared futex (the word is in the memfd the stub maps too); 20 ms at most,
// so callers can notice a process that died without waking them.
// True if the wait timed out.
bool futex_wait_20ms(volatile uint32_t* w, uint32_t val) {
  timespec ts{0, 20'000'000};
  return syscall(SYS_futex, const_cast<uint32_t*>(w), FUTEX_WAIT, val, &ts, nullptr, 0) < 0 && errno == ETIMEDOUT;
}

// The stub times its spin with rdtsc (it has no clock_gettime); measured
// once per provider against CLOCK_MONOTONIC over 200 us.
uint64_t tsc_ticks_per_ms() {
  static const uint64_t rate = [] {
    auto rdtsc = [] { return __builtin_ia32_rdtsc(); };
    timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    const uint64_t t0 = rdtsc();
    int64_t ns = 0;
    do {
      clock_gettime(CLOCK_MONOTONIC, &b);
      ns = (b.tv_sec - a.tv_sec) * 1'000'000'000LL + (b.tv_nsec - a.tv_nsec);
    } while (ns < 200'000);
    const uint64_t ticks = rdtsc() - t0;
    return std::max<uint64_t>(1, ticks * 1'000'000 / static_cast<uint64_t>(ns));
  }();
  return rate;
}

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// What the calling provider thread is handling (see CopyWindow.h).
struct CurrentWindow {
  const LinuxProcess* proc = nullptr;
  uint64_t serial = 0;
  LinuxThread* thread = nullptr;
};
thread_local CurrentWindow t_window;

bool in_arena(uint64_t addr, size_t len) {
  return addr < LX_ARENA_BASE + LX_ARENA_SIZE && LX_ARENA_BASE < addr + len;
}

lx_mailbox* mailbox_at(void* ctl, size_t idx) {
  return reinterpret_cast<lx_mailbox*>(static_cast<char*>(ctl) + LX_CTL_HEADER_SIZE +
                                       idx * LX_MAILBOX_STRIDE);
}

FpLayout compute_fp_layout() {
  FpLayout l;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return l;  // FXSAVE-only frames
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  // XCR0 holds exactly the user features the host kernel enabled; Linux
  // leaves the dynamically enabled ones out of a default signal frame.
  l.xfeatures = (lo | (static_cast<uint64_t>(hi) << 32)) & ~kXfeatureTileData;
  // Standard (non-compacted) format, as in signal frames: the end of the
  // highest component, at least the legacy area plus the XSAVE header.
  l.xsave_size = 576;
  for (unsigned i = 2; i < 64; ++i) {
    if (!(l.xfeatures & (1ull << i))) continue;
    if (!__get_cpuid_count(0xd, i, &a, &b, &c, &d)) continue;
    l.xsave_size = std::max(l.xsave_size, a + b);  // eax: size, ebx: offset
  }
  return l;
}

// One control block (header initialized, mailboxes zero), mapped here; the
// returned fd (above kFdHigh, close-on-exec) is what the stub maps.
struct ControlBlock {
  int fd = -1;
  void* ctl = nullptr;
};
Result<ControlBlock> new_control_block(const LinuxHostOptions& opts, const std::vector<uint64_t>& filter,
                                       uint64_t vdso) {
  if (filter.size() > LX_MAX_BPF) return lx::err(EINVAL);
  int memfd = memfd_create("lx-ctl", MFD_CLOEXEC);
  if (memfd < 0) return lx::err(errno);
  int fd = fcntl(memfd, F_DUPFD_CLOEXEC, kFdHigh);
  close(memfd);
  if (fd < 0 || ftruncate(fd, LX_CTL_SIZE) != 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    return lx::err(e);
  }
  void* ctl = mmap(nullptr, LX_CTL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (ctl == MAP_FAILED) {
    int e = errno;
    close(fd);
    return lx::err(e);
  }
  auto* hdr = static_cast<lx_ctl_header*>(ctl);
  hdr->magic = LX_STUB_MAGIC;
  hdr->vdso_base = vdso;
  auto ticks = [](uint32_t ns) {
    return static_cast<uint32_t>(std::min<uint64_t>(UINT32_MAX, uint64_t{ns} * tsc_ticks_per_ms() / 1'000'000));
  };
  hdr->spin_tsc = ticks(opts.stub_spin_ns);
  hdr->bpf_len = static_cast<uint32_t>(filter.size());
  std::copy(filter.begin(), filter.end(), hdr->bpf);
  const FpLayout& fp = host_fp_layout();
  hdr->fp_xfeatures = fp.xfeatures;
  hdr->fp_xsave_size = fp.xsave_size;
  hdr->fast_syscalls = opts.fast_syscalls ? 1 : 0;
  return ControlBlock{fd, ctl};
}

// A pid read from a guest-writable mailbox names a process we may kill, wait
// for and read: it must be a process (not a thread) whose host parent is us.
bool is_our_child_process(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  long tgid = -1, ppid = -1;
  while (std::getline(status, line)) {
    if (line.rfind("Tgid:", 0) == 0) tgid = std::strtol(line.c_str() + 5, nullptr, 10);
    if (line.rfind("PPid:", 0) == 0) ppid = std::strtol(line.c_str() + 5, nullptr, 10);
  }
  return tgid == pid && ppid == getpid();
}

// ...and, to be the child of this fork rather than any other child of ours
// (another guest's process), it must have this fork's fresh control memfd
// mapped at LX_CTL_ADDR: only the forking stub and its child ever held it.
bool maps_control_block(pid_t pid, const struct stat& ctl) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long long start = 0, end = 0, off = 0, ino = 0;
    unsigned maj = 0, min = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &off, &maj,
                    &min, &ino) != 7)
      continue;
    if (start != LX_CTL_ADDR) continue;
    return perms[3] == 's' && maj == major(ctl.st_dev) && min == minor(ctl.st_dev) && ino == ctl.st_ino;
  }
  return false;
}

// A fork that failed after the stub forked (the parent was killed meanwhile,
// the child never reported) leaves a child we know no pid of; it would wait
// for commands forever. It is among the children of our threads (CLONE_PARENT
// made it a sibling of its parent) and is the one mapping this fork's memfd.
void kill_stray_fork_child(const struct stat& ctl) {
  DIR* tasks = opendir("/proc/self/task");
  if (!tasks) return;
  while (dirent* e = readdir(tasks)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream children(std::string("/proc/self/task/") + e->d_name + "/children");
    long pid = 0;
    while (children >> pid) {
      const auto p = static_cast<pid_t>(pid);
      if (!maps_control_block(p, ctl) || !is_our_child_process(p)) continue;
      ::kill(p, SIGKILL);
      while (waitpid(p, nullptr, __WALL) < 0 && errno == EINTR) {
      }
    }
  }
  closedir(tasks);
}

// Exited (a zombie), without reaping it.
bool child_exited(pid_t pid) {
  siginfo_t si{};
  return waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0 ||
         si.si_pid != 0;
}

}  // namespace

const FpLayout& host_fp_layout() {
  static const FpLayout layout = compute_fp_layout();
  return layout;
}

std::vector<uint8_t> init_fpstate(const FpLayout& layout) {
  // What the stub builds for a first entry (build_entry_fp): XSTATE_BV 0
  // makes XRSTOR load every component's init state; MXCSR is read anyway.
  std::vector<uint8_t> fp(layout.frame_size(), 0);
  auto put32 = [&](size_t off, uint32_t v) { std::memcpy(fp.data() + off, &v, sizeof v); };
  const uint16_t fcw = 0x37f;
  std::memcpy(fp.data(), &fcw, sizeof fcw);
  put32(24, 0x1f80);  // MXCSR
  if (layout.xfeatures) {
    put32(464, kFpMagic1);
    put32(468, static_cast<uint32_t>(layout.frame_size()));  // extended_size
    std::memcpy(fp.data() + 472, &layout.xfeatures, sizeof layout.xfeatures);
    put32(480, layout.xsave_size);
    put32(layout.xsave_size, kFpMagic2);
  }
  return fp;
}

// ---- LinuxThread -----------------------------------------------------------

LinuxThread::LinuxThread(LinuxProcess& proc, size_t slot, pid_t host_tid, uint32_t seen, bool leader)
    : proc_(proc),
      slot_(slot),
      mb_(mailbox_at(proc.control_block(), slot)),
      host_tid_(host_tid),
      seen_(seen),
      leader_(leader),
      window_(mb_) {}

void LinuxThread::reuse(pid_t host_tid, uint32_t seen) {
  host_tid_.store(host_tid, std::memory_order_relaxed);
  seen_ = seen;
  regs_ = {};
  window_ = CopyWindow(mb_);
  window_fault_ = false;
  exited_.store(false, std::memory_order_release);
}

void LinuxThread::post(uint32_t cmd) {
  mb_->cmd = cmd;
  mb_->provider_blocked = 0;
  __atomic_add_fetch(&mb_->to_stub, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&mb_->stub_waiting, __ATOMIC_SEQ_CST)) futex_wake(&mb_->to_stub);
}

uint32_t LinuxThread::proc_options_spin() const { return proc_.options().provider_spin_ns; }

bool LinuxThread::wait_event(uint32_t first_spin_ns) {
  uint32_t spin_ns = first_spin_ns;
  auto changed = [&] { return __atomic_load_n(&mb_->to_provider, __ATOMIC_ACQUIRE) != seen_; };
  for (;;) {
    // Spin first (see LinuxHostOptions), checking the clock only now and
    // then; again after every wake-up, since the stub wakes us early when
    // it knows an event is near (socket I/O whose wait just ended).
    const uint64_t start = now_ns();
    for (uint32_t i = 1; spin_ns && !changed(); ++i) {
      LX_SPIN_RELAX();
      if ((i & 255) == 0 && now_ns() - start > spin_ns) break;
    }
    spin_ns = proc_.options().provider_spin_ns;
    if (changed()) break;
    __atomic_store_n(&mb_->provider_waiting, 1, __ATOMIC_SEQ_CST);
    // The timeout lets us notice a host process that died without posting.
    const bool timed_out = !changed() && futex_wait_20ms(&mb_->to_provider, seen_);
    __atomic_store_n(&mb_->provider_waiting, 0, __ATOMIC_RELAXED);
    if (changed()) break;
    if (timed_out && proc_.dead()) return false;
  }
  seen_ = __atomic_load_n(&mb_->to_provider, __ATOMIC_ACQUIRE);
  return true;
}

Event LinuxThread::exited_event() const {
  Event ev;
  ev.kind = EventKind::Exited;
  ev.wait_status = proc_.wait_status();
  return ev;
}

Event LinuxThread::run() {
  // Only the flag: a waitpid here would add a host syscall to every trap.
  if (proc_.known_dead() || exited()) return exited_event();
  if (t_window.thread == this) t_window = {};
  if (window_fault_) {
    regs_.rax = static_cast<uint64_t>(-EFAULT);
    window_fault_ = false;
  }
  window_.publish();
  std::memcpy(&mb_->regs, &regs_, sizeof regs_);
  if (io_armed_) {
    io_armed_ = false;
    mb_->arg[0] = io_.send ? SYS_sendto : SYS_recvfrom;
    mb_->arg[1] = static_cast<uint64_t>(io_.fd);
    mb_->arg[2] = io_.buf;
    mb_->arg[3] = io_.len;
    mb_->arg[4] = static_cast<uint64_t>(static_cast<uint32_t>(io_.flags));
    mb_->arg[5] = mb_->arg[6] = 0;
    mb_->io_want = io_.want;
    mb_->io_events = io_.wait ? (io_.send ? POLLOUT : POLLIN) : 0;
    post(LX_CMD_RESUME_IO);
    // A receive that may wait, or a big transfer, outlasts any spin: sleep
    // at once and leave the CPU to the transfers (the stub wakes us when a
    // wait ends). A small send is over in microseconds: spin as usual.
    const bool long_io = (io_.wait && !io_.send) || io_.len >= kLongIoBytes;
    if (!wait_event(long_io ? proc_.options().io_spin_ns : proc_.options().provider_spin_ns))
      return exited_event();
  } else {
    post(LX_CMD_RESUME);
    if (!wait_event()) return exited_event();
  }
  Event ev;
  // Copy out before looking: another guest thread could be scribbling on it.
  std::memcpy(&regs_, &mb_->regs, sizeof regs_);
  switch (mb_->event) {
    case LX_EV_SYSCALL:
      ev.kind = EventKind::Syscall;
      ev.syscall_nr = mb_->nr;
      ev.foreign_abi = mb_->arch != 0xc000003eu;  // AUDIT_ARCH_X86_64
      // A trap (not the fast entry): its site may be worth patching.
      if (!ev.foreign_abi && mb_->fast_state != LX_FAST_IN && proc_.opts_.fast_syscalls) ev.syscall_site = regs_.rip;
      open_window();
      break;
    case LX_EV_IO_DONE:
      ev.kind = EventKind::SocketIoDone;
      ev.io_result = mb_->ret;
      ev.io_interrupted = mb_->io_kicked != 0;
      open_window();
      break;
    case LX_EV_FAULT:
      ev.kind = EventKind::Fault;
      ev.signo = mb_->signo;
      ev.si_code = mb_->code;
      ev.fault_addr = mb_->addr;
      break;
    default:  // kick, or a mailbox the guest corrupted: just report a stop
      ev.kind = EventKind::Interrupt;
      break;
  }
  return ev;
}

// The syscall's copies ride with the trap (CopyWindow) until the next resume.
void LinuxThread::open_window() {
  window_.open();
  t_window = {&proc_, proc_.serial_, this};
}

void LinuxThread::interrupt() {
  // An exited thread's tid may already belong to a new thread of the guest.
  if (!exited() && !proc_.dead())
    syscall(SYS_tgkill, proc_.pid(), host_tid_.load(std::memory_order_relaxed), LX_KICK_SIGNAL);
}

Result<void> LinuxThread::check_stopped() const {
  if (exited() || proc_.known_dead()) return lx::err(ESRCH);
  return {};
}

Result<long> LinuxThread::call(uint32_t cmd) {
  TRY(check_stopped());
  // The stub applies queued writes only when it resumes the guest: anything
  // else it is asked to do (fork copies memory, exit never resumes) must
  // find them done.
  if (window_.has_queued()) proc_.flush_window(*this);
  post(cmd);
  if (!wait_event()) return lx::err(ESRCH);
  if (mb_->event != LX_EV_RESULT) return lx::err(EIO);
  long ret = mb_->ret;
  if (ret < 0 && ret > -4096) return lx::err(static_cast<int>(-ret));
  return ret;
}

Result<long> LinuxThread::host_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  mb_->arg[0] = static_cast<uint64_t>(nr);
  mb_->arg[1] = static_cast<uint64_t>(a0);
  mb_->arg[2] = static_cast<uint64_t>(a1);
  mb_->arg[3] = static_cast<uint64_t>(a2);
  mb_->arg[4] = static_cast<uint64_t>(a3);
  mb_->arg[5] = static_cast<uint64_t>(a4);
  mb_->arg[6] = static_cast<uint64_t>(a5);
  return call(LX_CMD_HOST_SYSCALL);
}

Result<long> LinuxThread::host_new_thread(size_t idx) {
  mb_->arg[0] = idx;
  long ret = TRY(call(LX_CMD_NEW_THREAD));
  if (ret <= 0) return lx::err(EIO);
  return ret;
}

Result<void> LinuxThread::map_anonymous(uint64_t addr, uint64_t len, int prot) {
  long r = TRY(host_syscall(SYS_mmap, static_cast<long>(addr), static_cast<long>(len), prot,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
  if (static_cast<uint64_t>(r) != addr) return lx::err(ENOMEM);
  return {};
}

Result<void> LinuxThread::unmap(uint64_t addr, uint64_t len) {
  TRY(host_syscall(SYS_munmap, static_cast<long>(addr), static_cast<long>(len)));
  return {};
}

Result<void> LinuxThread::protect(uint64_t addr, uint64_t len, int prot) {
  TRY(host_syscall(SYS_mprotect, static_cast<long>(addr), static_cast<long>(len), prot));
  return {};
}

Result<void> LinuxThread::map_file(uint64_t addr, uint64_t len, int prot, bool shared, int host_fd,
                                   uint64_t offset) {
  TRY(check_stopped());
  std::lock_guard<std::mutex> lock(proc_.map_mu());
  TRY(proc_.send_fd(host_fd));
  mb_->arg[0] = addr;
  mb_->arg[1] = len;
  mb_->arg[2] = static_cast<uint64_t>(prot);
  mb_->arg[3] = shared ? MAP_SHARED : MAP_PRIVATE;
  mb_->arg[4] = offset;
  long ret = TRY(call(LX_CMD_MAP_FD));
  if (static_cast<uint64_t>(ret) != addr) return lx::err(ENOMEM);
  return {};
}

Result<Thread*> LinuxThread::create_thread() { return proc_.add_thread(*this); }

Result<std::unique_ptr<Process>> LinuxThread::fork_process() {
  std::lock_guard<std::mutex> lock(proc_.lent_.mu());
  std::unique_ptr<Process> child = TRY(proc_.fork_from(*this));
  proc_.lent_.after_fork(*child);
  return child;
}

bool LinuxThread::arm_socket_io(const SocketIo& io) {
  // The stub's transfer may not reach its own memory (the arena).
  if (!proc_.options().socket_io || io.fd < 0 || io.len == 0 || io.buf + io.len < io.buf ||
      in_arena(io.buf, io.len))
    return false;
  io_ = io;
  io_armed_ = true;
  return true;
}

void LinuxThread::rewrite_syscall_site(uint64_t site, uint64_t nr, const std::function<bool()>& may_rewrite) {
  proc_.rewrite_site(site, nr, may_rewrite);
}

// Patched syscall sites (StubAbi.h). The kernel calls this only while the
// thread is stopped and the only one running this memory, so the 7 bytes
// can be rewritten without another CPU executing them half-written; it
// checks the mapping (may_rewrite) only for a site about to be rewritten,
// not on every trap of a site already decided.
void LinuxProcess::rewrite_site(uint64_t site, uint64_t nr, const std::function<bool()>& may_rewrite) {
  constexpr uint8_t kPatchAt = 2;  // one trap may be all there is (start-up code)
  constexpr uint8_t kSiteDone = 0xff;
  // rt_sigreturn needs the host frame the trap path has anyway.
  if (!opts_.fast_syscalls || nr == SYS_rt_sigreturn || nr > INT32_MAX || site < 7) return;
  // A guest that traps from ever new addresses (generated code) must not
  // grow this table without bound: past the cap, new sites stay trapped.
  constexpr size_t kMaxTrackedSites = 1 << 16;
  auto it = site_hits_.find(site);
  if (it == site_hits_.end()) {
    if (site_hits_.size() >= kMaxTrackedSites) return;
    it = site_hits_.emplace(site, 0).first;
  }
  uint8_t& hits = it->second;
  if (hits == kSiteDone || ++hits < kPatchAt) return;
  hits = kSiteDone;
  if (next_thunk_ > LX_FAST_MAX_SITES || !may_rewrite()) return;
  if (mem_fd_ < 0) {
    mem_fd_ = open(("/proc/" + std::to_string(pid_) + "/mem").c_str(), O_RDWR | O_CLOEXEC);
    if (mem_fd_ < 0) {
      opts_.fast_syscalls = false;
      return;
    }
  }
  const auto nr32 = static_cast<uint32_t>(nr);
  uint8_t code[7];
  if (pread(mem_fd_, code, sizeof code, static_cast<off_t>(site - 7)) != sizeof code) return;
  uint8_t want[7] = {0xb8, 0, 0, 0, 0, 0x0f, 0x05};  // mov $nr, %eax; syscall
  std::memcpy(want + 1, &nr32, 4);
  if (std::memcmp(code, want, sizeof code) != 0) return;

  const uint64_t slot = LX_FAST_BASE + 8ull * next_thunk_;
  const uint64_t thunk = LX_FAST_THUNKS + (next_thunk_ - 1) * LX_FAST_THUNK_SIZE;
  uint8_t t[40] = {
      0xb8, 0, 0, 0, 0,                          // +0  mov $nr, %eax
      0x4c, 0x8d, 0x1d, 0xf4, 0xff, 0xff, 0xff,  // +5  lea -12(%rip), %r11
      0xff, 0x24, 0x25, 0, 0, 0, 0,              // +12 jmp *[LX_FAST_BASE]
      0x0f, 0x05,                                // +19 syscall
      0xff, 0x25, 0x05, 0, 0, 0,                 // +21 jmp *5(%rip)
      0xcc, 0xcc, 0xcc, 0xcc, 0xcc,              // +27
  };
  std::memcpy(t + 1, &nr32, 4);
  const auto base32 = static_cast<uint32_t>(LX_FAST_BASE);
  std::memcpy(t + 15, &base32, 4);
  std::memcpy(t + 32, &site, 8);  // +32 where the site goes on
  const auto slot32 = static_cast<uint32_t>(slot);
  uint8_t jump[7] = {0xff, 0x24, 0x25, 0, 0, 0, 0};  // jmp *[slot]; its last two bytes are 0f 05
  std::memcpy(jump + 3, &slot32, 4);
  static_assert(LX_FAST_BASE + 8ull * (LX_FAST_MAX_SITES + 1) <= LX_FAST_BASE + 0x10000 &&
                    ((LX_FAST_BASE >> 16) & 0xffff) == 0x050f,
                "every slot address ends in the bytes of a syscall instruction");
  // Thunk and slot first: the site jumps through them once rewritten.
  if (pwrite(mem_fd_, t, sizeof t, static_cast<off_t>(thunk)) != sizeof t ||
      pwrite(mem_fd_, &thunk, 8, static_cast<off_t>(slot)) != 8)
    return;
  ++next_thunk_;
  (void)!pwrite(mem_fd_, jump, sizeof jump, static_cast<off_t>(site - 7));
}

void LinuxProcess::forget_syscall_sites() {
  site_hits_.clear();
  next_thunk_ = 1;
}

Result<int> LinuxProcess::lend_socket(Thread& via, int host_fd) {
  auto& t = static_cast<LinuxThread&>(via);
  if (&t.proc_ != this) return lx::err(EINVAL);
  return lent_.lend(*this, t, host_fd);
}

Result<void> LinuxThread::exit_thread() {
  TRY(check_stopped());
  if (leader_) {
    // Parks for good (see LX_CMD_EXIT_THREAD): no event, nothing to wait for.
    mb_->arg[0] = 1;
    post(LX_CMD_EXIT_THREAD);
    exited_.store(true, std::memory_order_release);
    return {};
  }
  mb_->arg[0] = 0;
  __atomic_store_n(&mb_->exit_word, 1, __ATOMIC_SEQ_CST);
  post(LX_CMD_EXIT_THREAD);
  // The host zeroes exit_word once the thread released its memory. The word
  // is guest-writable: a guest that keeps it set only stalls its own thread
  // exit, and kill() still ends the wait.
  for (;;) {
    uint32_t w = __atomic_load_n(&mb_->exit_word, __ATOMIC_SEQ_CST);
    if (w == 0) break;
    futex_wait_20ms(&mb_->exit_word, w);
    if (__atomic_load_n(&mb_->exit_word, __ATOMIC_SEQ_CST) != 0 && proc_.dead()) break;
  }
  exited_.store(true, std::memory_order_release);
  return {};
}

// Where the host frame this thread resumes through keeps its FP state. Read
// from the mailbox, so untrusted: it only ever directs copies within the
// guest's own process, where a wrong address can only hurt the guest.
Result<uint64_t> LinuxThread::frame_fpstate() {
  TRY(check_stopped());
  uint64_t addr = mb_->fpstate;
  // Stopped through the fast entry: no host frame until the stub makes one.
  if (addr == 0 && mb_->fast_state == LX_FAST_IN) addr = static_cast<uint64_t>(TRY(call(LX_CMD_MAKE_FRAME)));
  if (addr == 0 || addr % 64) return lx::err(EIO);
  return addr;
}

Result<void> LinuxThread::save_fpstate(uint64_t guest_addr) {
  if (guest_addr % 64) return lx::err(EINVAL);
  const uint64_t frame = TRY(frame_fpstate());
  std::vector<uint8_t> buf(proc_.fpstate_size());
  // The host kernel wrote the frame in exactly Linux's signal-frame format.
  if (!proc_.read_memory(frame, buf.data(), buf.size()).ok()) return lx::err(EIO);
  return proc_.write_memory(guest_addr, buf.data(), buf.size());
}

Result<void> LinuxThread::restore_fpstate(uint64_t guest_addr) {
  if (guest_addr % 64) return lx::err(EINVAL);
  std::vector<uint8_t> buf(proc_.fpstate_size());
  TRY(proc_.read_memory(guest_addr, buf.data(), buf.size()));
  const uint64_t frame = TRY(frame_fpstate());
  // Copied as is: the host's rt_sigreturn applies Linux's own checks to it
  // (magic and sizes, else an FXSAVE-only restore; a faulting XRSTOR means
  // SIGSEGV, which comes back to us as a fault event). We only move bytes.
  if (!proc_.write_memory(frame, buf.data(), buf.size()).ok()) return lx::err(EIO);
  return {};
}

Result<void> LinuxThread::reset_fpstate() {
  const uint64_t frame = TRY(frame_fpstate());
  std::vector<uint8_t> clean = init_fpstate(proc_.fp_layout());
  if (!proc_.write_memory(frame, clean.data(), clean.size()).ok()) return lx::err(EIO);
  return {};
}

// ---- LinuxProcess ----------------------------------------------------------

Result<void> LinuxProcess::send_fds(const int* fds, size_t n) {
  constexpr size_t kMax = 2;
  if (n == 0 || n > kMax) return lx::err(EINVAL);
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(kMax * sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(n * sizeof(int));
  std::memcpy(CMSG_DATA(c), fds, n * sizeof(int));
  for (;;) {
    if (sendmsg(map_sock_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) return {};
    if (errno != EINTR) return lx::err(errno == EBADF ? EBADF : (errno == EAGAIN ? EAGAIN : ESRCH));
  }
}

Result<Thread*> LinuxProcess::add_thread(LinuxThread& creator) {
  std::lock_guard<std::mutex> lock(threads_mu_);
  // The lowest slot that never had a thread or whose thread is gone. A
  // parked leader keeps its slot: its host thread still uses the stacks.
  size_t idx = 0;
  while (idx < slots_.size() && slots_[idx] && !(slots_[idx]->exited() && !slots_[idx]->leader())) ++idx;
  if (idx >= LX_MAX_THREADS) return lx::err(EAGAIN);
  lx_mailbox* mb = mailbox_at(ctl_, idx);
  std::memset(static_cast<void*>(mb), 0, sizeof *mb);
  long tid = TRY(creator.host_new_thread(idx));
  if (idx >= slots_.size()) slots_.resize(idx + 1);
  LinuxThread* t = slots_[idx].get();
  if (t) {
    t->reuse(static_cast<pid_t>(tid), 0);
  } else {
    slots_[idx] = std::make_unique<LinuxThread>(*this, idx, static_cast<pid_t>(tid), 0, false);
    t = slots_[idx].get();
  }
  if (!t->wait_event() || mb->event != LX_EV_READY) {
    t->exited_.store(true, std::memory_order_release);
    return lx::err(EAGAIN);
  }
  return t;
}

Result<std::unique_ptr<Process>> LinuxProcess::fork_from(LinuxThread& forker) {
  TRY(forker.check_stopped());
  ControlBlock cb = TRY(new_control_block(opts_, {}, vdso_));
  int socks[2] = {-1, -1};
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, socks) != 0) socks[0] = socks[1] = -1;
  // Until the child process object owns them.
  struct Guard {
    ControlBlock* cb;
    int* socks;
    bool armed = true;
    ~Guard() {
      if (cb->fd >= 0) close(cb->fd);
      if (!armed) return;
      munmap(cb->ctl, LX_CTL_SIZE);
      for (int i = 0; i < 2; ++i)
        if (socks[i] >= 0) close(socks[i]);
    }
  } guard{&cb, socks};
  if (socks[0] < 0) return lx::err(EMFILE);
  struct stat ctl_st {};
  if (fstat(cb.fd, &ctl_st) != 0) return lx::err(errno);

  long ret = 0;
  {
    std::lock_guard<std::mutex> lock(map_mu_);
    const int fds[2] = {cb.fd, socks[1]};
    TRY(send_fds(fds, 2));
    // In flight now; the stub parent closes its copies after forking.
    close(cb.fd);
    cb.fd = -1;
    close(socks[1]);
    socks[1] = -1;
    auto r = forker.call(LX_CMD_FORK);
    if (!r.ok()) {
      kill_stray_fork_child(ctl_st);
      return lx::err(r.error());
    }
    ret = r.value();
  }
  const auto child = static_cast<pid_t>(ret);
  if (ret <= 0 || ret > INT32_MAX || child == pid_ || !is_our_child_process(child)) {
    kill_stray_fork_child(ctl_st);
    return lx::err(EIO);
  }

  // The child posts READY on its own block, in the forking thread's slot.
  const size_t slot = forker.slot();
  lx_mailbox* cmb = mailbox_at(cb.ctl, slot);
  auto ready = [&] { return __atomic_load_n(&cmb->to_provider, __ATOMIC_ACQUIRE) != 0; };
  uint64_t parent_gone_at = 0;
  __atomic_store_n(&cmb->provider_waiting, 1, __ATOMIC_SEQ_CST);
  while (!ready()) {
    futex_wait_20ms(&cmb->to_provider, 0);
    if (ready()) break;
    if (child_exited(child)) return lx::err(EAGAIN);
    // A dying parent does not stop a child that is about to report; but a
    // guest could have named a pid that will never report, so not forever.
    if (dead()) {
      if (parent_gone_at == 0) parent_gone_at = now_ns();
      if (now_ns() - parent_gone_at > 2'000'000'000ull) {
        kill_stray_fork_child(ctl_st);
        return lx::err(ESRCH);
      }
    }
  }
  __atomic_store_n(&cmb->provider_waiting, 0, __ATOMIC_RELAXED);
  if (!maps_control_block(child, ctl_st)) {
    kill_stray_fork_child(ctl_st);
    return lx::err(EIO);
  }

  std::unique_ptr<LinuxProcess> proc(new LinuxProcess(child, cb.ctl, socks[0], opts_));
  guard.armed = false;
  proc->vdso_ = vdso_;
  proc->reserved_ = reserved_;
  // The child's memory has this process's thunks and patched sites.
  proc->site_hits_ = site_hits_;
  proc->next_thunk_ = next_thunk_;
  proc->slots_.resize(slot + 1);
  const uint32_t seen = __atomic_load_n(&cmb->to_provider, __ATOMIC_ACQUIRE);
  proc->slots_[slot] = std::make_unique<LinuxThread>(*proc, slot, child, seen, true);
  proc->main_ = proc->slots_[slot].get();
  proc->main_->regs_ = forker.regs_;
  if (cmb->event != LX_EV_READY) return lx::err(EIO);  // proc's destructor kills the child
  return std::unique_ptr<Process>(std::move(proc));
}

Result<std::unique_ptr<LinuxProcess>> LinuxProcess::start(int stub_fd, const LinuxHostOptions& opts,
                                                          const std::vector<uint64_t>& filter) {
  int socks[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, socks) != 0) return lx::err(errno);
  // Both ends above the child's fixed fds, like the others.
  int map_sock = fcntl(socks[0], F_DUPFD_CLOEXEC, kFdHigh);
  int stub_sock = fcntl(socks[1], F_DUPFD_CLOEXEC, kFdHigh);
  close(socks[0]);
  close(socks[1]);
  if (map_sock < 0 || stub_sock < 0) {
    int e = errno;
    if (map_sock >= 0) close(map_sock);
    if (stub_sock >= 0) close(stub_sock);
    return lx::err(e);
  }
  // Closes the socket ends on every early return below.
  struct SockGuard {
    int* a;
    int* b;
    ~SockGuard() {
      if (*a >= 0) close(*a);
      if (*b >= 0) close(*b);
    }
  } sock_guard{&map_sock, &stub_sock};
  ControlBlock cb = TRY(new_control_block(opts, filter, 0));
  const int ctl_fd = cb.fd;
  void* ctl = cb.ctl;
  int stub_hi = fcntl(stub_fd, F_DUPFD_CLOEXEC, kFdHigh);
  if (stub_hi < 0) {
    int e = errno;
    close(ctl_fd);
    munmap(ctl, LX_CTL_SIZE);
    return lx::err(e);
  }

  pid_t parent = getpid();
  // vfork: the child only makes raw syscalls before exec, so sharing our
  // memory is safe, and it avoids copying the provider's page tables.
  pid_t pid = vfork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(ctl_fd, LX_CTL_FD);
    dup3(stub_hi, LX_CTL_FD + 1, O_CLOEXEC);
    dup2(stub_sock, LX_MAP_FD);
    syscall(SYS_close_range, LX_MAP_FD + 1, ~0u, 0);
    syscall(SYS_close_range, 0, 2, 0);
    char arg0[] = "lx-stub";
    char* argv[] = {arg0, nullptr};
    char* envp[] = {nullptr};
    syscall(SYS_execveat, LX_CTL_FD + 1, "", argv, envp, AT_EMPTY_PATH);
    _exit(127);
  }
  int fork_errno = errno;
  close(ctl_fd);
  close(stub_hi);
  if (pid < 0) {
    munmap(ctl, LX_CTL_SIZE);
    return lx::err(fork_errno);
  }

  std::unique_ptr<LinuxProcess> proc(new LinuxProcess(pid, ctl, map_sock, opts));
  map_sock = -1;  // owned by proc now
  proc->slots_.push_back(std::make_unique<LinuxThread>(*proc, 0, pid, 0, true));
  proc->main_ = proc->slots_[0].get();
  if (!proc->main_->wait_event() || proc->main_->mailbox()->event != LX_EV_READY) return lx::err(ECHILD);
  TRY(proc->read_layout());
  return proc;
}

Result<void> LinuxProcess::read_layout() {
  // Everything the host put in the process (stub image, its exec stack,
  // vDSO, vvar, control block) is off limits to the guest's own mappings.
  std::ifstream maps("/proc/" + std::to_string(pid_) + "/maps");
  if (!maps) return lx::err(EIO);
  std::string line;
  reserved_.push_back(Range{LX_ARENA_BASE, LX_ARENA_BASE + LX_ARENA_SIZE});
  while (std::getline(maps, line)) {
    unsigned long long start = 0, end = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx", &start, &end) != 2) continue;
    if (line.find("[vdso]") != std::string::npos) vdso_ = start;
    if (start >= 0x800000000000ull) continue;  // [vsyscall]
    reserved_.push_back(Range{start, end});
  }
  std::sort(reserved_.begin(), reserved_.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
  return {};
}

LinuxProcess::~LinuxProcess() {
  kill();
  if (mem_fd_ >= 0) close(mem_fd_);
  munmap(ctl_, LX_CTL_SIZE);
  close(map_sock_);
}

bool LinuxProcess::dead() {
  if (dead_) return true;
  std::lock_guard<std::mutex> lock(wait_mu_);
  if (dead_) return true;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG | __WALL);
  if (r == pid_) {
    wait_status_ = st;
    dead_ = true;
  } else if (r < 0 && errno == ECHILD) {
    // Not ours to wait for any more (someone else reaped it): gone all the
    // same, and waiting on would never end.
    wait_status_ = SIGKILL;
    dead_ = true;
  }
  return dead_;
}

void LinuxProcess::kill() {
  if (dead_) return;
  std::lock_guard<std::mutex> lock(wait_mu_);
  if (dead_) return;
  ::kill(pid_, SIGKILL);
  int st = SIGKILL;
  while (waitpid(pid_, &st, __WALL) < 0 && errno == EINTR) {
  }
  wait_status_ = st;
  dead_ = true;
}

size_t LinuxProcess::read_direct(uint64_t addr, void* dst, size_t len) {
  size_t done = 0;
  while (done < len) {
    iovec local{static_cast<char*>(dst) + done, len - done};
    iovec remote{reinterpret_cast<void*>(addr + done), len - done};
    ssize_t n = process_vm_readv(pid_, &local, 1, &remote, 1, 0);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

uint64_t LinuxProcess::next_serial() {
  static std::atomic<uint64_t> serial{0};
  return ++serial;
}

LinuxThread* LinuxProcess::window_thread() const {
  if (t_window.proc != this || t_window.serial != serial_) return nullptr;
  return t_window.thread->window_.is_open() ? t_window.thread : nullptr;
}

void LinuxProcess::flush_window(LinuxThread& t) {
  if (!t.window_.flush(pid_).ok()) t.window_fault_ = true;
}

void LinuxProcess::flush_overlapping(LinuxThread* t, uint64_t addr, size_t len) {
  if (t && t->window_.overlaps_queued(addr, len)) flush_window(*t);
}

size_t LinuxProcess::read_memory_partial(uint64_t addr, void* dst, size_t len) {
  LinuxThread* t = window_thread();
  if (t)
    if (size_t n = t->window_.read_partial(addr, dst, len)) return n;
  flush_overlapping(t, addr, len);
  return read_direct(addr, dst, len);
}

Result<void> LinuxProcess::residency(uint64_t addr, uint64_t pages, uint8_t* out) {
  // /proc/<pid>/pagemap: one u64 per page; bit 63 present, bit 62 swapped.
  // Readable by us (same user, our child) without extra privileges; only
  // the frame numbers are hidden.
  int fd = ::open(("/proc/" + std::to_string(pid_) + "/pagemap").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lx::err(errno == ENOENT ? ESRCH : EIO);
  constexpr uint64_t kBatch = 512;
  uint64_t entries[kBatch];
  Result<void> res;
  for (uint64_t done = 0; done < pages && res.ok();) {
    const uint64_t n = std::min(kBatch, pages - done);
    const off_t off = static_cast<off_t>(((addr >> 12) + done) * sizeof(uint64_t));
    ssize_t got = pread(fd, entries, n * sizeof(uint64_t), off);
    if (got <= 0 || got % sizeof(uint64_t) != 0) {
      res = lx::err(EIO);
      break;
    }
    const uint64_t k = static_cast<uint64_t>(got) / sizeof(uint64_t);
    for (uint64_t i = 0; i < k; ++i) out[done + i] = (entries[i] >> 62) ? 1 : 0;
    done += k;
  }
  ::close(fd);
  return res;
}

Result<void> LinuxProcess::read_memory(uint64_t addr, void* dst, size_t len) {
  LinuxThread* t = window_thread();
  if (t && t->window_.read(addr, dst, len)) return {};
  flush_overlapping(t, addr, len);
  if (read_direct(addr, dst, len) != len) return lx::err(EFAULT);
  return {};
}

Result<void> LinuxProcess::write_direct(uint64_t addr, const void* src, size_t len) {
  size_t done = 0;
  while (done < len) {
    iovec local{const_cast<char*>(static_cast<const char*>(src)) + done, len - done};
    iovec remote{reinterpret_cast<void*>(addr + done), len - done};
    ssize_t n = process_vm_writev(pid_, &local, 1, &remote, 1, 0);
    if (n <= 0) return lx::err(EFAULT);
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<void> LinuxProcess::write_memory(uint64_t addr, const void* src, size_t len) {
  // Queued writes to the same bytes are older: they must land first.
  flush_overlapping(window_thread(), addr, len);
  return write_direct(addr, src, len);
}

Result<void> LinuxProcess::write_memory_deferred(uint64_t addr, const void* src, size_t len) {
  LinuxThread* t = window_thread();
  if (t && !in_arena(addr, len) && t->window_.queue_write(addr, src, len)) return {};
  return write_memory(addr, src, len);
}

Result<void> LinuxProcess::flush_writes() {
  LinuxThread* t = window_thread();
  if (!t || !t->window_.has_queued()) return {};
  if (!t->window_.flush(pid_).ok()) return lx::err(EFAULT);
  return {};
}

}  // namespace pico
