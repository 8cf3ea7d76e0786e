// Copyright 2026 The multirun Authors.
//
// libFuzzer target of Codec<T>: hostile bytes decoded as every type family
// the codec supports, and structured values built from the fuzzer's bytes
// encoded and decoded back.
//
// The first byte picks the mode. Below 0x80, the rest of the input is
// decoded as one of the types of kDecoders (the byte modulo their number);
// the oracle:
//   - a failure is DataLoss with a "Codec: " message, never a crash, an
//     overread or an allocation the input cannot justify;
//   - a success re-encodes to bytes that decode to an equal value and
//     re-encode to the same bytes (the encoding is canonical), and that are
//     no longer than the input (a canonical encoding is the shortest).
// From 0x80 on, the rest of the input chooses a Sample (vectors, maps,
// variants, optionals, nested and recursive types, a Status with payloads,
// durations and times, doubles of every bit pattern); the oracle: it
// decodes from its encoding to an equal value, bit for bit, with no byte
// left over, and every proper prefix of the encoding fails with DataLoss.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/codec/codec.h"
#include "multirun/testing/fuzz/fuzz_input.h"

namespace codec_fuzz {

enum class Color : uint8_t { kRed, kGreen, kBlue };

// No fixed underlying type: only the declared range is valid.
enum Level { kLow, kMid, kHigh };
MULTIRUN_CODEC_ENUM_RANGE(Level, kLow, kHigh);

struct Empty {
  bool operator==(const Empty&) const = default;
};
MULTIRUN_CODEC_FIELDS(Empty);

struct Reading {
  std::string station;
  std::vector<double> celsius;
  std::optional<Color> color;
};
MULTIRUN_CODEC_FIELDS(Reading, station, celsius, color);

// Recursive.
struct Node {
  std::string name;
  std::vector<Node> children;
  bool operator==(const Node&) const = default;
};
MULTIRUN_CODEC_FIELDS(Node, name, children);

using Nested = std::vector<
    std::map<std::string, std::optional<std::tuple<int, double, std::string>>>>;

// What the round-trip mode builds.
struct Sample {
  std::vector<int64_t> ints;
  std::map<std::string, std::optional<double>> scores;
  std::variant<std::monostate, std::string, std::vector<bool>, absl::Duration,
               Level>
      choice;
  std::optional<std::tuple<int8_t, char32_t, std::u16string>> extra;
  absl::Status status;
  // absl::StatusOr's default constructor is explicit: an initializer keeps
  // Sample an aggregate that `Sample{}` builds.
  absl::StatusOr<std::vector<std::string>> result{absl::UnknownError("")};
  std::vector<Node> tree;
  std::unordered_map<int32_t, std::string> names;
  std::set<std::string> tags;
  absl::Time when;
  absl::Cord blob;
  std::array<float, 2> pair;
  Nested nested;
};
MULTIRUN_CODEC_FIELDS(Sample, ints, scores, choice, extra, status, result, tree,
                      names, tags, when, blob, pair, nested);

}  // namespace codec_fuzz

namespace {

using codec_fuzz::Sample;
using multirun::FuzzInput;
using multirun::FuzzRequire;

bool SameSample(const Sample& a, const Sample& b);

// Whether two values are the same, floating-point ones bit for bit (NaN
// payloads and -0.0 included). Containers of doubles are compared through
// their canonical encoding, which holds every bit.
template <typename T>
bool Same(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, Sample>) {
    return SameSample(a, b);
  } else if constexpr (std::is_same_v<T, long double>) {
    // x87 extended precision: 10 significant bytes; the rest is padding
    // that a copy need not keep.
    return std::memcmp(&a, &b, 10) == 0;
  } else if constexpr (std::is_floating_point_v<T>) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
  } else if constexpr (std::is_same_v<T, codec_fuzz::Reading> ||
                       std::is_same_v<T, codec_fuzz::Nested> ||
                       std::is_same_v<T, std::set<double>> ||
                       std::is_same_v<T,
                                      std::tuple<bool, double, std::string>>) {
    return multirun::Encode(a) == multirun::Encode(b);
  } else {
    return a == b;
  }
}

// Whether T's encoding depends on iteration order that two equal values
// need not share.
template <typename T>
constexpr bool kUnordered =
    std::is_same_v<T, std::unordered_map<std::string, int64_t>> ||
    std::is_same_v<T, std::unordered_set<int32_t>>;

// The first bytes of an input, for an oracle's message.
std::string Hex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes.substr(0, 64));
}

template <typename T>
void CheckDecode(absl::string_view bytes) {
  const absl::StatusOr<T> value = multirun::Decode<T>(bytes);
  if (!value.ok()) {
    FuzzRequire(value.status().code() == absl::StatusCode::kDataLoss,
                "a decoding failure is not DataLoss",
                std::string(value.status().ToString()));
    FuzzRequire(absl::StartsWith(value.status().message(), "Codec: "),
                "a decoding failure does not say it is the codec's",
                std::string(value.status().message()));
    return;
  }
  const std::string again = multirun::Encode(*value);
  FuzzRequire(again.size() <= bytes.size(),
              "the canonical encoding is longer than an accepted one",
              absl::StrCat(Hex(bytes), " -> ", Hex(again)));
  const absl::StatusOr<T> second = multirun::Decode<T>(again);
  FuzzRequire(second.ok(), "the re-encoded value does not decode",
              second.ok() ? "" : second.status().ToString());
  FuzzRequire(Same(*value, *second), "decode(encode(v)) != v", Hex(bytes));
  if constexpr (!kUnordered<T>) {
    FuzzRequire(multirun::Encode(*second) == again,
                "the encoding is not canonical", Hex(bytes));
  }
}

using Decoder = void (*)(absl::string_view);

// One entry per type family.
constexpr Decoder kDecoders[] = {
    &CheckDecode<bool>,
    &CheckDecode<char>,
    &CheckDecode<int8_t>,
    &CheckDecode<uint16_t>,
    &CheckDecode<int32_t>,
    &CheckDecode<uint64_t>,
    &CheckDecode<float>,
    &CheckDecode<double>,
    &CheckDecode<long double>,
    &CheckDecode<std::string>,
    &CheckDecode<std::u16string>,
    &CheckDecode<std::u32string>,
    &CheckDecode<codec_fuzz::Color>,
    &CheckDecode<codec_fuzz::Level>,
    &CheckDecode<std::vector<int32_t>>,
    &CheckDecode<std::vector<bool>>,
    &CheckDecode<std::vector<std::string>>,
    &CheckDecode<std::vector<codec_fuzz::Empty>>,
    &CheckDecode<std::vector<std::vector<codec_fuzz::Empty>>>,
    &CheckDecode<std::array<int16_t, 3>>,
    &CheckDecode<std::array<std::string, 2>>,
    &CheckDecode<std::pair<int8_t, std::string>>,
    &CheckDecode<std::tuple<bool, double, std::string>>,
    &CheckDecode<std::optional<std::string>>,
    &CheckDecode<std::optional<std::optional<int32_t>>>,
    &CheckDecode<std::variant<std::monostate, int32_t, std::string,
                              std::vector<uint8_t>>>,
    &CheckDecode<std::variant<int32_t, int32_t>>,
    &CheckDecode<std::map<std::string, int32_t>>,
    &CheckDecode<std::map<int32_t, std::vector<std::string>>>,
    &CheckDecode<std::set<std::string>>,
    &CheckDecode<std::set<double>>,
    &CheckDecode<std::unordered_map<std::string, int64_t>>,
    &CheckDecode<std::unordered_set<int32_t>>,
    &CheckDecode<absl::Status>,
    &CheckDecode<absl::StatusOr<int32_t>>,
    &CheckDecode<absl::StatusOr<std::vector<std::string>>>,
    &CheckDecode<absl::Cord>,
    &CheckDecode<absl::Duration>,
    &CheckDecode<absl::Time>,
    &CheckDecode<codec_fuzz::Reading>,
    &CheckDecode<codec_fuzz::Node>,
    &CheckDecode<codec_fuzz::Nested>,
    &CheckDecode<Sample>,
};
constexpr size_t kDecoderCount = sizeof(kDecoders) / sizeof(kDecoders[0]);

// --- the round-trip mode ---

std::string SmallString(FuzzInput& in) { return in.String(12); }

absl::Duration MakeDuration(FuzzInput& in) {
  switch (in.Pick(4)) {
    case 0:
      return absl::InfiniteDuration();
    case 1:
      return -absl::InfiniteDuration();
    case 2:
      return absl::Milliseconds(static_cast<int64_t>(in.Bits<uint32_t>()) -
                                (int64_t{1} << 31));
    default: {
      // Any finite duration: whole seconds and quarter nanoseconds.
      const auto seconds = static_cast<int64_t>(in.Bits<uint64_t>());
      const int64_t ticks =
          in.IntInRange(0, int64_t{4} * 1000 * 1000 * 1000 - 1);
      return absl::Seconds(seconds) + absl::Nanoseconds(1) / 4 * ticks;
    }
  }
}

absl::Status MakeStatus(FuzzInput& in) {
  const auto code = static_cast<absl::StatusCode>(in.IntInRange(0, 16));
  absl::Status status(code, SmallString(in));
  const size_t payloads = in.Pick(4);
  for (size_t i = 0; i < payloads; ++i) {
    const std::string type_url = SmallString(in);
    status.SetPayload(type_url, absl::Cord(SmallString(in)));
  }
  return status;
}

codec_fuzz::Node MakeNode(FuzzInput& in, int depth) {
  codec_fuzz::Node node;
  node.name = SmallString(in);
  const size_t children = depth > 0 ? in.Pick(3) : 0;
  for (size_t i = 0; i < children; ++i) {
    node.children.push_back(MakeNode(in, depth - 1));
  }
  return node;
}

Sample MakeSample(FuzzInput& in) {
  Sample s;
  for (size_t n = in.Pick(5); n > 0; --n) {
    s.ints.push_back(static_cast<int64_t>(in.Bits<uint64_t>()));
  }
  for (size_t n = in.Pick(4); n > 0; --n) {
    std::optional<double> score;
    if (in.Bool()) score = in.RawDouble();
    const std::string key = SmallString(in);
    s.scores[key] = score;
  }
  switch (in.Pick(5)) {
    case 0:
      break;
    case 1:
      s.choice = SmallString(in);
      break;
    case 2: {
      std::vector<bool> bits;
      for (size_t n = in.Pick(20); n > 0; --n) bits.push_back(in.Bool());
      s.choice = std::move(bits);
      break;
    }
    case 3:
      s.choice = MakeDuration(in);
      break;
    default:
      s.choice = static_cast<codec_fuzz::Level>(in.IntInRange(0, 2));
      break;
  }
  if (in.Bool()) {
    std::u16string text;
    for (size_t n = in.Pick(4); n > 0; --n) {
      text.push_back(static_cast<char16_t>(in.Bits<uint16_t>()));
    }
    const auto small = static_cast<int8_t>(in.Byte());
    const auto wide = static_cast<char32_t>(in.Bits<uint32_t>());
    s.extra.emplace(small, wide, std::move(text));
  }
  s.status = MakeStatus(in);
  if (absl::Status error = MakeStatus(in); !error.ok()) {
    s.result = std::move(error);
  } else {
    std::vector<std::string> lines;
    for (size_t n = in.Pick(3); n > 0; --n) lines.push_back(SmallString(in));
    s.result = std::move(lines);
  }
  for (size_t n = in.Pick(3); n > 0; --n) s.tree.push_back(MakeNode(in, 3));
  for (size_t n = in.Pick(4); n > 0; --n) {
    const auto key = static_cast<int32_t>(in.Bits<uint32_t>());
    s.names[key] = SmallString(in);
  }
  for (size_t n = in.Pick(4); n > 0; --n) s.tags.insert(SmallString(in));
  switch (in.Pick(3)) {
    case 0:
      s.when = absl::InfiniteFuture();
      break;
    case 1:
      s.when = absl::InfinitePast();
      break;
    default:
      s.when = absl::UnixEpoch() + MakeDuration(in);
      break;
  }
  for (size_t n = in.Pick(3); n > 0; --n) s.blob.Append(SmallString(in));
  for (float& f : s.pair) {
    const uint32_t bits = in.Bits<uint32_t>();
    std::memcpy(&f, &bits, sizeof(f));
  }
  for (size_t n = in.Pick(3); n > 0; --n) {
    std::map<std::string, std::optional<std::tuple<int, double, std::string>>>
        entry;
    for (size_t m = in.Pick(3); m > 0; --m) {
      std::optional<std::tuple<int, double, std::string>> value;
      if (in.Bool()) {
        const auto number = static_cast<int>(in.Bits<uint32_t>());
        const double real = in.RawDouble();
        value.emplace(number, real, SmallString(in));
      }
      const std::string key = SmallString(in);
      entry[key] = std::move(value);
    }
    s.nested.push_back(std::move(entry));
  }
  return s;
}

bool SameSample(const Sample& a, const Sample& b) {
  // Everything that holds no double compares with ==; the rest through
  // the bits of its canonical encoding.
  return a.ints == b.ints &&
         multirun::Encode(a.scores) == multirun::Encode(b.scores) &&
         a.choice == b.choice && a.extra == b.extra && a.status == b.status &&
         a.result == b.result && a.tree == b.tree && a.names == b.names &&
         a.tags == b.tags && a.when == b.when && a.blob == b.blob &&
         Same(a.pair[0], b.pair[0]) && Same(a.pair[1], b.pair[1]) &&
         multirun::Encode(a.nested) == multirun::Encode(b.nested);
}

void CheckRoundTrip(FuzzInput& in) {
  const Sample sample = MakeSample(in);
  const std::string bytes = multirun::Encode(sample);
  const absl::StatusOr<Sample> decoded = multirun::Decode<Sample>(bytes);
  FuzzRequire(decoded.ok(), "a Sample does not decode from its encoding",
              decoded.ok() ? "" : decoded.status().ToString());
  FuzzRequire(SameSample(sample, *decoded),
              "a Sample decodes to a different value", Hex(bytes));
  // Every proper prefix is truncated input: DataLoss, never a value.
  const size_t step = bytes.size() / 16 + 1;
  for (size_t cut = 0; cut < bytes.size(); cut += step) {
    const absl::StatusOr<Sample> part =
        multirun::Decode<Sample>(absl::string_view(bytes).substr(0, cut));
    FuzzRequire(
        !part.ok() && part.status().code() == absl::StatusCode::kDataLoss,
        "a truncated Sample is not DataLoss",
        absl::StrCat("cut at ", cut, " of ", bytes.size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  if (mode < 0x80) {
    const std::string rest = in.Rest();
    kDecoders[mode % kDecoderCount](rest);
  } else {
    CheckRoundTrip(in);
  }
  return 0;
}
