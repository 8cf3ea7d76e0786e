// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/internal/double_text.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace multirun {
namespace fao_internal {
namespace {

std::string Ours(double value) {
  char text[kMaxDoubleText];
  return std::string(text, WriteDouble(value, text));
}

std::string Standard(double value) {
  char text[64];
  return std::string(text, std::to_chars(text, text + 64, value).ptr);
}

// Counts mismatches (and shows the first few) so one failure names values.
int Mismatches(double value, int* shown) {
  const std::string ours = Ours(value);
  const std::string standard = Standard(value);
  if (ours == standard) return 0;
  if (++*shown <= 5) {
    ADD_FAILURE() << "bits " << std::bit_cast<uint64_t>(value) << ": ours "
                  << ours << ", std::to_chars " << standard;
  }
  return 1;
}

TEST(DoubleTextTest, SameAsToCharsOnShortDecimals) {
  int shown = 0;
  int bad = 0;
  // Quarters, halves and integers (the fast path), both signs.
  for (int64_t i = -2'000'000; i <= 2'000'000; ++i) {
    bad += Mismatches(static_cast<double>(i) * 0.25, &shown);
  }
  // Dyadic fractions k / 2^j, j up to 30, over several magnitudes.
  for (int j = 0; j <= 30; ++j) {
    for (int64_t k = 1; k < 20'000; k += 7) {
      for (double scale : {1.0, 1e3, 1e6, 1e9, 1e12}) {
        bad +=
            Mismatches(std::ldexp(static_cast<double>(k), -j) * scale, &shown);
      }
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(DoubleTextTest, SameAsToCharsAroundEveryChoiceOfForm) {
  int shown = 0;
  int bad = 0;
  // Powers of ten and two and their neighbours: where fixed and scientific
  // swap, where the fast path stops (2^53, the ulp bound), and beyond.
  for (int e = -30; e <= 30; ++e) {
    const double power = std::pow(10.0, e);
    for (double v : {power, power * 3, power * 25, power * 123456789}) {
      double up = v;
      double down = v;
      for (int step = 0; step < 50; ++step) {
        bad += Mismatches(up, &shown) + Mismatches(-down, &shown);
        up = std::nextafter(up, std::numeric_limits<double>::infinity());
        down = std::nextafter(down, 0.0);
      }
    }
  }
  for (int e = -1074; e <= 1023; ++e) {
    double v = std::ldexp(1.0, e);
    for (int step = 0; step < 4; ++step) {
      bad += Mismatches(v, &shown);
      v = std::nextafter(v, std::numeric_limits<double>::infinity());
    }
  }
  for (double v : {0.0, -0.0, std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::lowest(),
                   std::numeric_limits<double>::min(),
                   std::numeric_limits<double>::denorm_min(),
                   9007199254740992.0, 9007199254740993.0, 9007199254740994.0,
                   0.1, 0.3, 1e23, 5e-324, 100000.0, 1e21, 123456.0}) {
    bad += Mismatches(v, &shown);
  }
  EXPECT_EQ(bad, 0);
}

TEST(DoubleTextTest, SameAsToCharsOnRandomBits) {
  std::mt19937_64 random(20261201);
  int shown = 0;
  int bad = 0;
  for (int i = 0; i < 2'000'000; ++i) {
    const double v = std::bit_cast<double>(random());
    if (!std::isfinite(v)) continue;
    bad += Mismatches(v, &shown);
    // Random integers and short decimals, which take the fast path.
    bad += Mismatches(static_cast<double>(random() >> (i % 64)), &shown);
    bad +=
        Mismatches(static_cast<double>(static_cast<int64_t>(random() >> 20)) /
                       std::pow(10.0, i % 12),
                   &shown);
  }
  EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace fao_internal
}  // namespace multirun
