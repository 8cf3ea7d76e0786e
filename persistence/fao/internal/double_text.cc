// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/internal/double_text.h"

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace multirun {
namespace fao_internal {
namespace {

constexpr int kMaxFractionDigits = 27;  // 5^27 < 2^63.

constexpr uint64_t PowerOfFive(int k) {
  uint64_t power = 1;
  for (int i = 0; i < k; ++i) power *= 5;
  return power;
}

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
    if (__builtin_mul_overflow(mantissa, PowerOfFive(fraction_digits),
                               &scaled)) {
      return false;
    }
    // No shorter text reads back: ulp < 2 * 10^-k, that is
    // 2^(ulp_power + k) * 5^k < 2.
    const int twos = ulp_power + fraction_digits;
    if (twos >= 1) return false;
    if (1 - twos < 64 &&
        PowerOfFive(fraction_digits) >= (uint64_t{1} << (1 - twos))) {
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

}  // namespace

char* WriteDouble(double value, char* at) {
  uint64_t digits;
  int exponent;
  if (!ShortExactDecimal(value, &digits, &exponent)) {
    return std::to_chars(at, at + kMaxDoubleText, value).ptr;
  }
  char text[20];
  const int n =
      static_cast<int>(std::to_chars(text, text + 20, digits).ptr - text);
  // Built in `out`, then copied whole: copies of a constant size are a few
  // moves, not calls.
  char out[kMaxDoubleText + 20];
  char* to = out;
  if (value < 0) *to++ = '-';
  // The two forms std::to_chars chooses between, by length.
  const int scientific_exponent = exponent + n - 1;
  const int abs_exponent =
      scientific_exponent < 0 ? -scientific_exponent : scientific_exponent;
  const int scientific_length =
      n + (n > 1 ? 1 : 0) + 2 + (abs_exponent >= 100 ? 3 : 2);
  const int fixed_length =
      exponent >= 0 ? n + exponent : (n > -exponent ? n + 1 : 2 - exponent);
  if (fixed_length <= scientific_length) {
    const int whole = n + exponent;  // Digits before the point.
    if (exponent >= 0) {
      std::memcpy(to, text, 20);
      std::memset(to + n, '0', 8);  // exponent < 8 here: fixed is shorter.
      to += n + exponent;
    } else if (whole > 0) {
      std::memcpy(to, text, 20);
      std::memmove(to + whole + 1, to + whole, 20);
      to[whole] = '.';
      to += n + 1;
    } else {
      std::memcpy(to, "0.000000", 8);  // -whole < 6 here: fixed is shorter.
      std::memcpy(to + 2 - whole, text, 20);
      to += 2 - whole + n;
    }
  } else {
    *to++ = text[0];
    if (n > 1) {
      *to++ = '.';
      std::memcpy(to, text + 1, 19);
      to += n - 1;
    }
    *to++ = 'e';
    *to++ = scientific_exponent < 0 ? '-' : '+';
    if (abs_exponent < 10) *to++ = '0';
    to = std::to_chars(to, to + 3, abs_exponent).ptr;
  }
  std::memcpy(at, out, kMaxDoubleText);
  return at + (to - out);
}

}  // namespace fao_internal
}  // namespace multirun
