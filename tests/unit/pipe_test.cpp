// The Pipe object on its own: slot accounting, merging, packets, ends.
#include "kernel/ipc/Pipe.h"

#include <gtest/gtest.h>

#include <vector>

#include "kernel/abi/Poll.h"

namespace lx {
namespace {

std::span<const uint8_t> bytes(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }

class PipeTest : public ::testing::Test {
 protected:
  PipeTest() { pipe_.attach(true, true); }
  Pipe pipe_{0, 0};
};

TEST_F(PipeTest, EmptyReadWouldBlockWhileAWriterExists) {
  std::vector<uint8_t> buf(8);
  Result<uint64_t> r = pipe_.read(buf);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(EAGAIN, r.error());
  pipe_.detach(false, true);
  r = pipe_.read(buf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(0u, r.value());
}

TEST_F(PipeTest, WriteWithoutReaderIsEPIPEButEmptyWriteIsZero) {
  pipe_.detach(true, false);
  std::vector<uint8_t> one(1, 'x');
  EXPECT_EQ(EPIPE, pipe_.write(bytes(one), false).error());
  EXPECT_EQ(0u, pipe_.write({}, false).value());
}

TEST_F(PipeTest, SmallWritesMergeIntoTheLastPage) {
  std::vector<uint8_t> small(1000, 'a');
  for (int i = 0; i < 4; ++i) ASSERT_EQ(1000u, pipe_.write(bytes(small), false).value());
  EXPECT_EQ(4000u, pipe_.bytes());
  // 16 slots of 4000 bytes each, when nothing is read.
  uint64_t total = 4000;
  for (;;) {
    Result<uint64_t> r = pipe_.write(bytes(small), false);
    if (!r.ok()) break;
    total += r.value();
  }
  EXPECT_EQ(16u * 4000u, total);
}

TEST_F(PipeTest, PollReflectsRoomAndData) {
  EXPECT_EQ(abi::kPollOut | abi::kPollWrnorm, pipe_.poll(true, true, 0));
  std::vector<uint8_t> page(kPipePage, 'p');
  for (unsigned i = 0; i < kPipeDefaultSlots; ++i) ASSERT_TRUE(pipe_.write(bytes(page), false).ok());
  EXPECT_EQ(abi::kPollIn | abi::kPollRdnorm, pipe_.poll(true, true, 0));
  pipe_.detach(true, false);
  EXPECT_EQ(abi::kPollErr, pipe_.poll(false, true, 0));
}

TEST_F(PipeTest, CapacityRulesFollowFSetpipeSz) {
  EXPECT_EQ(4096u, pipe_.set_capacity(0, false).value());
  EXPECT_EQ(8192u, pipe_.set_capacity(4097, false).value());
  EXPECT_EQ(EPERM, pipe_.set_capacity(kPipeMaxSize + 1, false).error());
  EXPECT_EQ(kPipeMaxSize * 2, pipe_.set_capacity(kPipeMaxSize + 1, true).value());
  EXPECT_EQ(EINVAL, pipe_.set_capacity((uint64_t{1} << 31) + 1, true).error());
  std::vector<uint8_t> page(kPipePage, 'p');
  ASSERT_TRUE(pipe_.write(bytes(page), false).ok());
  ASSERT_TRUE(pipe_.write(bytes(page), false).ok());
  EXPECT_EQ(EBUSY, pipe_.set_capacity(4096, false).error());
}

TEST_F(PipeTest, PacketsAreReadOneAtATime) {
  std::vector<uint8_t> a(10, 'a'), b(5, 'b'), out(100);
  ASSERT_TRUE(pipe_.write(bytes(a), true).ok());
  ASSERT_TRUE(pipe_.write(bytes(b), true).ok());
  EXPECT_EQ(10u, pipe_.read(out).value());
  EXPECT_EQ(5u, pipe_.read(out).value());
}

}  // namespace
}  // namespace lx
