// The pico interface: everything the Linux personality (kernel/) needs from
// the host. A pico process is an empty address space plus threads that run
// guest code until the next event. Nothing here knows about Linux syscalls'
// meaning; backends only transport registers, memory and events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernel/base/Result.h"

namespace pico {

using lx::Result;

// x86-64 user register file, as the kernel sees a guest thread.
struct Registers {
  uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
  uint64_t rax, rcx, rdx, rsi, rdi, rip, rflags, rsp;
  uint64_t fs_base, gs_base;
};

enum class EventKind {
  Syscall,    // guest executed `syscall`; number in Event::syscall_nr, args in regs
  Fault,      // guest code faulted: signo/si_code/fault_addr describe it
  Interrupt,  // Thread::interrupt() was called (or a host signal arrived)
  Exited,     // the host side of the process is gone (killed, crashed)
  // An armed SocketIo did not end the syscall by itself: it failed with
  // nothing moved, or an interrupt() ended its wait (Event::io_*).
  SocketIoDone,
};

struct Event {
  EventKind kind = EventKind::Exited;
  uint64_t syscall_nr = 0;
  bool foreign_abi = false;  // Syscall via int 0x80 or x32: not the x86-64 ABI
  int signo = 0;
  int si_code = 0;
  uint64_t fault_addr = 0;
  int wait_status = 0;  // for Exited: host wait status of the process
  int64_t io_result = 0;  // SocketIoDone: bytes moved, or -errno if none
  bool io_interrupted = false;  // SocketIoDone: interrupt() ended the wait
  // Syscall: the address after the trapping instruction, when the backend
  // could make later calls from there cheaper (Thread::rewrite_syscall_site).
  uint64_t syscall_site = 0;
};

// Socket I/O that a syscall ends with, made by the guest's own host process
// straight between the socket and guest memory, so the bytes are copied
// once, as on Linux, and the provider thread is free meanwhile. The host
// never blocks on it: the backend waits for readiness itself, and
// interrupt() ends such a wait.
struct SocketIo {
  int fd = -1;  // the socket in the guest's host process (Process::lend_socket)
  bool send = false;
  uint64_t buf = 0, len = 0;  // one guest buffer, range-checked by the caller
  int flags = 0;  // host MSG_* flags (the backend adds MSG_DONTWAIT)
  // Bytes to move before the syscall is done (0: whatever one transfer
  // moves), waiting for room or data in between when `wait` is set.
  uint64_t want = 0;
  bool wait = false;
};

enum Prot : int { kProtNone = 0, kProtRead = 1, kProtWrite = 2, kProtExec = 4 };

// CPU time and memory of a pico process as the host accounts them (the
// guest's /proc/<pid>/stat and status show them).
struct ProcessUsage {
  uint64_t utime_ticks = 0, stime_ticks = 0;  // USER_HZ (100 per second)
  uint64_t minflt = 0, majflt = 0;
  uint64_t rss_pages = 0;
  uint64_t threads = 0;
};

struct Range {
  uint64_t start = 0;
  uint64_t end = 0;  // exclusive
  bool contains(uint64_t a) const { return a >= start && a < end; }
  bool overlaps(uint64_t s, uint64_t e) const { return s < end && start < e; }
};

class Process;

class Thread {
 public:
  virtual ~Thread() = default;
  // Resume guest code with regs() and return at the next event. While it
  // runs, regs() must not be touched; after it returns they describe the
  // thread at the event.
  virtual Event run() = 0;
  virtual Registers& regs() = 0;
  // Thread-safe: makes a concurrent run() return EventKind::Interrupt soon.
  virtual void interrupt() = 0;
  // The kernel is about to sleep while handling this thread's syscall (a
  // wait for another thread, a timer, a host fd): a backend that busy-waits
  // for the answer may stop doing so. Called with the thread stopped.
  virtual void note_blocking() {}
  // The syscall being handled ends with `io` when run() next resumes this
  // thread: its byte count (or EOF, or EAGAIN when not waiting) becomes
  // rax and the guest goes on, unless run() returns SocketIoDone. False if
  // the backend does not offer it (the caller copies through the provider).
  virtual bool arm_socket_io(const SocketIo& io) {
    (void)io;
    return false;
  }
  virtual void disarm_socket_io() {}
  // Event::syscall_site of this stop, from a thread that is the only one
  // running its memory: the backend may rewrite the instruction (it
  // decides when) into an equivalent, cheaper way in that still makes the
  // same syscall, if may_rewrite() says the 7 bytes before the site are
  // code in a private mapping. Called on every trap of such a site, so the
  // backend asks may_rewrite() only when it is about to write.
  virtual void rewrite_syscall_site(uint64_t site, uint64_t nr, const std::function<bool()>& may_rewrite) {
    (void)site;
    (void)nr;
    (void)may_rewrite;
  }

  // Address-space operations, carried out by this (stopped) thread on behalf
  // of its whole process. Addresses are always fixed: the kernel owns layout.
  virtual Result<void> map_anonymous(uint64_t addr, uint64_t len, int prot) = 0;
  virtual Result<void> unmap(uint64_t addr, uint64_t len) = 0;
  virtual Result<void> protect(uint64_t addr, uint64_t len, int prot) = 0;
  // Maps host_fd (a provider-side descriptor; the backend does not keep it)
  // at [addr, addr+len) from `offset`, replacing what was there. shared:
  // stores reach the file and other mappings of it (MAP_SHARED); otherwise
  // copy-on-write (MAP_PRIVATE). The host checks the fd's access mode
  // against prot and fails EACCES/ENODEV like mmap(2).
  virtual Result<void> map_file(uint64_t addr, uint64_t len, int prot, bool shared, int host_fd,
                                uint64_t offset) = 0;

  // Starts another thread in this thread's process, carried out by this
  // (stopped) thread. The new thread is stopped, owned by the process, and
  // inherits this thread's fs/gs bases; set its regs() before run().
  // The returned pointer stays valid for the process's lifetime; the object
  // of a thread that exited (exit_thread) may be handed out again by a
  // later create_thread, so drop Thread* of exited threads.
  virtual Result<Thread*> create_thread() = 0;

  // Creates a new process whose memory is a copy-on-write copy of this
  // one's (private mappings are copied, shared mappings stay shared), as
  // host fork does; carried out by this stopped thread while the process's
  // other threads keep running. The child has exactly one thread, stopped,
  // whose regs() equal this thread's (set rax etc. before its run()), and
  // the same reserved() and vdso_base().
  virtual Result<std::unique_ptr<Process>> fork_process() = 0;

  // This stopped thread ends while its siblings go on; run() then returns
  // Exited. Returns once the host thread is gone (its resources can be
  // reused). The process does not end with its last thread: the kernel
  // decides the exit status and calls Process::kill().
  virtual Result<void> exit_thread() = 0;

  // Signal-frame FP state, for building and unwinding guest rt_sigframes.
  // The area is Process::fpstate_size() bytes at a 64-byte aligned guest
  // address, in Linux's signal-frame format (XSAVE layout with the
  // fx_sw_bytes magic1 header and the trailing FP_XSTATE_MAGIC2).
  // save_fpstate writes the state the guest had when this thread stopped;
  // restore_fpstate makes the thread resume with the state read from there
  // (validated like Linux's rt_sigreturn would: a bad area can only hurt the
  // guest, e.g. SIGSEGV on resume); reset_fpstate makes it resume with a
  // clean FPU state (what Linux gives a signal handler).
  virtual Result<void> save_fpstate(uint64_t guest_addr) = 0;
  virtual Result<void> restore_fpstate(uint64_t guest_addr) = 0;
  virtual Result<void> reset_fpstate() = 0;
};

class Process {
 public:
  virtual ~Process() = default;
  // The thread that exists from creation, stopped, ready for run().
  virtual Thread& main_thread() = 0;

  // Copy between provider memory and guest memory. A partial copy is EFAULT.
  virtual Result<void> read_memory(uint64_t addr, void* dst, size_t len) = 0;
  virtual Result<void> write_memory(uint64_t addr, const void* src, size_t len) = 0;
  // A write the backend may delay until the calling provider thread next
  // resumes its guest thread of this process (the Linux backend hands small
  // ones to the stub with the resume). The caller has checked that the range
  // is mapped writable anonymous memory; a fault found later makes the
  // syscall return -EFAULT. Reads by this provider thread see the write.
  virtual Result<void> write_memory_deferred(uint64_t addr, const void* src, size_t len) {
    return write_memory(addr, src, len);
  }
  // Performs deferred writes now: before other guest threads or processes
  // may look at them (futex wakes, a new thread's start, signal frames).
  virtual Result<void> flush_writes() { return {}; }
  // Reads up to len bytes, stopping early at the first inaccessible byte;
  // returns how many were read (for NUL-terminated strings near a boundary).
  virtual size_t read_memory_partial(uint64_t addr, void* dst, size_t len) = 0;

  // mincore(2): one byte per page of [addr, addr + pages*4096), bit 0 set
  // if the page is in memory (present or swapped counts as resident).
  virtual Result<void> residency(uint64_t addr, uint64_t pages, uint8_t* out) = 0;

  // Ranges the guest may never map or touch (the backend's own code, data,
  // stacks). The kernel keeps guest mappings out of them.
  virtual const std::vector<Range>& reserved() const = 0;
  // exec replaced every mapping: sites Thread::rewrite_syscall_site saw
  // are gone.
  virtual void forget_syscall_sites() {}
  // Address of a vDSO image usable by the guest (0 if none is offered).
  virtual uint64_t vdso_base() const = 0;
  // Bytes of the FP state area in a signal frame (see Thread::save_fpstate):
  // the XSAVE size for the enabled features plus 4 (FP_XSTATE_MAGIC2).
  virtual uint64_t fpstate_size() const = 0;

  // A copy of the provider's host socket `host_fd` in this process, for
  // SocketIo; `via` is a stopped thread of this process. The copy keeps the
  // host socket open until reclaim_socket, which the provider calls (from
  // any thread, at any time) before it closes host_fd. Fork children do
  // not inherit copies. ENOSYS: not offered.
  virtual Result<int> lend_socket(Thread& via, int host_fd) {
    (void)via, (void)host_fd;
    return lx::err(ENOSYS);
  }
  virtual void reclaim_socket(int fd) { (void)fd; }

  // Tear the host side down now; threads' run() return Exited.
  virtual void kill() = 0;
  // What the process has used so far; ENOSYS if the host cannot tell.
  virtual Result<ProcessUsage> usage() { return lx::err(ENOSYS); }
};

// A program of the host itself, run outside the instance (interop: a guest
// exec of a host program). Everything is in host terms.
struct HostProgramSpec {
  std::string path;  // host path of the executable
  std::vector<std::string> argv, envp;
  std::string cwd = "/";  // host directory it starts in
  // Provider-side host fds that become its fds 0, 1, 2 (-1: /dev/null).
  // The caller keeps them; the program gets copies. No other fd is passed.
  int stdio[3] = {-1, -1, -1};
};

// A running (or ended, not yet reaped) host program. Destroying the handle
// kills (SIGKILL) a program that still runs and reaps it.
class HostProgram {
 public:
  virtual ~HostProgram() = default;
  // A host fd that polls readable once the program has ended.
  virtual int exit_fd() const = 0;
  // The host wait status once it has ended (reaped then), else nullopt.
  virtual std::optional<int> exit_status() = 0;
  // Sends a host signal (same numbers as the guest's on a Linux host).
  virtual void signal(int sig) = 0;
};

class Host {
 public:
  virtual ~Host() = default;
  virtual Result<std::unique_ptr<Process>> create_process() = 0;
  virtual std::string name() const = 0;
  // Host-wide figures the guest's /proc shows or derives from, as Linux
  // formats them: "cpuinfo", "meminfo", "stat", "uptime", "loadavg" (the
  // CPUs and memory guests really run on). ENOENT for other names, ENOSYS
  // when the host has no such text.
  virtual Result<std::string> system_info(const std::string& name) const {
    (void)name;
    return lx::err(ENOSYS);
  }
  // Starts a host program (ENOSYS where the host cannot run its own
  // programs; ENOENT/EACCES/ENOEXEC as execve(2) on the host reports them).
  virtual Result<std::unique_ptr<HostProgram>> spawn_host_program(const HostProgramSpec& spec) {
    (void)spec;
    return lx::err(ENOSYS);
  }
  // A new socket in the instance's network (AF_INET, AF_INET6 or
  // AF_NETLINK; type may carry SOCK_NONBLOCK / SOCK_CLOEXEC), as a
  // provider-side host fd the caller owns. Which network that is belongs to
  // the backend: the host's own (shared loopback, as WSL1) or one private
  // to the instance. Every later bind/connect/listen/accept on the fd acts
  // in that network. Errors as socket(2); ENOSYS where there is no network.
  virtual Result<int> open_socket(int domain, int type, int protocol) {
    (void)domain, (void)type, (void)protocol;
    return lx::err(ENOSYS);
  }
};

}  // namespace pico
