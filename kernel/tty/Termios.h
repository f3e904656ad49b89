// termios(3) bits and control-character slots as the x86-64 kernel defines
// them (include/uapi/asm-generic/termbits.h), and the ioctl numbers of
// tty_ioctl(4). The struct itself is abi::Termios (vfs/GuestFlags.h).
#pragma once

#include <cstdint>

#include "kernel/vfs/GuestFlags.h"

namespace lx::tty {

// c_iflag
constexpr uint32_t kIgnbrk = 01, kBrkint = 02, kIstrip = 040, kInlcr = 0100, kIgncr = 0200, kIcrnl = 0400,
                   kIxon = 02000, kImaxbel = 020000, kIutf8 = 040000;
// c_oflag
constexpr uint32_t kOpost = 01, kOlcuc = 02, kOnlcr = 04, kOcrnl = 010;
// c_cflag
constexpr uint32_t kB38400 = 017, kCs8 = 060, kCread = 0200, kHupcl = 02000;
// c_lflag
constexpr uint32_t kIsig = 01, kIcanon = 02, kEcho = 010, kEchoe = 020, kEchok = 040, kEchonl = 0100,
                   kNoflsh = 0200, kTostop = 0400, kEchoctl = 01000, kEchoprt = 02000, kEchoke = 04000,
                   kIexten = 0100000;
// c_cc slots
constexpr int kVintr = 0, kVquit = 1, kVerase = 2, kVkill = 3, kVeof = 4, kVtime = 5, kVmin = 6, kVstart = 8,
              kVstop = 9, kVsusp = 10, kVeol = 11, kVreprint = 12, kVwerase = 14, kVlnext = 15, kVeol2 = 16;
constexpr uint8_t kVdisable = 0;  // _POSIX_VDISABLE

// ioctl numbers
constexpr unsigned kTcgets = 0x5401, kTcsets = 0x5402, kTcsetsw = 0x5403, kTcsetsf = 0x5404, kTcsbrk = 0x5409,
                   kTcxonc = 0x540A, kTcflsh = 0x540B, kTiocsctty = 0x540E, kTiocgpgrp = 0x540F,
                   kTiocspgrp = 0x5410, kTiocoutq = 0x5411, kTiocgwinsz = 0x5413, kTiocswinsz = 0x5414,
                   kFionread = 0x541B, kTiocnotty = 0x5422, kTiocgsid = 0x5429, kTiocgptn = 0x80045430,
                   kTiocsptlck = 0x40045431, kTiocgptlck = 0x80045439, kTcsbrkp = 0x5425;
// TCFLSH / TCXONC arguments
constexpr int kTciflush = 0, kTcoflush = 1, kTcioflush = 2;
constexpr int kTcooff = 0, kTcoon = 1, kTcioff = 2, kTcion = 3;

// tty_std_termios with the pty slave's c_cflag (drivers/tty/pty.c).
inline abi::Termios default_termios() {
  abi::Termios t{};
  t.c_iflag = kIcrnl | kIxon;
  t.c_oflag = kOpost | kOnlcr;
  t.c_cflag = kB38400 | kCs8 | kCread;
  t.c_lflag = kIsig | kIcanon | kEcho | kEchoe | kEchok | kEchoctl | kEchoke | kIexten;
  const uint8_t cc[17] = {3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0};
  for (int i = 0; i < 17; ++i) t.c_cc[i] = cc[i];
  return t;
}

}  // namespace lx::tty
