#include "kernel/trace/Trace.h"

#include <fmt/format.h>
#include <seccomp.h>

#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace lx {

namespace {

constexpr size_t kMaxStr = 32;  // strace -s default

using Names = std::initializer_list<std::pair<uint64_t, const char*>>;

std::string hex(uint64_t v) { return v ? fmt::format("{:#x}", v) : "0"; }
std::string ptr(uint64_t v) { return v ? fmt::format("{:#x}", v) : "NULL"; }

// strace's string_quote(): C escapes, octal for the rest, three octal digits
// only when the next character is itself an octal digit.
std::string quote(const uint8_t* s, size_t n) {
  std::string out = "\"";
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = s[i];
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\v': out += "\\v"; continue;
      default: break;
    }
    if (c >= ' ' && c <= 0x7e) {
      out += static_cast<char>(c);
      continue;
    }
    out += '\\';
    const bool next_is_octal = i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7';
    if (next_is_octal || (c >> 6)) out += static_cast<char>('0' + (c >> 6));
    if (next_is_octal || (c >> 3)) out += static_cast<char>('0' + ((c >> 3) & 7));
    out += static_cast<char>('0' + (c & 7));
  }
  return out + "\"";
}

// strace forces hex for data that is random by nature (getrandom).
std::string quote_hex(const uint8_t* s, size_t n) {
  std::string out = "\"";
  for (size_t i = 0; i < n; ++i) out += fmt::format("\\x{:02x}", s[i]);
  return out + "\"";
}

// Up to n guest bytes; fewer if the range runs into unreadable memory.
std::vector<uint8_t> peek(const GuestMemory& mem, uint64_t addr, uint64_t n) {
  if (addr >= GuestMemory::kUserEnd) return {};
  n = std::min(n, GuestMemory::kUserEnd - addr);
  if (!mem.check_range(addr, n).ok()) return {};
  std::vector<uint8_t> buf(n);
  buf.resize(mem.process().read_memory_partial(addr, buf.data(), n));
  return buf;
}

// A buffer of `len` bytes, shown up to kMaxStr with strace's trailing "...".
std::string buffer(const GuestMemory& mem, uint64_t addr, uint64_t len, bool force_hex = false) {
  const uint64_t shown = std::min<uint64_t>(len, kMaxStr);
  std::vector<uint8_t> b = peek(mem, addr, shown);
  if (b.size() < shown) return ptr(addr);
  return (force_hex ? quote_hex(b.data(), b.size()) : quote(b.data(), b.size())) + (len > kMaxStr ? "..." : "");
}

// A NUL-terminated string, truncated like strace -s 32.
std::string c_string(const GuestMemory& mem, uint64_t addr) {
  std::vector<uint8_t> b = peek(mem, addr, kMaxStr + 1);
  const void* nul = std::memchr(b.data(), 0, b.size());
  if (nul) return quote(b.data(), static_cast<const uint8_t*>(nul) - b.data());
  if (b.size() <= kMaxStr) return ptr(addr);  // unterminated before unreadable memory
  return quote(b.data(), kMaxStr) + "...";
}

std::string path(const GuestMemory& mem, uint64_t addr) {
  Result<std::string> s = mem.read_string(addr);
  if (!s.ok()) return ptr(addr);
  const std::string& v = s.value();
  return quote(reinterpret_cast<const uint8_t*>(v.data()), v.size());
}

// Bit flags: known names joined by '|', then whatever is left in hex.
std::string flags(uint64_t v, Names names, const char* zero = "0") {
  std::string out;
  for (const auto& [bit, name] : names) {
    if (bit && (v & bit) == bit) {
      if (!out.empty()) out += '|';
      out += name;
      v &= ~bit;
    }
  }
  if (v) out += (out.empty() ? "" : "|") + hex(v);
  return out.empty() ? zero : out;
}

// One value out of a list, or its decimal form.
std::string enum_name(int64_t v, Names names) {
  for (const auto& [val, name] : names)
    if (static_cast<int64_t>(val) == v) return name;
  return fmt::format("{}", v);
}

constexpr uint64_t kOCreat = 0100, kOTmpfile = 020000000;

std::string open_flags(uint64_t v) {
  static const char* const kAccess[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
  std::string out = kAccess[v & 3];
  // O_SYNC and O_TMPFILE are multi-bit: list them before their parts.
  std::string rest = flags(v & ~3ull,
                           {{020200000, "O_TMPFILE"}, {04010000, "O_SYNC"}, {kOCreat, "O_CREAT"},
                            {0200, "O_EXCL"}, {0400, "O_NOCTTY"}, {01000, "O_TRUNC"}, {02000, "O_APPEND"},
                            {04000, "O_NONBLOCK"}, {010000, "O_DSYNC"}, {020000, "O_ASYNC"},
                            {040000, "O_DIRECT"}, {0100000, "O_LARGEFILE"}, {0200000, "O_DIRECTORY"},
                            {0400000, "O_NOFOLLOW"}, {01000000, "O_NOATIME"}, {02000000, "O_CLOEXEC"},
                            {010000000, "O_PATH"}},
                           "");
  return rest.empty() ? out : out + "|" + rest;
}

std::string mode(uint64_t v) {
  if (v == 0) return "000";
  std::string o = fmt::format("{:o}", v);
  return "0" + std::string(o.size() < 2 ? 2 - o.size() : 0, '0') + o;
}

std::string signal_name(int sig) {
  static const char* const kNames[] = {
      "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP", "SIGABRT", "SIGBUS",    "SIGFPE",
      "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",   "SIGPIPE", "SIGALRM", "SIGTERM",   "SIGSTKFLT",
      "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU", "SIGURG",    "SIGXCPU",
      "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",  "SIGIO",   "SIGPWR",  "SIGSYS"};
  if (sig >= 1 && sig <= 31) return kNames[sig - 1];
  if (sig == 32) return "SIGRTMIN";
  if (sig > 32 && sig <= 64) return fmt::format("SIGRT_{}", sig - 32);
  return fmt::format("{}", sig);
}

std::string at_flags(uint64_t v, std::string_view syscall) {
  // 0x200 is AT_REMOVEDIR for unlinkat but AT_EACCESS for faccessat2.
  const char* x200 = syscall == "faccessat2" ? "AT_EACCESS" : "AT_REMOVEDIR";
  return flags(v, {{0x100, "AT_SYMLINK_NOFOLLOW"}, {0x200, x200}, {0x400, "AT_SYMLINK_FOLLOW"},
                   {0x800, "AT_NO_AUTOMOUNT"}, {0x1000, "AT_EMPTY_PATH"}, {0x2000, "AT_STATX_FORCE_SYNC"},
                   {0x4000, "AT_STATX_DONT_SYNC"}, {0x8000, "AT_RECURSIVE"}});
}

std::string map_flags(uint64_t v) {
  static const char* const kType[] = {nullptr, "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"};
  const uint64_t type = v & 0xf;
  std::string out = type < 4 && kType[type] ? kType[type] : hex(type);
  if (type == 0) out.clear();
  std::string rest = flags(v & ~0xfull,
                           {{0x10, "MAP_FIXED"}, {0x20, "MAP_ANONYMOUS"}, {0x40, "MAP_32BIT"},
                            {0x100, "MAP_GROWSDOWN"}, {0x800, "MAP_DENYWRITE"}, {0x1000, "MAP_EXECUTABLE"},
                            {0x2000, "MAP_LOCKED"}, {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"},
                            {0x10000, "MAP_NONBLOCK"}, {0x20000, "MAP_STACK"}, {0x40000, "MAP_HUGETLB"},
                            {0x80000, "MAP_SYNC"}, {0x100000, "MAP_FIXED_NOREPLACE"},
                            {0x4000000, "MAP_UNINITIALIZED"}},
                           "");
  if (out.empty()) return rest.empty() ? "0" : rest;
  return rest.empty() ? out : out + "|" + rest;
}

struct Ctx {
  const SyscallEntry* e;
  const SyscallArgs& a;
  long result;
  const GuestMemory& mem;
};

std::string format_arg(const Ctx& c, size_t i) {
  const uint64_t v = c.a[i];
  const int iv = static_cast<int>(static_cast<uint32_t>(v));
  switch (c.e->args[i]) {
    case Arg::None: return {};
    case Arg::Int: case Arg::Fd: return fmt::format("{}", iv);
    case Arg::UInt: return fmt::format("{}", static_cast<uint32_t>(v));
    case Arg::Long: return fmt::format("{}", static_cast<int64_t>(v));
    case Arg::Size: return fmt::format("{}", v);
    case Arg::Hex: return hex(v);
    case Arg::Ptr: return ptr(v);
    case Arg::DirFd: return iv == -100 ? "AT_FDCWD" : fmt::format("{}", iv);
    case Arg::Path: return path(c.mem, v);
    case Arg::Str: return c_string(c.mem, v);
    case Arg::InBuf: return buffer(c.mem, v, i + 1 < c.a.size() ? c.a[i + 1] : 0);
    case Arg::OutBuf:
      if (c.result < 0) return ptr(v);
      return buffer(c.mem, v, static_cast<uint64_t>(c.result), std::string_view(c.e->name) == "getrandom");
    case Arg::OpenFlags: return open_flags(static_cast<uint32_t>(v));
    case Arg::Mode: return mode(static_cast<uint32_t>(v));
    case Arg::AtFlags: return at_flags(static_cast<uint32_t>(v), c.e->name);
    case Arg::Whence:
      return enum_name(iv, {{0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"}});
    case Arg::AccessMode:
      return flags(static_cast<uint32_t>(v), {{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}}, "F_OK");
    case Arg::Prot:
      return flags(static_cast<uint32_t>(v), {{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"},
                                             {8, "PROT_SEM"}, {0x01000000, "PROT_GROWSDOWN"},
                                             {0x02000000, "PROT_GROWSUP"}},
                   "PROT_NONE");
    case Arg::MapFlags: return map_flags(static_cast<uint32_t>(v));
    case Arg::Signal: return iv == 0 ? "0" : signal_name(iv);
    case Arg::SigHow: return enum_name(iv, {{0, "SIG_BLOCK"}, {1, "SIG_UNBLOCK"}, {2, "SIG_SETMASK"}});
    case Arg::ClockId:
      return enum_name(iv, {{0, "CLOCK_REALTIME"}, {1, "CLOCK_MONOTONIC"}, {2, "CLOCK_PROCESS_CPUTIME_ID"},
                            {3, "CLOCK_THREAD_CPUTIME_ID"}, {4, "CLOCK_MONOTONIC_RAW"},
                            {5, "CLOCK_REALTIME_COARSE"}, {6, "CLOCK_MONOTONIC_COARSE"}, {7, "CLOCK_BOOTTIME"},
                            {8, "CLOCK_REALTIME_ALARM"}, {9, "CLOCK_BOOTTIME_ALARM"}, {11, "CLOCK_TAI"}});
    case Arg::Resource:
      return enum_name(static_cast<uint32_t>(v),
                       {{0, "RLIMIT_CPU"}, {1, "RLIMIT_FSIZE"}, {2, "RLIMIT_DATA"}, {3, "RLIMIT_STACK"},
                        {4, "RLIMIT_CORE"}, {5, "RLIMIT_RSS"}, {6, "RLIMIT_NPROC"}, {7, "RLIMIT_NOFILE"},
                        {8, "RLIMIT_MEMLOCK"}, {9, "RLIMIT_AS"}, {10, "RLIMIT_LOCKS"},
                        {11, "RLIMIT_SIGPENDING"}, {12, "RLIMIT_MSGQUEUE"}, {13, "RLIMIT_NICE"},
                        {14, "RLIMIT_RTPRIO"}, {15, "RLIMIT_RTTIME"}});
    case Arg::ArchPrctlCode: {
      std::string s = enum_name(iv, {{0x1001, "ARCH_SET_GS"}, {0x1002, "ARCH_SET_FS"}, {0x1003, "ARCH_GET_FS"},
                                     {0x1004, "ARCH_GET_GS"}, {0x1011, "ARCH_GET_CPUID"},
                                     {0x1012, "ARCH_SET_CPUID"}, {0x1021, "ARCH_GET_XCOMP_SUPP"},
                                     {0x1022, "ARCH_GET_XCOMP_PERM"}, {0x1023, "ARCH_REQ_XCOMP_PERM"},
                                     {0x2001, "ARCH_MAP_VDSO_X32"}, {0x2002, "ARCH_MAP_VDSO_32"},
                                     {0x2003, "ARCH_MAP_VDSO_64"}, {0x3001, "ARCH_CET_STATUS"}});
      return s.starts_with("ARCH_") ? s : hex(static_cast<uint32_t>(v));
    }
    case Arg::RandomFlags:
      return flags(static_cast<uint32_t>(v), {{1, "GRND_NONBLOCK"}, {2, "GRND_RANDOM"}, {4, "GRND_INSECURE"}});
  }
  return hex(v);
}

// strace leaves out open's mode unless the flags can create a file.
bool omitted(const Ctx& c, size_t i) {
  return c.e->args[i] == Arg::Mode && i > 0 && c.e->args[i - 1] == Arg::OpenFlags &&
         !(c.a[i - 1] & (kOCreat | kOTmpfile));
}

std::string errno_text(int code) {
  const char* name = strerrorname_np(code);
  const char* desc = strerrordesc_np(code);
  if (!name) return fmt::format("-1 {} (Unknown error {})", code, code);
  return fmt::format("-1 {} ({})", name, desc ? desc : "?");
}

std::string unknown_name(uint64_t nr) {
  char* name = nr <= 0x7fffffff ? seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, static_cast<int>(nr))
                                : nullptr;
  std::string out = name ? name : fmt::format("syscall_{}", nr);
  std::free(name);
  return out;
}

}  // namespace

std::string format_syscall(const SyscallEntry* e, uint64_t nr, const SyscallArgs& a, long result,
                           const GuestMemory& mem) {
  std::string out;
  if (e && e->name) {
    out = e->name;
    out += '(';
    const Ctx c{e, a, result, mem};
    bool first = true;
    for (size_t i = 0; i < a.size() && e->args[i] != Arg::None; ++i) {
      if (omitted(c, i)) continue;
      if (!first) out += ", ";
      first = false;
      out += format_arg(c, i);
    }
  } else {
    out = unknown_name(nr) + "(";
    for (size_t i = 0; i < a.size(); ++i) out += (i ? ", " : "") + hex(a[i]);
  }
  out += ") = ";
  const std::string_view name = e && e->name ? e->name : "";
  if (name == "exit" || name == "exit_group") return out + "?";  // they do not return
  if (result < 0 && result >= -4095) return out + errno_text(static_cast<int>(-result));
  if (e && e->returns_ptr) return out + hex(static_cast<uint64_t>(result));
  if (name == "umask") return out + mode(static_cast<uint64_t>(result));
  return out + fmt::format("{}", result);
}

}  // namespace lx
