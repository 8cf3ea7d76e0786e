// Copyright 2026 The multirun Authors.
//
// FuzzInput: a fuzzer's bytes read front to back as the choices of a test:
// integers in a range, booleans, picks from a list, byte strings. It never
// fails: once the bytes run out every read returns the smallest value (0,
// false, the first choice, an empty string), so any input, however short,
// is a complete test case, and a longer one is a larger one. libFuzzer's
// mutations then map to small changes of the choices.
//
// Use it in a LLVMFuzzerTestOneInput() that builds structured values (a
// table, a graph, a retry policy) from the fuzzer's bytes. It is a plain
// header, compiled by GCC as well, so the same target also replays its
// corpus as a unit test (testing/fuzz/replay_main.cc).
//
// Example:
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     multirun::FuzzInput in(data, size);
//     const int rows = in.IntInRange(0, 8);
//     std::string name = in.String(16);
//     ...
//     return 0;
//   }
//
// FuzzRequire(condition, what) is a fuzz target's oracle: when the condition
// does not hold it prints `what` and aborts, which libFuzzer reports as a
// crash (and saves the input) and a replay test as a failure.
//
// Thread-safety: one FuzzInput per thread.

#ifndef MULTIRUN_TESTING_FUZZ_FUZZ_INPUT_H_
#define MULTIRUN_TESTING_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace multirun {

// Reads the choices of a test case from a fuzzer's bytes (see the file
// comment). The bytes must outlive it.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // Bytes not read yet.
  size_t remaining() const { return size_ - offset_; }
  bool empty() const { return remaining() == 0; }

  // The next byte, or 0 when none is left.
  uint8_t Byte() { return empty() ? 0 : data_[offset_++]; }

  // The next `sizeof(T)` bytes as an unsigned T, little end first; missing
  // bytes read as 0.
  template <typename T>
  T Bits() {
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      value |= static_cast<T>(static_cast<T>(Byte()) << (8 * i));
    }
    return value;
  }

  bool Bool() { return (Byte() & 1) != 0; }

  // A value in [lo, hi] (lo <= hi), from as few bytes as the range needs.
  int64_t IntInRange(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    uint64_t raw = 0;
    for (uint64_t left = span; left != 0; left >>= 8) {
      raw = (raw << 8) | Byte();
    }
    const uint64_t offset = span == UINT64_MAX ? raw : raw % (span + 1);
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + offset);
  }

  // An index in [0, n) (n >= 1).
  size_t Pick(size_t n) {
    return static_cast<size_t>(IntInRange(0, static_cast<int64_t>(n) - 1));
  }

  // A double from 8 raw bytes: every bit pattern, NaNs and infinities
  // included.
  double RawDouble() {
    const uint64_t bits = Bits<uint64_t>();
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }

  // A string of at most `max_size` bytes: a length byte, then that many
  // bytes (fewer when the input ends).
  std::string String(size_t max_size) {
    size_t size = Pick(max_size + 1);
    if (size > remaining()) size = remaining();
    std::string out(reinterpret_cast<const char*>(data_ + offset_), size);
    offset_ += size;
    return out;
  }

  // Everything not read yet.
  std::string Rest() {
    std::string out(reinterpret_cast<const char*>(data_ + offset_),
                    remaining());
    offset_ = size_;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
};

// Aborts with `what` (and `detail`, when given) unless `condition` holds.
inline void FuzzRequire(bool condition, const char* what,
                        const std::string& detail = std::string()) {
  if (condition) return;
  std::fprintf(stderr, "fuzz oracle failed: %s%s%s\n", what,
               detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

}  // namespace multirun

#endif  // MULTIRUN_TESTING_FUZZ_FUZZ_INPUT_H_
