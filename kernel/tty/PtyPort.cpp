#include "kernel/tty/PtyPort.h"

#include <mutex>
#include <string>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/signal/Signal.h"
#include "kernel/tty/JobControl.h"

namespace lx {

Result<std::unique_ptr<PtyPort>> PtyPort::open(Kernel& kernel, const abi::Winsize& size) {
  std::lock_guard lock(kernel.big_lock());
  Vfs& vfs = kernel.vfs();
  OpenFileRef master = TRY(vfs.open("/", "/dev/ptmx", abi::kORdwr | abi::kONoctty, 0));
  PtyRef pty = pty_ref(*master);
  if (!pty) return err(ENXIO);  // /dev/ptmx is not the kernel's multiplexer
  pty->locked = false;
  pty->winsize = size;
  OpenFileRef slave =
      TRY(vfs.open("/", "/dev/pts/" + std::to_string(pty->index()), abi::kORdwr | abi::kONoctty, 0));
  return std::unique_ptr<PtyPort>(new PtyPort(kernel, std::move(master), std::move(slave), std::move(pty)));
}

PtyPort::PtyPort(Kernel& kernel, OpenFileRef master, OpenFileRef slave, PtyRef pty)
    : kernel_(kernel), master_(std::move(master)), slave_(std::move(slave)), pty_(std::move(pty)) {
  hook(pty_->queue);
}

PtyPort::~PtyPort() {
  std::lock_guard lock(kernel_.big_lock());
  unhook();
  slave_.reset();
  master_.reset();  // the last master close hangs the terminal up
  pty_.reset();
}

void PtyPort::release_slave() {
  std::lock_guard lock(kernel_.big_lock());
  slave_.reset();
}

void PtyPort::on_change(std::function<void()> changed) {
  std::lock_guard lock(kernel_.big_lock());
  changed_ = std::move(changed);
}

bool PtyPort::woken() {
  if (changed_) changed_();
  return false;
}

size_t PtyPort::input(std::span<const uint8_t> bytes) {
  std::lock_guard lock(kernel_.big_lock());
  if (bytes.empty()) return 0;
  // The master's write, with the port's kernel for the ISIG signals (no
  // guest task is the caller here).
  std::vector<int> signals;
  const size_t n = pty_->ld.receive(bytes, signals);
  if (n > 0 || !signals.empty()) pty_->queue.wake_all();
  for (int sig : signals) signal_pgrp(kernel_, pty_->pgrp, sig);
  return n;
}

Result<size_t> PtyPort::output(std::span<uint8_t> buf) {
  std::lock_guard lock(kernel_.big_lock());
  Result<uint64_t> n = master_->read(buf);
  if (!n.ok()) return n.error() == EAGAIN ? Result<size_t>(0) : Result<size_t>(err(n.error()));
  return static_cast<size_t>(n.value());
}

void PtyPort::resize(const abi::Winsize& size) {
  std::lock_guard lock(kernel_.big_lock());
  Pty& p = *pty_;
  const bool changed = size.ws_row != p.winsize.ws_row || size.ws_col != p.winsize.ws_col ||
                       size.ws_xpixel != p.winsize.ws_xpixel || size.ws_ypixel != p.winsize.ws_ypixel;
  p.winsize = size;
  if (changed) signal_pgrp(kernel_, p.pgrp, kSigWinch);
}

}  // namespace lx
