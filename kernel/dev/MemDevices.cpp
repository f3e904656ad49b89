#include "kernel/dev/MemDevices.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>

#include "kernel/dev/DeviceFile.h"
#include "kernel/dev/DeviceId.h"
#include "kernel/dev/DeviceRegistry.h"

namespace lx {

namespace {

enum class Mem { Null, Zero, Full, Random };

class MemFile final : public DeviceFile {
 public:
  MemFile(InodeRef node, Mem kind) : DeviceFile(std::move(node)), kind_(kind) {}

  Result<uint64_t> read(std::span<uint8_t> buf) override { return fill(buf); }
  Result<uint64_t> pread(std::span<uint8_t> buf, int64_t off) override {
    (void)off;
    return fill(buf);
  }
  Result<uint64_t> write(std::span<const uint8_t> buf) override {
    if (kind_ == Mem::Full) return err(ENOSPC);
    return buf.size();
  }
  Result<uint64_t> pwrite(std::span<const uint8_t> buf, int64_t off) override {
    (void)off;
    return write(buf);
  }
  // null/zero/full report position 0 for any seek; random's noop_llseek
  // reports the (never moving) position, also 0.
  Result<int64_t> seek(int64_t off, int whence) override {
    (void)off;
    (void)whence;
    return 0;
  }
  // random/urandom read what they are given (entropy), so only the others
  // may skip the guest buffer.
  bool discards_writes() const override { return kind_ == Mem::Null || kind_ == Mem::Zero; }
  bool positional() const override { return true; }
  bool maps_as_anonymous() const override { return kind_ == Mem::Zero; }

 private:
  Result<uint64_t> fill(std::span<uint8_t> buf) {
    switch (kind_) {
      case Mem::Null: return 0;
      case Mem::Zero:
      case Mem::Full: std::fill(buf.begin(), buf.end(), 0); return buf.size();
      case Mem::Random: {
        size_t got = 0;
        while (got < buf.size()) {
          const ssize_t r = ::getrandom(buf.data() + got, buf.size() - got, 0);
          if (r < 0) {
            if (errno == EINTR) continue;
            if (got > 0) break;
            return err(errno);
          }
          got += static_cast<size_t>(r);
        }
        return got;
      }
    }
    return 0;
  }

  Mem kind_;
};

}  // namespace

void register_mem_devices(DeviceRegistry& reg) {
  auto add = [&](uint32_t minor, Mem kind) {
    reg.add(kMemMajor, minor, 1, [kind](uint32_t, const InodeRef& node, int) -> Result<OpenFileRef> {
      return OpenFileRef(std::make_shared<MemFile>(node, kind));
    });
  };
  add(3, Mem::Null);
  add(5, Mem::Zero);
  add(7, Mem::Full);
  add(8, Mem::Random);
  add(9, Mem::Random);
}

}  // namespace lx
