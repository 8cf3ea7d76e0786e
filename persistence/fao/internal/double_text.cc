// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/internal/double_text.h"

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace multirun {
namespace fao_internal {
namespace {

constexpr int kMaxFractionDigits = 27;  // 5^27 < 2^63.

// {1, base, base^2, ...}: N powers (the last must fit in 64 bits).
template <size_t N>
constexpr std::array<uint64_t, N> PowersOf(uint64_t base) {
  std::array<uint64_t, N> powers{};
  uint64_t power = 1;
  for (size_t k = 0; k < N; ++k) {
    powers[k] = power;
    if (k + 1 < N) power *= base;
  }
  return powers;
}

constexpr auto kPowersOfFive = PowersOf<kMaxFractionDigits + 1>(5);

// `value` as digits * 10^exponent with the fewest digits that read back as
// it, when `value` is an exact decimal with at most kMaxFractionDigits
// fractional digits whose ulp is below 2 * 10^-(those digits). False for
// any other double.
bool ShortExactDecimal(double value, uint64_t* digits, int* exponent) {
  const uint64_t bits = std::bit_cast<uint64_t>(value);
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  if (biased == 0 || biased == 0x7ff)
    return false;  // Zero, subnormal, inf, NaN.
  uint64_t mantissa = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
  // |value| = mantissa * 2^power; the ulp of value is 2^(biased - 1075).
  int power = biased - 1075;
  const int ulp_power = power;
  const int zeros = std::countr_zero(mantissa);
  mantissa >>= zeros;
  power += zeros;
  int fraction_digits = 0;
  uint64_t scaled;
  if (power >= 0) {
    // An integer: below 2^53 it is exact and its ulp is at most 1.
    if (ulp_power > 0) return false;
    scaled = mantissa << power;
  } else {
    fraction_digits = -power;
    if (fraction_digits > kMaxFractionDigits) return false;
    // mantissa * 2^-k = mantissa * 5^k * 10^-k.
    if (__builtin_mul_overflow(mantissa, kPowersOfFive[fraction_digits],
                               &scaled)) {
      return false;
    }
    // No shorter text reads back: ulp < 2 * 10^-k, that is
    // 2^(ulp_power + k) * 5^k < 2.
    const int twos = ulp_power + fraction_digits;
    if (twos >= 1) return false;
    if (1 - twos < 64 &&
        kPowersOfFive[fraction_digits] >= (uint64_t{1} << (1 - twos))) {
      return false;
    }
  }
  int exp10 = -fraction_digits;
  while (scaled % 10 == 0) {
    scaled /= 10;
    ++exp10;
  }
  *digits = scaled;
  *exponent = exp10;
  return true;
}

constexpr auto kPowersOfTen = PowersOf<20>(10);  // Up to 10^19.

// Writes the last `count` decimal digits of `*value` so that they end at
// `end`, and drops them from `*value`; returns where they start. Constant
// divisors only: a division by a variable power of ten costs more than the
// whole loop.
char* WriteDigitsBackwards(uint64_t* value, int count, char* end) {
  uint64_t rest = *value;
  char* to = end;
  for (int i = 0; i < count; ++i) {
    *--to = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
  *value = rest;
  return to;
}

}  // namespace

char* WriteDouble(double value, char* at) {
  uint64_t digits;
  int exponent;
  if (!ShortExactDecimal(value, &digits, &exponent)) {
    return std::to_chars(at, at + kMaxDoubleText, value).ptr;
  }
  int n = 1;  // The number of digits of `digits`.
  while (n < 20 && digits >= kPowersOfTen[n]) ++n;
  // The two forms std::to_chars chooses between, by length.
  const int scientific_exponent = exponent + n - 1;
  const int abs_exponent =
      scientific_exponent < 0 ? -scientific_exponent : scientific_exponent;
  const int scientific_length =
      n + (n > 1 ? 1 : 0) + 2 + (abs_exponent >= 100 ? 3 : 2);
  const int fixed_length =
      exponent >= 0 ? n + exponent : (n > -exponent ? n + 1 : 2 - exponent);
  // Written in place, digits by to_chars or from the right: no buffer
  // copied, nothing read back that was just stored.
  if (value < 0) *at++ = '-';
  if (fixed_length <= scientific_length) {
    if (exponent >= 0) {  // An integer: the digits, then the zeros.
      at = std::to_chars(at, at + n, digits).ptr;
      std::memset(at, '0', static_cast<size_t>(exponent));
      return at + exponent;
    }
    const int fraction = -exponent;
    if (n > fraction) {  // "whole.fraction", from the right.
      char* const end = at + n + 1;
      char* to = WriteDigitsBackwards(&digits, fraction, end);
      *--to = '.';
      WriteDigitsBackwards(&digits, n - fraction, to);
      return end;
    }
    // "0.000digits"
    *at++ = '0';
    *at++ = '.';
    std::memset(at, '0', static_cast<size_t>(fraction - n));
    at += fraction - n;
    return std::to_chars(at, at + n, digits).ptr;
  }
  // "d.ddde+XX": the first digit, the point, the rest, the exponent.
  if (n > 1) {
    char* const end = at + n + 1;
    char* to = WriteDigitsBackwards(&digits, n - 1, end);
    *--to = '.';
    WriteDigitsBackwards(&digits, 1, to);
    at = end;
  } else {
    *at++ = static_cast<char>('0' + digits);
  }
  *at++ = 'e';
  *at++ = scientific_exponent < 0 ? '-' : '+';
  if (abs_exponent < 10) *at++ = '0';
  return std::to_chars(at, at + (abs_exponent >= 100 ? 3 : 2), abs_exponent)
      .ptr;
}

}  // namespace fao_internal
}  // namespace multirun
