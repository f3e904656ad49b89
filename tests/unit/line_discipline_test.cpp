// The N_TTY line discipline on its own: input editing, echo, signals,
// output processing and buffer limits (the pty conformance test covers the
// same through real file descriptors, natively and under lx).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel/signal/SigInfo.h"
#include "kernel/tty/LineDiscipline.h"

namespace lx::tty {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string take_output(LineDiscipline& ld) {
  std::string out(ld.output_pending(), '\0');
  ld.read_output({reinterpret_cast<uint8_t*>(out.data()), out.size()});
  return out;
}

std::string read_input(LineDiscipline& ld, size_t max = 256) {
  std::string out(max, '\0');
  out.resize(ld.read({reinterpret_cast<uint8_t*>(out.data()), out.size()}));
  return out;
}

TEST(LineDiscipline, CanonicalLineWithEcho) {
  LineDiscipline ld;
  std::vector<int> sigs;
  EXPECT_EQ(3u, ld.receive(bytes("ab\r"), sigs));
  EXPECT_TRUE(ld.read_ready(10));
  EXPECT_EQ("ab\n", read_input(ld));
  EXPECT_EQ("ab\r\n", take_output(ld));
  EXPECT_FALSE(ld.read_ready(10));
}

TEST(LineDiscipline, PartialReadKeepsRestOfLine) {
  LineDiscipline ld;
  std::vector<int> sigs;
  ld.receive(bytes("hello\n"), sigs);
  EXPECT_EQ("he", read_input(ld, 2));
  EXPECT_EQ("llo\n", read_input(ld));
}

TEST(LineDiscipline, ControlCharactersEchoAsCaret) {
  LineDiscipline ld;
  std::vector<int> sigs;
  ld.receive(bytes("\x01x\x7f\x7f\n"), sigs);
  // ^A takes two columns, so its erase backs up twice.
  EXPECT_EQ("^Ax\b \b\b \b\b \b\r\n", take_output(ld));
  EXPECT_EQ("\n", read_input(ld));
}

TEST(LineDiscipline, SignalCharactersFlushAndReport) {
  LineDiscipline ld;
  std::vector<int> sigs;
  ld.receive(bytes("abc\x03"), sigs);
  ASSERT_EQ(1u, sigs.size());
  EXPECT_EQ(kSigInt, sigs[0]);
  EXPECT_EQ("^C", take_output(ld));  // the echo of "abc" went with the flush
  ld.receive(bytes("\x1c\x1a"), sigs);
  EXPECT_EQ((std::vector<int>{kSigInt, kSigQuit, kSigTstp}), sigs);
}

TEST(LineDiscipline, EofMarksAndUtf8Erase) {
  LineDiscipline ld;
  abi::Termios t = ld.termios();
  t.c_iflag |= kIutf8;
  ld.set_termios(t);
  std::vector<int> sigs;
  ld.receive(bytes("x\xc3\xa9\x7f\x04\x04"), sigs);
  EXPECT_EQ("x", read_input(ld));
  EXPECT_TRUE(ld.read_ready(1));
  EXPECT_EQ("", read_input(ld));  // the empty line: end of file
  EXPECT_FALSE(ld.read_ready(1));
}

TEST(LineDiscipline, RawModeHonoursVmin) {
  LineDiscipline ld;
  abi::Termios t = ld.termios();
  t.c_lflag &= ~(kIcanon | kEcho);
  t.c_cc[kVmin] = 3;
  ld.set_termios(t);
  std::vector<int> sigs;
  ld.receive(bytes("ab"), sigs);
  EXPECT_FALSE(ld.read_ready(10));
  EXPECT_FALSE(ld.poll_readable());
  EXPECT_TRUE(ld.read_ready(2));  // a read asking for less than VMIN returns with that
  ld.receive(bytes("c"), sigs);
  EXPECT_TRUE(ld.poll_readable());
  EXPECT_EQ("abc", read_input(ld));
}

TEST(LineDiscipline, SwitchingToRawKeepsPendingInput) {
  LineDiscipline ld;
  std::vector<int> sigs;
  ld.receive(bytes("one\ntw"), sigs);
  abi::Termios t = ld.termios();
  t.c_lflag &= ~kIcanon;
  ld.set_termios(t);
  EXPECT_EQ(6u, ld.input_available());
  EXPECT_EQ("one\ntw", read_input(ld));
}

TEST(LineDiscipline, InputStopsWhenFull) {
  LineDiscipline ld;
  abi::Termios t = ld.termios();
  t.c_lflag &= ~(kIcanon | kEcho);
  ld.set_termios(t);
  std::vector<int> sigs;
  const std::string big(10000, 'z');
  const size_t took = ld.receive(bytes(big), sigs);
  EXPECT_LT(took, big.size());
  EXPECT_TRUE(ld.input_full());
  EXPECT_EQ(took, ld.input_available());
}

TEST(LineDiscipline, CanonicalOverlongLineDropsExcess) {
  LineDiscipline ld;
  abi::Termios t = ld.termios();
  t.c_lflag &= ~kEcho;
  ld.set_termios(t);
  std::vector<int> sigs;
  const std::string big(5000, 'y');
  EXPECT_EQ(big.size(), ld.receive(bytes(big + "\n"), sigs) - 1);
  EXPECT_EQ(LineDiscipline::kInputMax, read_input(ld, 8192).size());
}

TEST(LineDiscipline, OutputProcessing) {
  LineDiscipline ld;
  EXPECT_EQ(3u, ld.write(bytes("a\nb")));
  EXPECT_EQ("a\r\nb", take_output(ld));
  abi::Termios t = ld.termios();
  t.c_oflag &= ~kOpost;
  ld.set_termios(t);
  ld.write(bytes("a\n"));
  EXPECT_EQ("a\n", take_output(ld));
}

}  // namespace
}  // namespace lx::tty
