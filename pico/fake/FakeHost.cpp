#include "pico/fake/FakeHost.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pico::fake {

namespace {
constexpr uint64_t kAddressSpaceEnd = 0x800000000000ull;
uint64_t page_of(uint64_t a) { return a & ~(kFakePage - 1); }
}  // namespace

// ---- FakeMemory --------------------------------------------------------------

Result<uint64_t> FakeMemory::check(uint64_t addr, uint64_t len) {
  uint64_t end = 0;
  if (len == 0 || (addr % kFakePage) || (len % kFakePage) || __builtin_add_overflow(addr, len, &end) ||
      end > kAddressSpaceEnd)
    return lx::err(EINVAL);
  return end;
}

void FakeMemory::split(uint64_t addr) {
  auto it = regions_.upper_bound(addr);
  if (it == regions_.begin()) return;
  --it;
  if (it->first == addr || it->second.end <= addr) return;
  Region upper = it->second;
  it->second.end = addr;
  regions_.emplace(addr, upper);
}

void FakeMemory::drop_pages(uint64_t start, uint64_t end) {
  pages_.erase(pages_.lower_bound(start), pages_.lower_bound(end));
}

Result<void> FakeMemory::map(uint64_t addr, uint64_t len, int prot) {
  uint64_t end = TRY(check(addr, len));
  TRY(unmap(addr, len));
  regions_.emplace(addr, Region{end, prot});
  return {};
}

Result<void> FakeMemory::unmap(uint64_t addr, uint64_t len) {
  uint64_t end = TRY(check(addr, len));
  split(addr);
  split(end);
  regions_.erase(regions_.lower_bound(addr), regions_.lower_bound(end));
  drop_pages(addr, end);
  return {};
}

Result<void> FakeMemory::protect(uint64_t addr, uint64_t len, int prot) {
  uint64_t end = TRY(check(addr, len));
  for (uint64_t a = addr; a < end;) {
    auto it = regions_.upper_bound(a);
    if (it == regions_.begin()) return lx::err(ENOMEM);
    --it;
    if (it->second.end <= a) return lx::err(ENOMEM);
    a = it->second.end;
  }
  split(addr);
  split(end);
  for (auto it = regions_.lower_bound(addr); it != regions_.end() && it->first < end; ++it) it->second.prot = prot;
  return {};
}

int FakeMemory::prot_at(uint64_t addr) const {
  auto it = regions_.upper_bound(addr);
  if (it == regions_.begin()) return -1;
  --it;
  return it->second.end > addr ? it->second.prot : -1;
}

const FakeMemory::Page* FakeMemory::page(uint64_t page_addr) const {
  auto it = pages_.find(page_addr);
  return it == pages_.end() ? nullptr : it->second.get();
}

FakeMemory::Page& FakeMemory::page_for_write(uint64_t page_addr) {
  auto& p = pages_[page_addr];
  if (!p) p = std::make_unique<Page>(Page{});
  return *p;
}

size_t FakeMemory::read(uint64_t addr, void* dst, size_t len) const {
  auto* out = static_cast<uint8_t*>(dst);
  size_t done = 0;
  while (done < len) {
    uint64_t a = addr + done;
    if (a < addr || a >= kAddressSpaceEnd) break;
    int prot = prot_at(a);
    if (prot < 0 || !(prot & (kProtRead | kProtWrite))) break;
    uint64_t in_page = a - page_of(a);
    size_t n = std::min<size_t>(len - done, kFakePage - in_page);
    const Page* p = page(page_of(a));
    if (p)
      std::memcpy(out + done, p->data() + in_page, n);
    else
      std::memset(out + done, 0, n);
    done += n;
  }
  return done;
}

size_t FakeMemory::write(uint64_t addr, const void* src, size_t len) {
  const auto* in = static_cast<const uint8_t*>(src);
  size_t done = 0;
  while (done < len) {
    uint64_t a = addr + done;
    if (a < addr || a >= kAddressSpaceEnd) break;
    int prot = prot_at(a);
    if (prot < 0 || !(prot & kProtWrite)) break;
    uint64_t in_page = a - page_of(a);
    size_t n = std::min<size_t>(len - done, kFakePage - in_page);
    std::memcpy(page_for_write(page_of(a)).data() + in_page, in + done, n);
    done += n;
  }
  return done;
}

void FakeMemory::poke(uint64_t addr, const void* src, size_t len) {
  const auto* in = static_cast<const uint8_t*>(src);
  for (size_t done = 0; done < len;) {
    uint64_t a = addr + done;
    uint64_t in_page = a - page_of(a);
    size_t n = std::min<size_t>(len - done, kFakePage - in_page);
    std::memcpy(page_for_write(page_of(a)).data() + in_page, in + done, n);
    done += n;
  }
}

std::vector<uint8_t> FakeMemory::peek(uint64_t addr, size_t len) const {
  std::vector<uint8_t> out(len, 0);
  for (size_t done = 0; done < len;) {
    uint64_t a = addr + done;
    uint64_t in_page = a - page_of(a);
    size_t n = std::min<size_t>(len - done, kFakePage - in_page);
    if (const Page* p = page(page_of(a))) std::memcpy(out.data() + done, p->data() + in_page, n);
    done += n;
  }
  return out;
}

uint64_t FakeMemory::peek_u64(uint64_t addr) const {
  uint64_t v = 0;
  auto bytes = peek(addr, sizeof v);
  std::memcpy(&v, bytes.data(), sizeof v);
  return v;
}

std::string FakeMemory::peek_string(uint64_t addr, size_t max) const {
  std::string s;
  for (size_t i = 0; i < max; ++i) {
    char c = static_cast<char>(peek(addr + i, 1)[0]);
    if (c == 0) break;
    s += c;
  }
  return s;
}

FakeMemory FakeMemory::clone() const {
  FakeMemory m;
  m.regions_ = regions_;
  for (const auto& [addr, page] : pages_) m.pages_.emplace(addr, std::make_unique<Page>(*page));
  return m;
}

// ---- FakeThread --------------------------------------------------------------

Event FakeThread::run() {
  if (last_was_syscall_) results_.push_back(regs_.rax);
  last_was_syscall_ = false;
  if (exited_) return Event{.kind = EventKind::Exited};
  if (interrupted_.exchange(false)) return Event{.kind = EventKind::Interrupt};
  if (proc_.killed() || script_.empty()) return Event{.kind = EventKind::Exited};
  Step step = std::move(script_.front());
  script_.pop_front();
  if (step.event.kind == EventKind::Syscall) {
    uint64_t* slots[] = {&regs_.rdi, &regs_.rsi, &regs_.rdx, &regs_.r10, &regs_.r8, &regs_.r9};
    for (size_t i = 0; i < 6; ++i) *slots[i] = i < step.args.size() ? step.args[i] : 0;
    regs_.rax = step.event.syscall_nr;
    last_was_syscall_ = true;
  }
  return step.event;
}

void FakeThread::push_syscall(uint64_t nr, std::initializer_list<uint64_t> args) {
  script_.push_back(Step{Event{.kind = EventKind::Syscall, .syscall_nr = nr}, std::vector<uint64_t>(args)});
}

void FakeThread::push_fault(int signo, int si_code, uint64_t addr) {
  script_.push_back(Step{Event{.kind = EventKind::Fault, .signo = signo, .si_code = si_code, .fault_addr = addr}, {}});
}

void FakeThread::push_exit(int wait_status) {
  script_.push_back(Step{Event{.kind = EventKind::Exited, .wait_status = wait_status}, {}});
}

Result<void> FakeThread::map_anonymous(uint64_t addr, uint64_t len, int prot) {
  ++map_calls;
  if (int e = std::exchange(fail_next_map, 0)) return lx::err(e);
  if (proc_.touches_reserved(addr, len)) return lx::err(EPERM);
  return proc_.memory().map(addr, len, prot);
}

Result<void> FakeThread::map_file(uint64_t addr, uint64_t len, int prot, bool shared, int host_fd,
                                  uint64_t offset) {
  ++map_calls;
  if (int e = std::exchange(fail_next_map, 0)) return lx::err(e);
  if (proc_.touches_reserved(addr, len)) return lx::err(EPERM);
  // mmap(2)'s access checks against the descriptor's mode.
  int fl = fcntl(host_fd, F_GETFL);
  if (fl < 0) return lx::err(EBADF);
  if ((fl & O_ACCMODE) == O_WRONLY || (fl & O_PATH)) return lx::err(EACCES);
  if (shared && (prot & kProtWrite) && (fl & O_ACCMODE) != O_RDWR) return lx::err(EACCES);
  if (offset > static_cast<uint64_t>(INT64_MAX)) return lx::err(EOVERFLOW);
  TRY(proc_.memory().map(addr, len, prot));
  std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(len, 1 << 20)));
  for (uint64_t done = 0; done < len;) {
    ssize_t n = pread(host_fd, buf.data(), static_cast<size_t>(std::min<uint64_t>(len - done, buf.size())),
                      static_cast<off_t>(offset + done));
    if (n < 0) return lx::err(errno);
    if (n == 0) break;
    proc_.memory().poke(addr + done, buf.data(), static_cast<size_t>(n));
    done += static_cast<uint64_t>(n);
  }
  file_maps.push_back(FileMap{addr, len, prot, shared, offset});
  return {};
}

Result<void> FakeThread::unmap(uint64_t addr, uint64_t len) {
  ++unmap_calls;
  if (int e = std::exchange(fail_next_unmap, 0)) return lx::err(e);
  if (proc_.touches_reserved(addr, len)) return lx::err(EPERM);
  return proc_.memory().unmap(addr, len);
}

Result<void> FakeThread::protect(uint64_t addr, uint64_t len, int prot) {
  ++protect_calls;
  if (int e = std::exchange(fail_next_protect, 0)) return lx::err(e);
  if (proc_.touches_reserved(addr, len)) return lx::err(EPERM);
  return proc_.memory().protect(addr, len, prot);
}

// ---- FakeProcess / FakeHost ----------------------------------------------------

FakeProcess::FakeProcess(std::vector<Range> reserved, uint64_t vdso) : reserved_(std::move(reserved)), vdso_(vdso) {
  add_thread();
}

bool FakeProcess::touches_reserved(uint64_t addr, uint64_t len) {
  uint64_t end = addr + len;
  if (end < addr) end = ~0ull;
  for (const auto& r : reserved_)
    if (r.overlaps(addr, end)) {
      reserved_violations++;
      return true;
    }
  return false;
}

Result<void> FakeProcess::read_memory(uint64_t addr, void* dst, size_t len) {
  if (memory_.read(addr, dst, len) != len) return lx::err(EFAULT);
  return {};
}

Result<void> FakeProcess::write_memory(uint64_t addr, const void* src, size_t len) {
  if (memory_.write(addr, src, len) != len) return lx::err(EFAULT);
  return {};
}

Result<void> FakeProcess::residency(uint64_t addr, uint64_t pages, uint8_t* out) {
  for (uint64_t i = 0; i < pages; ++i) out[i] = memory_.has_page(page_of(addr) + i * kFakePage) ? 1 : 0;
  return {};
}

size_t FakeProcess::read_memory_partial(uint64_t addr, void* dst, size_t len) { return memory_.read(addr, dst, len); }

Result<std::unique_ptr<Process>> FakeHost::create_process() {
  auto p = std::make_unique<FakeProcess>();
  last_ = p.get();
  return std::unique_ptr<Process>(std::move(p));
}

Result<Thread*> FakeThread::create_thread() {
  if (exited_) return lx::err(ESRCH);
  if (int e = std::exchange(fail_next_create_thread, 0)) return lx::err(e);
  FakeThread& t = proc_.add_thread();
  t.regs_.fs_base = regs_.fs_base;
  t.regs_.gs_base = regs_.gs_base;
  return &t;
}

FakeThread& FakeProcess::add_thread() {
  threads_.push_back(std::make_unique<FakeThread>(*this));
  threads_.back()->fp_state().assign(fpstate_size_, 0);
  return *threads_.back();
}

Result<std::unique_ptr<Process>> FakeThread::fork_process() {
  ++fork_calls;
  if (exited_) return lx::err(ESRCH);
  if (int e = std::exchange(fail_next_fork, 0)) return lx::err(e);
  auto child = std::make_unique<FakeProcess>(proc_.reserved(), proc_.vdso_base());
  child->set_fpstate_size(proc_.fpstate_size());
  child->memory() = proc_.memory().clone();
  FakeThread& t = child->fake_main_thread();
  t.regs_ = regs_;
  t.fp_ = fp_;
  return std::unique_ptr<Process>(std::move(child));
}

Result<void> FakeThread::exit_thread() {
  if (exited_) return lx::err(ESRCH);
  exited_ = true;
  return {};
}

Result<void> FakeThread::save_fpstate(uint64_t guest_addr) {
  ++fpstate_calls;
  if (exited_) return lx::err(ESRCH);
  if (guest_addr % 64) return lx::err(EINVAL);
  if (int e = std::exchange(fail_next_fpstate, 0)) return lx::err(e);
  fp_.resize(proc_.fpstate_size());
  return proc_.write_memory(guest_addr, fp_.data(), fp_.size());
}

Result<void> FakeThread::restore_fpstate(uint64_t guest_addr) {
  ++fpstate_calls;
  if (exited_) return lx::err(ESRCH);
  if (guest_addr % 64) return lx::err(EINVAL);
  if (int e = std::exchange(fail_next_fpstate, 0)) return lx::err(e);
  std::vector<uint8_t> buf(proc_.fpstate_size());
  TRY(proc_.read_memory(guest_addr, buf.data(), buf.size()));
  fp_ = std::move(buf);
  return {};
}

Result<void> FakeThread::reset_fpstate() {
  ++fpstate_calls;
  if (exited_) return lx::err(ESRCH);
  if (int e = std::exchange(fail_next_fpstate, 0)) return lx::err(e);
  fp_.assign(proc_.fpstate_size(), 0);
  return {};
}

}  // namespace pico::fake
