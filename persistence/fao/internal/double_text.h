// Copyright 2026 The multirun Authors.
//
// The text of a double as the FAO writers put it in a file: exactly what
// std::to_chars(first, last, value) writes (the shortest digits that read
// back as the same double, in fixed or scientific form, whichever is
// shorter, fixed on a tie), but faster for the doubles that are short exact
// decimals.
//
// Why: std::to_chars for double searches for the shortest digits, a large
// part of the time a CSV row of a few cells takes. A double whose exact value
// is an integer times 10^-k (counts kept in doubles, halves, quarters,
// 12345.25) needs no search for its digits: they are that integer, and when
// the double's ulp is below 2 * 10^-k no string with fewer digits reads back
// as it, so they are also the shortest. Those are written directly, in place,
// with constant divisors only; every other double (0.1, 1e300, subnormals,
// zeros, infinities, NaN) goes to std::to_chars.

#ifndef MULTIRUN_PERSISTENCE_FAO_INTERNAL_DOUBLE_TEXT_H_
#define MULTIRUN_PERSISTENCE_FAO_INTERNAL_DOUBLE_TEXT_H_

namespace multirun {
namespace fao_internal {

// The most bytes WriteDouble writes ("-2.2250738585072014e-308").
inline constexpr int kMaxDoubleText = 24;

// Writes the text of `value` at `at`, which has room for kMaxDoubleText
// bytes, and returns the end. Byte for byte what std::to_chars writes.
char* WriteDouble(double value, char* at);

}  // namespace fao_internal
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_INTERNAL_DOUBLE_TEXT_H_
