// Typed access to guest memory. Every guest pointer the kernel touches goes
// through GuestMemory: addresses are range-checked (overflow, reserved host
// ranges) and copies that fault become EFAULT, never a provider crash.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "kernel/base/Result.h"
#include "pico/Host.h"

namespace lx {

class MemoryMap;

template <typename T>
struct UserPtr {
  uint64_t addr = 0;
  bool is_null() const { return addr == 0; }
  UserPtr<T> offset(uint64_t n) const { return UserPtr<T>{addr + n * sizeof(T)}; }
};

class GuestMemory {
 public:
  explicit GuestMemory(pico::Process& proc, const MemoryMap* map = nullptr) : proc_(proc), map_(map) {}

  // Highest user address + 1 on x86-64 (47-bit user half).
  static constexpr uint64_t kUserEnd = 0x0000800000000000ull - 0x1000;

  Result<void> check_range(uint64_t addr, uint64_t len) const;
  Result<void> copy_in(uint64_t addr, void* dst, uint64_t len) const;
  Result<void> copy_out(uint64_t addr, const void* src, uint64_t len) const;

  template <typename T>
  Result<T> read(UserPtr<T> p) const {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    TRY(copy_in(p.addr, &v, sizeof(T)));
    return v;
  }
  template <typename T>
  Result<void> write(UserPtr<T> p, const T& v) const {
    static_assert(std::is_trivially_copyable_v<T>);
    return copy_out(p.addr, &v, sizeof(T));
  }

  // A NUL-terminated guest string of at most max_len bytes (excluding NUL).
  // ENAMETOOLONG if longer (the errno Linux uses for paths), EFAULT if unreadable.
  Result<std::string> read_string(uint64_t addr, uint64_t max_len = 4095) const;

  // Makes every copy_out so far visible to other threads and processes
  // (see pico::Process::flush_writes): call before waking a waiter that may
  // read what this syscall wrote.
  Result<void> commit() const { return proc_.flush_writes(); }
  pico::Process& process() const { return proc_; }

 private:
  // Whether a copy_out may be deferred: all of it in one writable private
  // mapping, so it cannot fault later unless the guest unmaps it meanwhile.
  bool deferrable(uint64_t addr, uint64_t len) const;

  pico::Process& proc_;
  const MemoryMap* map_;  // the kernel's map of proc_; null: never defer
};

}  // namespace lx
