#include "kernel/tty/LineDiscipline.h"

#include <algorithm>
#include <cctype>

#include "kernel/signal/SigInfo.h"
#include "kernel/tty/Termios.h"

namespace lx::tty {

namespace {

bool is_cntrl(uint8_t c) { return c < 32 || c == 127; }
bool is_utf8_continuation(uint8_t c) { return (c & 0xc0) == 0x80; }
bool is_word(uint8_t c) { return std::isalnum(c) || c == '_'; }

}  // namespace

LineDiscipline::LineDiscipline() : termios_(default_termios()) {}

void LineDiscipline::set_termios(const abi::Termios& t) {
  const bool was_canon = lflag(kIcanon);
  termios_ = t;
  const bool canon = lflag(kIcanon);
  if (was_canon && !canon) {
    // Finished lines and the partial one become plain input (EOF marks vanish).
    for (const std::string& l : lines_) raw_ += l;
    raw_ += edit_;
    lines_.clear();
    edit_.clear();
  } else if (!was_canon && canon) {
    edit_ = raw_.substr(0, kInputMax - 1);
    raw_.clear();
  }
}

size_t LineDiscipline::committed() const {
  size_t n = raw_.size();
  for (const std::string& l : lines_) n += l.size();
  return n;
}

bool LineDiscipline::input_full() const {
  // Canonical: a full edit line drops characters instead of stalling the
  // writer (as n_tty does); only unread finished lines make it wait.
  return committed() >= kInputMax - 1;
}

size_t LineDiscipline::input_available() const {
  if (!lflag(kIcanon)) return raw_.size();
  size_t n = 0;
  for (const std::string& l : lines_) n += l.size();
  return n;
}

bool LineDiscipline::read_ready(size_t want) const {
  if (lflag(kIcanon)) return !lines_.empty();
  const size_t vmin = termios_.c_cc[kVmin];
  if (vmin == 0) return true;  // VMIN=0: a read returns at once, maybe with nothing
  return !raw_.empty() && raw_.size() >= std::min(vmin, std::max<size_t>(want, 1));
}

bool LineDiscipline::poll_readable() const {
  if (lflag(kIcanon)) return !lines_.empty();
  return raw_.size() >= std::max<size_t>(termios_.c_cc[kVmin], 1);
}

size_t LineDiscipline::read(std::span<uint8_t> buf) {
  if (!lflag(kIcanon)) {
    const size_t n = std::min(buf.size(), raw_.size());
    std::copy_n(raw_.begin(), n, buf.begin());
    raw_.erase(0, n);
    return n;
  }
  if (lines_.empty()) return 0;
  std::string& line = lines_.front();
  const size_t n = std::min(buf.size(), line.size());
  std::copy_n(line.begin(), n, buf.begin());
  line.erase(0, n);
  // An emptied line goes; an empty one from the start was an EOF mark and
  // is consumed by this zero-byte read.
  if (line.empty()) lines_.pop_front();
  return n;
}

size_t LineDiscipline::read_output(std::span<uint8_t> buf) {
  const size_t n = std::min(buf.size(), out_.size());
  std::copy_n(out_.begin(), n, buf.begin());
  out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(n));
  return n;
}

void LineDiscipline::flush_input() {
  lines_.clear();
  edit_.clear();
  raw_.clear();
  lnext_ = false;
}

size_t LineDiscipline::receive(std::span<const uint8_t> data, std::vector<int>& signals) {
  size_t n = 0;
  for (; n < data.size(); ++n) {
    if (input_full()) break;
    receive_char(data[n], signals);
  }
  return n;
}

void LineDiscipline::receive_char(uint8_t c, std::vector<int>& signals) {
  if (iflag(kIstrip)) c &= 0x7f;
  if (lnext_) {
    // The character after VLNEXT is taken literally.
    lnext_ = false;
  } else {
    if (c == '\r') {
      if (iflag(kIgncr)) return;
      if (iflag(kIcrnl)) c = '\n';
    } else if (c == '\n' && iflag(kInlcr)) {
      c = '\r';
    }
    if (lflag(kIsig)) {
      int sig = 0;
      if (is_cc(c, kVintr)) sig = kSigInt;
      else if (is_cc(c, kVquit)) sig = kSigQuit;
      else if (is_cc(c, kVsusp)) sig = kSigTstp;
      if (sig) {
        if (!lflag(kNoflsh)) {
          flush_input();
          flush_output();
        }
        if (lflag(kEcho)) echo(c);
        signals.push_back(sig);
        return;
      }
    }
    if (lflag(kIcanon)) {
      if (is_cc(c, kVerase) || is_cc(c, kVkill) || (lflag(kIexten) && is_cc(c, kVwerase))) {
        erase(c);
        return;
      }
      if (lflag(kIexten) && is_cc(c, kVlnext)) {
        lnext_ = true;
        if (lflag(kEcho) && lflag(kEchoctl)) echo_raw("^\b");
        return;
      }
      if (c == '\n') {
        if (lflag(kEcho) || lflag(kEchonl)) echo('\n');
        edit_ += '\n';
        commit();
        return;
      }
      if (is_cc(c, kVeof)) {
        commit();  // an empty line here is the end-of-file mark
        return;
      }
      if (is_cc(c, kVeol) || (lflag(kIexten) && is_cc(c, kVeol2))) {
        if (lflag(kEcho)) echo(c);
        edit_ += static_cast<char>(c);
        commit();
        return;
      }
    }
  }
  if (lflag(kIcanon)) {
    // A full line drops what does not fit (the newline still ends it).
    if (edit_.size() >= kInputMax - 1) return;
    if (lflag(kEcho)) echo(c);
    edit_ += static_cast<char>(c);
    return;
  }
  if (lflag(kEcho)) echo(c);
  raw_ += static_cast<char>(c);
}

void LineDiscipline::commit() {
  lines_.push_back(std::move(edit_));
  edit_.clear();
}

void LineDiscipline::erase(uint8_t c) {
  const bool kill = is_cc(c, kVkill);
  const bool werase = !kill && !is_cc(c, kVerase);
  if (edit_.empty()) return;
  if (kill && lflag(kEcho) && !(lflag(kEchok) && lflag(kEchoke) && lflag(kEchoe))) {
    edit_.clear();
    echo(c);
    if (lflag(kEchok)) echo('\n');
    return;
  }
  bool seen_word = false;
  while (!edit_.empty()) {
    // One character: a UTF-8 sequence counts as one under IUTF8.
    size_t len = 1;
    if (iflag(kIutf8)) {
      while (len < edit_.size() && is_utf8_continuation(static_cast<uint8_t>(edit_[edit_.size() - len]))) ++len;
    }
    const auto last = static_cast<uint8_t>(edit_[edit_.size() - len]);
    if (werase) {
      if (is_word(last)) seen_word = true;
      else if (seen_word) break;
    }
    edit_.resize(edit_.size() - len);
    if (lflag(kEcho)) {
      if (!kill && !werase && !lflag(kEchoe)) {
        echo(c);
      } else if (last != '\t') {  // a tab's width is not tracked: the cursor stays
        if (is_cntrl(last) && lflag(kEchoctl)) echo_raw("\b \b");
        if (!is_cntrl(last) || lflag(kEchoctl)) echo_raw("\b \b");
      }
    }
    if (!kill && !werase) break;
  }
}

void LineDiscipline::echo(uint8_t c) {
  if (lflag(kEchoctl) && is_cntrl(c) && c != '\t' && c != '\n') {
    if (out_.size() + 2 > 2 * kOutputMax) return;
    out_.push_back('^');
    out_.push_back(c ^ 0100);
    return;
  }
  output_char(c);
}

void LineDiscipline::echo_raw(const char* s) {
  for (; *s; ++s)
    if (out_.size() < 2 * kOutputMax) out_.push_back(static_cast<uint8_t>(*s));
}

void LineDiscipline::output_char(uint8_t c) {
  // Echo may go past kOutputMax (writers stop there), never unboundedly.
  if (out_.size() + 2 > 2 * kOutputMax) return;
  const uint32_t o = termios_.c_oflag;
  if (o & kOpost) {
    if (c == '\n' && (o & kOnlcr)) {
      out_.push_back('\r');
    } else if (c == '\r' && (o & kOcrnl)) {
      c = '\n';
    } else if (o & kOlcuc) {
      c = static_cast<uint8_t>(std::toupper(c));
    }
  }
  out_.push_back(c);
}

size_t LineDiscipline::write(std::span<const uint8_t> data) {
  size_t n = 0;
  for (; n < data.size() && !output_full(); ++n) output_char(data[n]);
  return n;
}

}  // namespace lx::tty
