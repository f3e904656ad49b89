#ifndef LX_SPIN_RELAX
#define LX_SPIN_RELAX() __asm__ volatile("" ::: "memory")
#endif
#include "pico/linux/LinuxProcess.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

namespace pico {
namespace {

constexpr int kFdHigh = 10;  // parent-side fds are moved here so the child's dup2s can't clash

void futex_wake(volatile uint32_t* w) {
  syscall(SYS_futex, const_cast<uint32_t*>(w), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

lx_mailbox* mailbox_at(void* ctl, size_t idx) {
  return reinterpret_cast<lx_mailbox*>(static_cast<char*>(ctl) + LX_CTL_HEADER_SIZE +
                                       idx * LX_MAILBOX_STRIDE);
}

}  // namespace

// ---- LinuxThread -----------------------------------------------------------

LinuxThread::LinuxThread(LinuxProcess& proc, lx_mailbox* mb, pid_t host_tid, uint32_t seen)
    : proc_(proc), mb_(mb), host_tid_(host_tid), seen_(seen) {}

void LinuxThread::post(uint32_t cmd) {
  mb_->cmd = cmd;
  __atomic_add_fetch(&mb_->to_stub, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&mb_->stub_waiting, __ATOMIC_SEQ_CST)) futex_wake(&mb_->to_stub);
}

bool LinuxThread::wait_event() {
  auto changed = [&] { return __atomic_load_n(&mb_->to_provider, __ATOMIC_ACQUIRE) != seen_; };
  if (!changed()) {
    // Spin first (see LinuxHostOptions), checking the clock only now and then.
    uint64_t start = now_ns();
    for (uint32_t i = 1; !changed(); ++i) {
      LX_SPIN_RELAX();
      if ((i & 255) == 0 && now_ns() - start > proc_.options().provider_spin_ns) break;
    }
  }
  if (!changed()) {
    __atomic_store_n(&mb_->provider_waiting, 1, __ATOMIC_SEQ_CST);
    while (!changed()) {
      // The timeout lets us notice a host process that died without posting.
      timespec ts{0, 20'000'000};
      syscall(SYS_futex, const_cast<uint32_t*>(&mb_->to_provider), FUTEX_WAIT, seen_, &ts, nullptr, 0);
      if (!changed() && proc_.dead()) {
        __atomic_store_n(&mb_->provider_waiting, 0, __ATOMIC_RELAXED);
        return false;
      }
    }
    __atomic_store_n(&mb_->provider_waiting, 0, __ATOMIC_RELAXED);
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
  if (proc_.known_dead()) return exited_event();
  std::memcpy(&mb_->regs, &regs_, sizeof regs_);
  post(LX_CMD_RESUME);
  if (!wait_event()) return exited_event();
  Event ev;
  // Copy out before looking: another guest thread could be scribbling on it.
  std::memcpy(&regs_, &mb_->regs, sizeof regs_);
  switch (mb_->event) {
    case LX_EV_SYSCALL:
      ev.kind = EventKind::Syscall;
      ev.syscall_nr = mb_->nr;
      ev.foreign_abi = mb_->arch != 0xc000003eu;  // AUDIT_ARCH_X86_64
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

void LinuxThread::interrupt() {
  if (!proc_.dead()) syscall(SYS_tgkill, proc_.pid(), host_tid_, LX_KICK_SIGNAL);
}

Result<long> LinuxThread::host_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  mb_->arg[0] = static_cast<uint64_t>(nr);
  mb_->arg[1] = static_cast<uint64_t>(a0);
  mb_->arg[2] = static_cast<uint64_t>(a1);
  mb_->arg[3] = static_cast<uint64_t>(a2);
  mb_->arg[4] = static_cast<uint64_t>(a3);
  mb_->arg[5] = static_cast<uint64_t>(a4);
  mb_->arg[6] = static_cast<uint64_t>(a5);
  post(LX_CMD_HOST_SYSCALL);
  if (!wait_event()) return lx::err(ESRCH);
  if (mb_->event != LX_EV_RESULT) return lx::err(EIO);
  long ret = mb_->ret;
  if (ret < 0 && ret > -4096) return lx::err(static_cast<int>(-ret));
  return ret;
}

Result<long> LinuxThread::host_new_thread(size_t idx) {
  mb_->arg[0] = idx;
  post(LX_CMD_NEW_THREAD);
  if (!wait_event()) return lx::err(ESRCH);
  if (mb_->event != LX_EV_RESULT) return lx::err(EIO);
  long ret = mb_->ret;
  if (ret < 0) return lx::err(ret > -4096 ? static_cast<int>(-ret) : EIO);
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
  std::lock_guard<std::mutex> lock(proc_.map_mu());
  TRY(proc_.send_fd(host_fd));
  mb_->arg[0] = addr;
  mb_->arg[1] = len;
  mb_->arg[2] = static_cast<uint64_t>(prot);
  mb_->arg[3] = shared ? MAP_SHARED : MAP_PRIVATE;
  mb_->arg[4] = offset;
  post(LX_CMD_MAP_FD);
  if (!wait_event()) return lx::err(ESRCH);
  if (mb_->event != LX_EV_RESULT) return lx::err(EIO);
  long ret = mb_->ret;
  if (ret < 0 && ret > -4096) return lx::err(static_cast<int>(-ret));
  if (static_cast<uint64_t>(ret) != addr) return lx::err(ENOMEM);
  return {};
}

Result<Thread*> LinuxThread::create_thread() { return proc_.add_thread(*this); }

// ---- LinuxProcess ----------------------------------------------------------

Result<void> LinuxProcess::send_fd(int host_fd) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &host_fd, sizeof host_fd);
  for (;;) {
    if (sendmsg(map_sock_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) return {};
    if (errno != EINTR) return lx::err(errno == EBADF ? EBADF : (errno == EAGAIN ? EAGAIN : ESRCH));
  }
}

Result<Thread*> LinuxProcess::add_thread(LinuxThread& creator) {
  std::lock_guard<std::mutex> lock(threads_mu_);
  // Mailbox i belongs to threads_[i]; the stub finds it from the alt stack.
  const size_t idx = threads_.size();
  if (idx >= LX_MAX_THREADS) return lx::err(EAGAIN);
  lx_mailbox* mb = mailbox_at(ctl_, idx);
  std::memset(static_cast<void*>(mb), 0, sizeof *mb);
  long tid = TRY(creator.host_new_thread(idx));
  auto thread = std::make_unique<LinuxThread>(*this, mb, static_cast<pid_t>(tid), 0);
  if (!thread->wait_event() || mb->event != LX_EV_READY) return lx::err(EAGAIN);
  threads_.push_back(std::move(thread));
  return threads_.back().get();
}

Result<std::unique_ptr<LinuxProcess>> LinuxProcess::start(int stub_fd, const LinuxHostOptions& opts,
                                                          const std::vector<uint64_t>& filter) {
  if (filter.size() > LX_MAX_BPF) return lx::err(EINVAL);
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
  int memfd = memfd_create("lx-ctl", MFD_CLOEXEC);
  if (memfd < 0) return lx::err(errno);
  int ctl_fd = fcntl(memfd, F_DUPFD_CLOEXEC, kFdHigh);
  close(memfd);
  int stub_hi = fcntl(stub_fd, F_DUPFD_CLOEXEC, kFdHigh);
  if (ctl_fd < 0 || stub_hi < 0 || ftruncate(ctl_fd, LX_CTL_SIZE) != 0) {
    int e = errno;
    if (ctl_fd >= 0) close(ctl_fd);
    if (stub_hi >= 0) close(stub_hi);
    return lx::err(e);
  }
  void* ctl = mmap(nullptr, LX_CTL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ctl_fd, 0);
  if (ctl == MAP_FAILED) {
    int e = errno;
    close(ctl_fd);
    close(stub_hi);
    return lx::err(e);
  }
  auto* hdr = static_cast<lx_ctl_header*>(ctl);
  hdr->magic = LX_STUB_MAGIC;
  hdr->spin_iterations = opts.stub_spin_iterations;
  hdr->bpf_len = static_cast<uint32_t>(filter.size());
  std::copy(filter.begin(), filter.end(), hdr->bpf);

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
  lx_mailbox* mb = mailbox_at(ctl, 0);
  auto thread = std::make_unique<LinuxThread>(*proc, mb, pid, 0);
  if (!thread->wait_event() || mb->event != LX_EV_READY) return lx::err(ECHILD);
  proc->threads_.push_back(std::move(thread));
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
  munmap(ctl_, LX_CTL_SIZE);
  close(map_sock_);
}

bool LinuxProcess::dead() {
  if (dead_) return true;
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG | __WALL) == pid_) {
    dead_ = true;
    wait_status_ = st;
  }
  return dead_;
}

void LinuxProcess::kill() {
  if (dead_) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  while (waitpid(pid_, &st, __WALL) < 0 && errno == EINTR) {
  }
  dead_ = true;
  wait_status_ = st;
}

size_t LinuxProcess::read_memory_partial(uint64_t addr, void* dst, size_t len) {
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
  if (read_memory_partial(addr, dst, len) != len) return lx::err(EFAULT);
  return {};
}

Result<void> LinuxProcess::write_memory(uint64_t addr, const void* src, size_t len) {
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

}  // namespace pico
