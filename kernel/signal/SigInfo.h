// siginfo_t as the x86-64 kernel lays it out (128 bytes), and the signal
// numbers and codes the kernel itself generates.
#pragma once

#include <cstdint>
#include <cstring>

namespace lx {

constexpr int kNsig = 64;
constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigIll = 4, kSigTrap = 5, kSigAbrt = 6, kSigBus = 7,
              kSigFpe = 8, kSigKill = 9, kSigUsr1 = 10, kSigSegv = 11, kSigUsr2 = 12, kSigPipe = 13,
              kSigAlrm = 14, kSigTerm = 15, kSigStkflt = 16, kSigChld = 17, kSigCont = 18, kSigStop = 19,
              kSigTstp = 20, kSigTtin = 21, kSigTtou = 22, kSigUrg = 23, kSigXcpu = 24, kSigXfsz = 25,
              kSigVtalrm = 26, kSigProf = 27, kSigWinch = 28, kSigIo = 29, kSigPwr = 30, kSigSys = 31,
              kSigRtmin = 32;

constexpr uint64_t sigbit(int sig) { return 1ull << (sig - 1); }
constexpr uint64_t kUnblockable = sigbit(kSigKill) | sigbit(kSigStop);

// si_code values.
constexpr int kSiUser = 0, kSiKernel = 0x80, kSiQueue = -1, kSiTimer = -2, kSiTkill = -6;
constexpr int kCldExited = 1, kCldKilled = 2, kCldDumped = 3, kCldTrapped = 4, kCldStopped = 5,
              kCldContinued = 6;

struct SigInfo {
  int32_t signo = 0;
  int32_t errno_ = 0;
  int32_t code = 0;
  int32_t pad0 = 0;
  uint8_t fields[112] = {};  // the union; accessors below name the parts we use

  // kill/tkill/sigqueue/SIGCHLD: sender pid and uid at offsets 16 and 20.
  void set_pid_uid(int32_t pid, uint32_t uid) {
    std::memcpy(fields, &pid, 4);
    std::memcpy(fields + 4, &uid, 4);
  }
  int32_t pid() const { int32_t v; std::memcpy(&v, fields, 4); return v; }
  // SIGCHLD: si_status at 24, si_utime/si_stime at 32/40.
  void set_status(int32_t status) { std::memcpy(fields + 8, &status, 4); }
  int32_t status() const { int32_t v; std::memcpy(&v, fields + 8, 4); return v; }
  // sigqueue/timers: si_value at 24 (pid/uid or timerid/overrun before it).
  void set_value(uint64_t v) { std::memcpy(fields + 8, &v, 8); }
  // Timers: si_tid (timer id) at 16, si_overrun at 20.
  void set_timer(int32_t id, int32_t overrun) {
    std::memcpy(fields, &id, 4);
    std::memcpy(fields + 4, &overrun, 4);
  }
  // Faults: si_addr at 16.
  void set_addr(uint64_t a) { std::memcpy(fields, &a, 8); }
  uint64_t addr() const { uint64_t v; std::memcpy(&v, fields, 8); return v; }
};
static_assert(sizeof(SigInfo) == 128);

inline SigInfo make_siginfo(int sig, int code) {
  SigInfo i;
  i.signo = sig;
  i.code = code;
  return i;
}

}  // namespace lx
