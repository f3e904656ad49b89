// Linux x86-64 values of the flag and command constants the file syscalls
// take from guests. Spelled out here (not taken from host headers) so the
// syscall layer means the guest's ABI whatever the host is.
#pragma once

#include <cstdint>

namespace lx::abi {

// open(2)
constexpr int kORdonly = 0;
constexpr int kOWronly = 01;
constexpr int kORdwr = 02;
constexpr int kOAccmode = 03;
constexpr int kOCreat = 0100;
constexpr int kOExcl = 0200;
constexpr int kONoctty = 0400;
constexpr int kOTrunc = 01000;
constexpr int kOAppend = 02000;
constexpr int kONonblock = 04000;
constexpr int kODsync = 010000;
constexpr int kOAsync = 020000;  // FASYNC
constexpr int kODirect = 040000;
constexpr int kOLargefile = 0100000;
constexpr int kODirectory = 0200000;
constexpr int kONofollow = 0400000;
constexpr int kONoatime = 01000000;
constexpr int kOCloexec = 02000000;
constexpr int kOSync = 04000000 | kODsync;
constexpr int kOPath = 010000000;
constexpr int kOTmpfileBit = 020000000;
constexpr int kOTmpfile = kOTmpfileBit | kODirectory;

// Flags F_GETFL reports: the open flags minus the open-time-only ones
// (O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC) and O_CLOEXEC, which lives in the fd.
constexpr int kStatusFlagsMask = kOAccmode | kOAppend | kONonblock | kOSync | kOAsync | kODirect | kOLargefile |
                                 kODirectory | kONofollow | kONoatime | kOPath | kOTmpfileBit;
// An O_PATH description keeps only these.
constexpr int kOPathFlagsMask = kOPath | kODirectory | kONofollow;
// F_SETFL may change only these (SETFL_MASK).
constexpr int kSetflMask = kOAppend | kONonblock | kOAsync | kODirect | kONoatime;

// fcntl(2)
constexpr int kFDupfd = 0;
constexpr int kFGetfd = 1;
constexpr int kFSetfd = 2;
constexpr int kFGetfl = 3;
constexpr int kFSetfl = 4;
constexpr int kFDupfdCloexec = 1030;
constexpr int kFdCloexec = 1;

// *at(2) flags
constexpr int kAtSymlinkNofollow = 0x100;
constexpr int kAtEaccess = 0x200;
constexpr int kAtSymlinkFollow = 0x400;
constexpr int kAtNoAutomount = 0x800;
constexpr int kAtEmptyPath = 0x1000;
constexpr int kAtStatxSyncType = 0x6000;

// access(2)
constexpr int kFOk = 0;
constexpr int kXOk = 1;
constexpr int kWOk = 2;
constexpr int kROk = 4;

// lseek(2)
constexpr int kSeekSet = 0;
constexpr int kSeekCur = 1;
constexpr int kSeekEnd = 2;
constexpr int kSeekData = 3;
constexpr int kSeekHole = 4;

// ioctl(2)
constexpr unsigned kTcgets = 0x5401;
constexpr unsigned kTcsets = 0x5402;
constexpr unsigned kTcsetsw = 0x5403;
constexpr unsigned kTcsetsf = 0x5404;
constexpr unsigned kTiocgwinsz = 0x5413;
constexpr unsigned kFionread = 0x541B;
constexpr unsigned kFionbio = 0x5421;
constexpr unsigned kFionclex = 0x5450;
constexpr unsigned kFioclex = 0x5451;

// struct termios as the kernel copies it (not glibc's larger one).
struct Termios {
  uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
  uint8_t c_line;
  uint8_t c_cc[19];
};
static_assert(sizeof(Termios) == 36);

struct Winsize {
  uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
static_assert(sizeof(Winsize) == 8);

// mode_t file type bits
constexpr uint32_t kSIfmt = 0170000;
constexpr uint32_t kSIfdir = 0040000;
constexpr uint32_t kSIfreg = 0100000;
constexpr uint32_t kSIflnk = 0120000;
constexpr uint32_t kSIfifo = 0010000;
constexpr uint32_t kSIfchr = 0020000;
constexpr uint32_t kSIfblk = 0060000;
constexpr uint32_t kSIfsock = 0140000;

}  // namespace lx::abi
