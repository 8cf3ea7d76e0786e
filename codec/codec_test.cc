// Copyright 2026 The multirun Authors.

#include "multirun/codec/codec.h"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

// Allocation tracking: the largest single allocation made while
// `g_track_allocations` is set, to show that hostile sizes are rejected
// before anything is allocated. Every replaceable form that pairs with these
// is replaced, so that the sanitizers see malloc() and free() throughout.
namespace {
bool g_track_allocations = false;
size_t g_largest_allocation = 0;

void* TrackedAllocate(size_t size) {
  if (g_track_allocations && size > g_largest_allocation) {
    g_largest_allocation = size;
  }
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(size_t size) { return TrackedAllocate(size); }
void* operator new[](size_t size) { return TrackedAllocate(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  try {
    return TrackedAllocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  try {
    return TrackedAllocate(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

// User types, at namespace scope as the macros require.
namespace geo {

struct Point {
  double x = 0;
  double y = 0;
  std::string label;

  bool operator==(const Point&) const = default;
};
MULTIRUN_CODEC_FIELDS(Point, x, y, label);

struct Route {
  std::string name;
  std::vector<Point> stops;
  std::optional<Point> depot;

  bool operator==(const Route&) const = default;
};
MULTIRUN_CODEC_FIELDS(Route, name, stops, depot);

struct Empty {
  bool operator==(const Empty&) const = default;
};
MULTIRUN_CODEC_FIELDS(Empty);

}  // namespace geo

namespace {

using ::multirun::CodecReader;
using ::multirun::CodecWriter;
using ::multirun::Decode;
using ::multirun::Encodable;
using ::multirun::Encode;
using ::multirun::EncodeTo;

// Private fields, through the in-class macro.
class Account {
 public:
  Account() = default;
  Account(int64_t id, std::string owner) : id_(id), owner_(std::move(owner)) {}

  int64_t id() const { return id_; }
  const std::string& owner() const { return owner_; }

 private:
  int64_t id_ = 0;
  std::string owner_;
  MULTIRUN_CODEC_FRIEND_FIELDS(Account, id_, owner_);
};

// A recursive type.
struct Node {
  int value = 0;
  std::vector<Node> children;

  bool operator==(const Node&) const = default;
};
MULTIRUN_CODEC_FIELDS(Node, value, children);

// A class template, through the in-class macro.
template <typename T>
struct Box {
  T content{};
  int tag = 0;
  MULTIRUN_CODEC_FRIEND_FIELDS(Box, content, tag);

  bool operator==(const Box&) const = default;
};

// A type whose wire form is not its members: a hand-written specialisation
// (below, at global scope) that stores the celsius value as millidegrees.
struct Celsius {
  double degrees = 0;
};

// A type with no codec.
struct NoCodec {
  int x;
};

// Derived from a type with fields, adding one: it does not inherit the
// codec, which would drop `extra`.
struct LabelledPoint : geo::Point {
  int extra = 0;
};

enum class Color : uint8_t { kRed, kGreen, kBlue };
MULTIRUN_CODEC_ENUM_RANGE(Color, Color::kRed, Color::kBlue);

enum class Wide : int64_t {
  kLow = std::numeric_limits<int64_t>::min(),
  kHigh = std::numeric_limits<int64_t>::max()
};

enum Fixed : int16_t { kFixedA = -3, kFixedB = 7 };

enum Plain { kPlainA, kPlainB, kPlainC };  // no fixed underlying type

enum Ranged { kRangedA = 1, kRangedB, kRangedC };  // no fixed underlying type
MULTIRUN_CODEC_ENUM_RANGE(Ranged, kRangedA, kRangedC);

}  // namespace

template <>
struct multirun::Codec<Celsius> {
  static constexpr size_t kMinEncodedSize = sizeof(int64_t);
  static void Encode(const Celsius& value, CodecWriter& out) {
    out.Write(static_cast<int64_t>(std::llround(value.degrees * 1000)));
  }
  static absl::StatusOr<Celsius> Decode(CodecReader& in) {
    absl::StatusOr<int64_t> millis = in.Read<int64_t>();
    if (!millis.ok()) return millis.status();
    return Celsius{static_cast<double>(*millis) / 1000};
  }
};

namespace {

// What the codec can and cannot encode, checked at compile time.
static_assert(Encodable<int>);
static_assert(Encodable<bool>);
static_assert(Encodable<long double>);
static_assert(Encodable<std::string>);
static_assert(Encodable<std::u32string>);
static_assert(Encodable<absl::Status>);
static_assert(Encodable<absl::StatusOr<std::vector<std::string>>>);
static_assert(
    Encodable<std::vector<std::map<
        std::string, std::optional<std::tuple<int, double, std::string>>>>>);
static_assert(Encodable<geo::Route>);
static_assert(Encodable<Account>);
static_assert(Encodable<Node>);
static_assert(Encodable<Box<std::string>>);
static_assert(Encodable<Celsius>);
static_assert(Encodable<Color>);
static_assert(Encodable<Wide>);
static_assert(Encodable<Fixed>);
static_assert(Encodable<Ranged>);
static_assert(!Encodable<Plain>);  // No fixed underlying type, no range.
static_assert(!Encodable<NoCodec>);
static_assert(!Encodable<std::vector<NoCodec>>);
static_assert(!Encodable<std::map<std::string, NoCodec>>);
static_assert(!Encodable<std::optional<NoCodec>>);
static_assert(!Encodable<std::tuple<int, NoCodec>>);
static_assert(!Encodable<int*>);
static_assert(!Encodable<const char*>);
static_assert(!Encodable<LabelledPoint>);
// Lower bounds that containers use to reject impossible sizes.
static_assert(multirun::CodecMinEncodedSize<int32_t>() == 4);
static_assert(multirun::CodecMinEncodedSize<std::pair<int64_t, bool>>() == 9);
static_assert(multirun::CodecMinEncodedSize<geo::Point>() == 17);
static_assert(multirun::CodecMinEncodedSize<geo::Empty>() == 0);
static_assert(multirun::CodecMinEncodedSize<std::tuple<>>() == 0);
static_assert(multirun::CodecMinEncodedSize<Celsius>() == 8);

// A type without a codec does not compile, with a static_assert that names
// the fix:
//
//   multirun::Encode(NoCodec{1});
//   // error: static assertion failed: multirun::Codec: no codec for this
//   // type (or for a type it contains). Add one: list its members with
//   // MULTIRUN_CODEC_FIELDS(Type, field...) in its namespace or
//   // MULTIRUN_CODEC_FRIEND_FIELDS(Type, field...) inside the class (both
//   // need a default constructor), or specialise multirun::Codec<Type> (see
//   // multirun/codec/codec.h)
//
//   multirun::Encode(kPlainA);
//   // error: static assertion failed: multirun::Codec: this enum has no
//   // fixed underlying type, ...

template <typename T>
T RoundTrip(const T& value) {
  const std::string bytes = Encode(value);
  absl::StatusOr<T> decoded = Decode<T>(bytes);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return T();
  return *std::move(decoded);
}

template <typename T>
void ExpectRoundTrip(const T& value) {
  EXPECT_EQ(RoundTrip(value), value);
}

// Decoding `bytes` as T fails with DataLoss; returns the message.
template <typename T>
std::string ExpectDataLoss(absl::string_view bytes) {
  absl::StatusOr<T> decoded = Decode<T>(bytes);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss)
      << decoded.status();
  return std::string(decoded.status().message());
}

std::string Varint(uint64_t value) {
  std::string bytes;
  CodecWriter(&bytes).WriteSize(value);
  return bytes;
}

// --- writer and reader ---

TEST(CodecWriterTest, WriteSizeIsLeb128) {
  EXPECT_EQ(Varint(0), std::string(1, '\0'));
  EXPECT_EQ(Varint(127), "\x7f");
  EXPECT_EQ(Varint(128), "\x80\x01");
  EXPECT_EQ(Varint(300), "\xac\x02");
  EXPECT_EQ(Varint(std::numeric_limits<uint64_t>::max()).size(), 10u);
}

TEST(CodecWriterTest, AppendsToWhatIsThere) {
  std::string bytes = "head";
  CodecWriter out(&bytes);
  out.WriteBytes("xy", 2);
  out.WriteBytes(nullptr, 0);
  out.Write(int32_t{7});
  EXPECT_EQ(bytes.size(), 4u + 2u + 4u);
  EXPECT_EQ(bytes.substr(0, 6), "headxy");
  EXPECT_EQ(out.output(), &bytes);

  EncodeTo(std::string("z"), &bytes);
  EXPECT_EQ(bytes.substr(10), "\x01z");
}

TEST(CodecReaderTest, ReadSizeRoundTripsBoundaries) {
  for (uint64_t value :
       {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{16383},
        uint64_t{16384}, uint64_t{1} << 32, (uint64_t{1} << 63) - 1,
        uint64_t{1} << 63, std::numeric_limits<uint64_t>::max()}) {
    const std::string bytes = Varint(value);
    CodecReader in(bytes);
    absl::StatusOr<uint64_t> read = in.ReadSize();
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, value);
    EXPECT_EQ(in.remaining(), 0u);
    EXPECT_EQ(in.offset(), bytes.size());
  }
}

TEST(CodecReaderTest, ReadBytesShortFailsAndConsumesNothing) {
  CodecReader in("abc");
  char buffer[8] = {};
  absl::Status status = in.ReadBytes(buffer, 4);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(status.message(),
            "Codec: truncated input reading bytes at offset 0 (needs 4 "
            "bytes, 3 left)");
  EXPECT_EQ(in.remaining(), 3u);
  ASSERT_TRUE(in.ReadBytes(buffer, 2).ok());
  EXPECT_EQ(absl::string_view(buffer, 2), "ab");
  EXPECT_EQ(in.remaining(), 1u);
  EXPECT_EQ(in.ReadBytes(buffer, 2, "my field").message(),
            "Codec: truncated input reading my field at offset 2 (needs 2 "
            "bytes, 1 left)");
  EXPECT_TRUE(in.ReadBytes(nullptr, 0).ok());
}

TEST(CodecReaderTest, ReadSizeRejectsTruncatedAndOverlongVarints) {
  CodecReader truncated("\x80\x80");
  absl::StatusOr<uint64_t> size = truncated.ReadSize("std::vector size");
  EXPECT_EQ(size.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(size.status().message(),
            "Codec: truncated input reading std::vector size at offset 0 "
            "(needs at least 3 bytes, 2 left)");
  EXPECT_EQ(truncated.remaining(), 2u);

  CodecReader empty("");
  EXPECT_EQ(empty.ReadSize().status().code(), absl::StatusCode::kDataLoss);

  // Eleven bytes with continuation bits, and ten whose last carries bits
  // beyond the 64th.
  const std::string too_long(11, '\xff');
  CodecReader overlong(too_long);
  size = overlong.ReadSize();
  EXPECT_EQ(size.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(size.status().message(), "more than 64 bits"))
      << size.status();
  std::string overflow(9, '\xff');
  overflow.push_back('\x02');
  CodecReader overflowing(overflow);
  EXPECT_EQ(overflowing.ReadSize().status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(CodecReaderTest, ReadCountChecksAgainstRemainingBytes) {
  std::string bytes = Varint(3) + std::string(12, 'x');
  CodecReader fits(bytes);
  absl::StatusOr<uint64_t> count = fits.ReadCount("things", 4);
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 3u);

  CodecReader too_many(bytes);
  count = too_many.ReadCount("things", 5);
  EXPECT_EQ(count.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(count.status().message(),
            "Codec: things size at offset 0 claims 3 elements of at least 5 "
            "bytes each, but only 12 bytes are left");
  EXPECT_EQ(too_many.remaining(), bytes.size());  // Consumed nothing.

  // Elements that may be empty: up to the bytes left plus a fixed allowance.
  bytes = Varint(CodecReader::kMaxCountBeyondInput + 12);
  bytes += std::string(12, 'x');
  CodecReader empty_fits(bytes);
  EXPECT_TRUE(empty_fits.ReadCount("things", 0).ok());
  bytes = Varint(CodecReader::kMaxCountBeyondInput + 13);
  bytes += std::string(12, 'x');
  CodecReader empty_too_many(bytes);
  EXPECT_EQ(empty_too_many.ReadCount("things", 0).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(CodecReaderTest, EmptyElementsShareOneAllowancePerInput) {
  // 1000 vectors, each claiming 2^20 empty elements: each claim alone is
  // within the allowance, but together they would be 2^30 elements from
  // 3 KB. The second claim already exceeds what is left.
  const uint64_t claim = CodecReader::kMaxCountBeyondInput;
  std::string bytes = Varint(1000);
  for (int i = 0; i < 1000; ++i) bytes += Varint(claim);
  const std::string message =
      ExpectDataLoss<std::vector<std::vector<geo::Empty>>>(bytes);
  EXPECT_TRUE(absl::StrContains(message, "elements that may be empty"))
      << message;
  EXPECT_TRUE(absl::StrContains(message, "std::vector element 1")) << message;
  // What one claim may take is unchanged.
  const std::string one = Varint(1) + Varint(claim);
  const absl::StatusOr<std::vector<std::vector<geo::Empty>>> decoded =
      Decode<std::vector<std::vector<geo::Empty>>>(one);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ((*decoded)[0].size(), claim);
}

TEST(FieldsCodecTest, RecursionDeeperThanTheLimitIsDataLoss) {
  // Each level: value (4 bytes), then one child.
  auto nested = [](size_t levels) {
    std::string bytes;
    for (size_t i = 0; i < levels; ++i) {
      bytes += std::string(4, '\0') + Varint(1);
    }
    return bytes + std::string(4, '\0') + Varint(0);
  };
  // kMaxNesting levels in all: the outer node and kMaxNesting - 1 below it.
  const absl::StatusOr<Node> deepest =
      Decode<Node>(nested(CodecReader::kMaxNesting - 1));
  ASSERT_TRUE(deepest.ok()) << deepest.status();
  const std::string message =
      ExpectDataLoss<Node>(nested(CodecReader::kMaxNesting));
  EXPECT_TRUE(absl::StrContains(message, "Node at offset")) << message;
  EXPECT_TRUE(absl::StrContains(message, "nests deeper than 256 levels"))
      << message;
  // Far deeper input (100000 levels, 500 KB) fails the same way instead of
  // exhausting the stack.
  ExpectDataLoss<Node>(nested(100000));
  // The count is per decode: a reader decodes siblings at full depth.
  const absl::StatusOr<std::vector<Node>> siblings = Decode<std::vector<Node>>(
      Varint(2) + nested(CodecReader::kMaxNesting - 1) +
      nested(CodecReader::kMaxNesting - 1));
  EXPECT_TRUE(siblings.ok()) << siblings.status();
}

// --- arithmetic types ---

template <typename T>
class ArithmeticTypeCodecTest : public testing::Test {};
using ArithmeticTypes =
    testing::Types<bool, char, signed char, unsigned char, char8_t, char16_t,
                   char32_t, wchar_t, short, unsigned short, int, unsigned,
                   long, unsigned long, long long, unsigned long long, int8_t,
                   uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t,
                   uint64_t, float, double>;
TYPED_TEST_SUITE(ArithmeticTypeCodecTest, ArithmeticTypes);

TYPED_TEST(ArithmeticTypeCodecTest, ExtremesRoundTripInSizeofBytes) {
  using T = TypeParam;
  for (T value : {std::numeric_limits<T>::lowest(),
                  std::numeric_limits<T>::max(), T(0), T(1)}) {
    const std::string bytes = Encode(value);
    EXPECT_EQ(bytes.size(), sizeof(T));
    absl::StatusOr<T> decoded = Decode<T>(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, value);
  }
  // One byte short.
  const std::string bytes = Encode(std::numeric_limits<T>::max());
  const std::string message =
      ExpectDataLoss<T>(absl::string_view(bytes).substr(0, sizeof(T) - 1));
  EXPECT_TRUE(absl::StrContains(
      message,
      absl::StrCat("(needs ", sizeof(T), " bytes, ", sizeof(T) - 1, " left)")))
      << message;
}

TEST(ArithmeticCodecTest, Int64MinAndMaxRoundTrip) {
  EXPECT_EQ(RoundTrip(std::numeric_limits<int64_t>::min()),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(RoundTrip(std::numeric_limits<int64_t>::max()),
            std::numeric_limits<int64_t>::max());
  const std::string message = ExpectDataLoss<int64_t>("abc");
  EXPECT_EQ(message,
            "Codec: truncated input reading int64 at offset 0 (needs 8 "
            "bytes, 3 left)");
}

TEST(ArithmeticCodecTest, FloatingPointRoundTripsBitForBit) {
  const double nan_with_payload = [] {
    uint64_t bits = 0x7ff800000000beefULL;
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    return d;
  }();
  for (double value :
       {0.0, -0.0, 1.5, -1e308, std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN(),
        -std::numeric_limits<double>::quiet_NaN(), nan_with_payload,
        std::numeric_limits<double>::denorm_min(),
        std::numeric_limits<double>::epsilon()}) {
    const double decoded = RoundTrip(value);
    EXPECT_EQ(std::memcmp(&decoded, &value, sizeof(double)), 0) << value;
  }
  for (float value : {-0.0f, std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::denorm_min()}) {
    const float decoded = RoundTrip(value);
    EXPECT_EQ(std::memcmp(&decoded, &value, sizeof(float)), 0) << value;
  }
  // long double: the 10 bytes of x87 extended precision that hold the value.
  const long double value = -3.25L;
  const long double decoded = RoundTrip(value);
  EXPECT_EQ(decoded, value);
  const long double inf =
      RoundTrip(std::numeric_limits<long double>::infinity());
  EXPECT_TRUE(std::isinf(inf));
}

// A long double whose value bytes are those of `value` and whose padding
// bytes are `fill`, as memory that an x87 store wrote over leaves them.
long double WithPadding(long double value, unsigned char fill) {
  alignas(long double) unsigned char bytes[sizeof(long double)];
  std::memset(bytes, fill, sizeof(bytes));
  std::memcpy(bytes, &value, 10);
  long double out;
  std::memcpy(&out, bytes, sizeof(out));
  return out;
}

TEST(ArithmeticCodecTest, LongDoublePaddingIsWrittenAsZeros) {
  if (std::numeric_limits<long double>::digits != 64 ||
      sizeof(long double) <= 10) {
    GTEST_SKIP() << "long double is not the padded x87 format here";
  }
  const long double a = WithPadding(-3.25L, 0xAB);
  const long double b = WithPadding(-3.25L, 0x5C);
  const std::string bytes = Encode(a);
  ASSERT_EQ(bytes.size(), sizeof(long double));
  EXPECT_EQ(bytes.substr(10), std::string(sizeof(long double) - 10, '\0'));
  EXPECT_EQ(Encode(b), bytes);
  // Containers copy elements one by one, not the padded array.
  const std::vector<long double> values = {a, b};
  const std::string vector_bytes = Encode(values);
  EXPECT_EQ(vector_bytes, Varint(2) + bytes + bytes);
  EXPECT_EQ(Encode(std::array<long double, 2>{a, b}), bytes + bytes);
  // Padding on the wire is ignored.
  std::string dirty = bytes;
  dirty[sizeof(long double) - 1] = '\x7f';
  const absl::StatusOr<long double> decoded = Decode<long double>(dirty);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, -3.25L);
}

TEST(ArithmeticCodecTest, BoolIsOneByteAndRejectsOtherValues) {
  EXPECT_EQ(Encode(true), std::string(1, '\x01'));
  EXPECT_EQ(Encode(false), std::string(1, '\x00'));
  for (int byte = 2; byte < 256; ++byte) {
    const std::string message =
        ExpectDataLoss<bool>(std::string(1, static_cast<char>(byte)));
    EXPECT_EQ(message, absl::StrCat("Codec: bool at offset 0 is byte ", byte,
                                    ", neither 0 nor 1"));
  }
  // Also inside a container, where the message says where.
  std::string bytes = Varint(3) + std::string("\x01\x00\x07", 3);
  const std::string message = ExpectDataLoss<std::vector<bool>>(bytes);
  EXPECT_EQ(message,
            "Codec: bool at offset 3 is byte 7, neither 0 nor 1, in "
            "std::vector element 2");
  ExpectRoundTrip(std::vector<bool>{true, false, true, true});
  ExpectRoundTrip(std::array<bool, 3>{true, false, true});
}

// --- enums ---

TEST(EnumCodecTest, RoundTripsAsUnderlyingInteger) {
  EXPECT_EQ(Encode(Color::kBlue), std::string(1, '\x02'));
  ExpectRoundTrip(Color::kGreen);
  ExpectRoundTrip(Wide::kLow);
  ExpectRoundTrip(Wide::kHigh);
  EXPECT_EQ(Encode(Wide::kHigh).size(), 8u);
  ExpectRoundTrip(kFixedA);
  ExpectRoundTrip(kRangedB);
  ExpectRoundTrip(std::vector<Color>{Color::kRed, Color::kBlue});
}

TEST(EnumCodecTest, FixedUnderlyingTypeAcceptsAnyValue) {
  // Valid C++ values that no enumerator names.
  EXPECT_EQ(RoundTrip(static_cast<Wide>(42)), static_cast<Wide>(42));
  EXPECT_EQ(RoundTrip(static_cast<Fixed>(1000)), static_cast<Fixed>(1000));
}

TEST(EnumCodecTest, DeclaredRangeRejectsOtherValues) {
  const std::string message = ExpectDataLoss<Color>(std::string(1, '\x03'));
  EXPECT_EQ(message,
            "Codec: enum at offset 0 has value 3, outside its declared range "
            "[0, 2]");
  ExpectDataLoss<Color>(std::string(1, '\xff'));
  ExpectDataLoss<Ranged>(Encode(int{0}));
  ExpectDataLoss<Ranged>(Encode(int{4}));
  EXPECT_EQ(RoundTrip(kRangedC), kRangedC);
  // Truncated: the message says an enum was being read.
  EXPECT_TRUE(absl::StrContains(ExpectDataLoss<Wide>("abc"), ", in enum"));
}

// --- strings ---

TEST(StringCodecTest, RoundTripsAnyBytes) {
  ExpectRoundTrip(std::string());
  ExpectRoundTrip(std::string("hello"));
  ExpectRoundTrip(std::string("a\0b\0\0c", 6));
  ExpectRoundTrip(
      std::string("\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
                  "\xf0\x9f\x98\x80"));
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  ExpectRoundTrip(all_bytes);
  ExpectRoundTrip(std::string(300, 'x'));
  EXPECT_EQ(Encode(std::string("ab")),
            "\x02"
            "ab");
  EXPECT_EQ(Encode(std::string(300, 'x')).size(), 302u);
}

TEST(StringCodecTest, WideStringsRoundTrip) {
  ExpectRoundTrip(std::u16string(u"h\u00e9llo \u65e5\u672c"));
  ExpectRoundTrip(std::u32string(U"\U0001F600 x"));
  ExpectRoundTrip(std::wstring(L"wide"));
  // (gtest cannot print a std::u8string here: compare without printing.)
  EXPECT_TRUE(RoundTrip(std::u8string(u8"\u00e9")) == u8"\u00e9");
  EXPECT_EQ(Encode(std::u32string(U"ab")).size(), 1u + 8u);
}

TEST(StringCodecTest, TruncatedDataFailsWithMessage) {
  const std::string message = ExpectDataLoss<std::string>(
      "\x05"
      "abc");
  EXPECT_EQ(message,
            "Codec: std::string size at offset 0 claims 5 elements of at "
            "least 1 bytes each, but only 3 bytes are left");
  EXPECT_EQ(ExpectDataLoss<std::string>(""),
            "Codec: truncated input reading std::string size at offset 0 "
            "(needs at least 1 bytes, 0 left)");
}

// --- containers ---

TEST(ContainerCodecTest, VectorsRoundTrip) {
  ExpectRoundTrip(std::vector<int>{});
  ExpectRoundTrip(std::vector<int>{1, -2, std::numeric_limits<int>::min()});
  ExpectRoundTrip(std::vector<char>{'a', '\0', 'b'});
  ExpectRoundTrip(std::vector<double>{0.5, -1e-300});
  ExpectRoundTrip(std::vector<std::string>{"", "a", std::string(1000, 'z')});
  ExpectRoundTrip(std::vector<std::vector<int>>{{}, {1}, {2, 3}});
  ExpectRoundTrip(std::vector<geo::Empty>(5));
  ExpectRoundTrip(std::vector<std::tuple<>>(1000));
  // Bulk layout: size, then the elements' bytes.
  EXPECT_EQ(Encode(std::vector<int32_t>{1, 2}).size(), 1u + 8u);
}

TEST(ContainerCodecTest, ArraysRoundTrip) {
  ExpectRoundTrip(std::array<int, 4>{1, 2, 3, 4});
  ExpectRoundTrip(std::array<int, 0>{});
  ExpectRoundTrip(std::array<std::string, 2>{"x", ""});
  EXPECT_EQ(Encode(std::array<int16_t, 3>{}).size(), 6u);  // No size.
  const std::string message =
      ExpectDataLoss<std::array<std::string, 2>>("\x01x");
  EXPECT_TRUE(absl::StrContains(message, "in std::array element 1")) << message;
}

TEST(ContainerCodecTest, MapsAndSetsRoundTrip) {
  ExpectRoundTrip(std::map<std::string, int>{});
  ExpectRoundTrip(std::map<std::string, int>{{"a", 1}, {"b", -2}, {"", 3}});
  ExpectRoundTrip(std::map<int, std::vector<std::string>, std::greater<int>>{
      {1, {"x"}}, {5, {}}, {-3, {"y", "z"}}});
  ExpectRoundTrip(std::set<std::string>{"b", "a", "c"});
  ExpectRoundTrip(std::set<int>{});
  ExpectRoundTrip(
      std::unordered_map<std::string, double>{{"pi", 3.14}, {"e", 2.71}});
  ExpectRoundTrip(std::unordered_set<int>{5, 1, 9, 100});
}

TEST(ContainerCodecTest, MapRejectsDuplicateAndUnorderedKeys) {
  // Two entries with key 1: {1: 10, 1: 20}.
  std::string bytes = Varint(2);
  EncodeTo(int{1}, &bytes);
  EncodeTo(int{10}, &bytes);
  EncodeTo(int{1}, &bytes);
  EncodeTo(int{20}, &bytes);
  std::string message = ExpectDataLoss<std::map<int, int>>(bytes);
  EXPECT_EQ(message,
            "Codec: std::map at offset 9 has a key not greater than the one "
            "before it (duplicate or out of order), in std::map element 1");
  message = ExpectDataLoss<std::unordered_map<int, int>>(bytes);
  EXPECT_TRUE(absl::StrContains(message, "has a duplicate key")) << message;

  // Keys 2 then 1.
  bytes = Varint(2);
  EncodeTo(int{2}, &bytes);
  EncodeTo(int{1}, &bytes);
  ExpectDataLoss<std::set<int>>(bytes);
  EXPECT_EQ(RoundTrip(std::set<int>{1, 2}), (std::set<int>{1, 2}));
  bytes = Varint(2);
  EncodeTo(int{3}, &bytes);
  EncodeTo(int{3}, &bytes);
  ExpectDataLoss<std::unordered_set<int>>(bytes);
}

TEST(ContainerCodecTest, PairTupleOptionalVariantRoundTrip) {
  ExpectRoundTrip(std::pair<int, std::string>{-1, "one"});
  ExpectRoundTrip(std::tuple<>{});
  EXPECT_EQ(Encode(std::tuple<>{}), "");
  ExpectRoundTrip(
      std::tuple<int, double, std::string, bool>{1, 2.5, "x", true});
  ExpectRoundTrip(std::optional<int>());
  ExpectRoundTrip(std::optional<int>(0));
  ExpectRoundTrip(std::optional<std::optional<std::string>>(std::nullopt));
  ExpectRoundTrip(
      std::optional<std::optional<std::string>>(std::optional<std::string>()));
  ExpectRoundTrip(std::optional<std::optional<std::string>>("deep"));
  EXPECT_EQ(RoundTrip(std::monostate()), std::monostate());
  EXPECT_EQ(Encode(std::monostate()), "");
  using V = std::variant<std::monostate, int, std::string, std::vector<int>>;
  ExpectRoundTrip(V());
  ExpectRoundTrip(V(7));
  ExpectRoundTrip(V("seven"));
  ExpectRoundTrip(V(std::vector<int>{7, 7}));
  // Alternatives of one type keep their index.
  using Twice = std::variant<int, int>;
  const Twice second(std::in_place_index<1>, 5);
  EXPECT_EQ(RoundTrip(second).index(), 1u);
  EXPECT_EQ(std::get<1>(RoundTrip(second)), 5);
}

TEST(ContainerCodecTest, InvalidTagsFail) {
  EXPECT_EQ(ExpectDataLoss<std::optional<int>>("\x02"),
            "Codec: std::optional tag at offset 0 is 2, neither 0 nor 1");
  using V = std::variant<int, std::string>;
  EXPECT_EQ(ExpectDataLoss<V>("\x02"),
            "Codec: std::variant index at offset 0 is 2, the variant has 2 "
            "alternatives");
  std::string bytes = Varint(1);
  bytes += "\x01";
  const std::string message = ExpectDataLoss<V>(bytes);
  EXPECT_TRUE(absl::StrContains(message, "in std::variant alternative 1"))
      << message;
}

using Nested = std::vector<
    std::map<std::string, std::optional<std::tuple<int, double, std::string>>>>;

Nested MakeNested() {
  return Nested{
      {},
      {{"a", std::make_tuple(1, 1.5, std::string("one"))},
       {"b", std::nullopt},
       {"", std::make_tuple(-7, -0.0, std::string("z\0z", 3))}},
      {{"\xff\xfe", std::make_tuple(std::numeric_limits<int>::min(),
                                    std::numeric_limits<double>::infinity(),
                                    std::string())}},
  };
}

TEST(ContainerCodecTest, NestedContainersRoundTrip) {
  ExpectRoundTrip(MakeNested());
  ExpectRoundTrip(Nested{});
  ExpectRoundTrip(Nested(3));
}

TEST(ContainerCodecTest, ErrorsSayWhereInsideNestedValues) {
  const std::string bytes = Encode(MakeNested());
  // Cut inside the last string, of the tuple in the only entry of map 2.
  const std::string message = ExpectDataLoss<Nested>(
      absl::string_view(bytes).substr(0, bytes.size() - 1));
  EXPECT_TRUE(absl::StrContains(message, "Codec: truncated input reading "))
      << message;
  EXPECT_TRUE(absl::StrContains(
      message,
      ", in std::tuple element 2, in std::optional value, in std::map value "
      "0, in std::vector element 2"))
      << message;
}

// --- absl types ---

TEST(StatusCodecTest, OkAndEveryErrorCodeRoundTrip) {
  EXPECT_EQ(RoundTrip(absl::OkStatus()), absl::OkStatus());
  EXPECT_EQ(Encode(absl::OkStatus()), std::string(1, '\0'));
  for (int code = 1; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code),
                              absl::StrCat("failure ", code, " \xe2\x9c\x97"));
    const absl::Status decoded = RoundTrip(status);
    EXPECT_EQ(decoded.code(), status.code());
    EXPECT_EQ(decoded.message(), status.message());
    EXPECT_EQ(decoded, status);
  }
  ExpectRoundTrip(absl::InternalError(""));
}

TEST(StatusCodecTest, PayloadsCrossIntact) {
  absl::Status status = absl::FailedPreconditionError("bad state");
  status.SetPayload("type.googleapis.com/my.Detail",
                    absl::Cord(std::string("\0\x01\xff binary", 10)));
  status.SetPayload("type.googleapis.com/other", absl::Cord(""));
  absl::Cord fragmented("part one, ");
  fragmented.Append(std::string(5000, 'y'));
  status.SetPayload("fragmented", fragmented);

  const absl::Status decoded = RoundTrip(status);
  EXPECT_EQ(decoded, status);  // Code, message and payloads.
  ASSERT_TRUE(decoded.GetPayload("type.googleapis.com/my.Detail").has_value());
  EXPECT_EQ(*decoded.GetPayload("type.googleapis.com/my.Detail"),
            std::string("\0\x01\xff binary", 10));
  EXPECT_EQ(*decoded.GetPayload("type.googleapis.com/other"), "");
  EXPECT_EQ(*decoded.GetPayload("fragmented"), fragmented);
  int payloads = 0;
  decoded.ForEachPayload(
      [&](absl::string_view, const absl::Cord&) { ++payloads; });
  EXPECT_EQ(payloads, 3);
}

TEST(StatusCodecTest, PayloadsAreWrittenInTypeUrlOrder) {
  // absl's payload order depends on where the payloads live; the encoding
  // must not. The same payloads, set in both orders, on statuses copied to
  // other addresses, always give the same bytes.
  std::vector<std::string> encodings;
  for (int copy = 0; copy < 16; ++copy) {
    absl::Status forward = absl::UnavailableError("busy");
    forward.SetPayload("b", absl::Cord("2"));
    forward.SetPayload("a", absl::Cord("1"));
    forward.SetPayload("c", absl::Cord("3"));
    absl::Status backward = absl::UnavailableError("busy");
    backward.SetPayload("c", absl::Cord("3"));
    backward.SetPayload("a", absl::Cord("1"));
    backward.SetPayload("b", absl::Cord("2"));
    auto moved = std::make_unique<absl::Status>(backward);
    encodings.push_back(Encode(forward));
    encodings.push_back(Encode(*moved));
  }
  const std::string expected = Varint(14) + Varint(4) + "busy" + Varint(3) +
                               Varint(1) + "a" + Varint(1) + "1" + Varint(1) +
                               "b" + Varint(1) + "2" + Varint(1) + "c" +
                               Varint(1) + "3";
  for (const std::string& bytes : encodings) EXPECT_EQ(bytes, expected);
}

TEST(StatusCodecTest, DecodeFailureIsTheOuterStatus) {
  // Decode<absl::Status> gives StatusOr<Status>: the outer status says
  // whether decoding worked, even though the value is a status itself.
  const std::string bytes = Encode(absl::NotFoundError("gone"));
  absl::StatusOr<absl::Status> truncated =
      Decode<absl::Status>(absl::string_view(bytes).substr(0, 3));
  EXPECT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  absl::StatusOr<absl::Status> whole = Decode<absl::Status>(bytes);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(whole->message(), "gone");
}

TEST(StatusCodecTest, OutOfRangeCodesFail) {
  for (uint64_t code : {uint64_t{17}, uint64_t{20}, uint64_t{1000},
                        std::numeric_limits<uint64_t>::max()}) {
    std::string bytes = Varint(code);
    bytes += "\x00\x00";
    const std::string message = ExpectDataLoss<absl::Status>(bytes);
    EXPECT_EQ(message,
              absl::StrCat("Codec: absl::Status code at offset 0 is ", code,
                           ", not a code absl defines (0 to 16)"));
  }
}

TEST(StatusCodecTest, DuplicatePayloadTypeUrlFails) {
  std::string bytes = Varint(13);  // kInternal
  bytes += Varint(0);              // message ""
  bytes += Varint(2);              // two payloads, both "u"
  for (int i = 0; i < 2; ++i) bytes += std::string("\x01u\x01x", 4);
  const std::string message = ExpectDataLoss<absl::Status>(bytes);
  EXPECT_TRUE(absl::StrContains(message, "repeats type URL \"u\"")) << message;
}

TEST(StatusOrCodecTest, ValueAndErrorRoundTrip) {
  using Result = absl::StatusOr<std::vector<std::string>>;
  const Result value = std::vector<std::string>{"a", "b"};
  const Result decoded_value = RoundTrip(value);
  ASSERT_TRUE(decoded_value.ok()) << decoded_value.status();
  EXPECT_EQ(*decoded_value, *value);

  absl::Status error = absl::DeadlineExceededError("too slow");
  error.SetPayload("why", absl::Cord("timer"));
  const Result decoded_error = RoundTrip(Result(error));
  EXPECT_FALSE(decoded_error.ok());
  EXPECT_EQ(decoded_error.status(), error);

  // Nested: an error inside a value.
  using Outer = absl::StatusOr<absl::StatusOr<int>>;
  const Outer inner_error(absl::StatusOr<int>(absl::AbortedError("inner")));
  const Outer decoded = RoundTrip(inner_error);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->status().code(), absl::StatusCode::kAborted);
  const Outer inner_value(absl::StatusOr<int>(5));
  EXPECT_EQ(**RoundTrip(inner_value), 5);
}

TEST(AbslCodecTest, CordRoundTrips) {
  absl::Cord cord("first ");
  cord.Append(std::string(10000, 'c'));
  cord.Append(std::string("\0end", 4));
  EXPECT_EQ(RoundTrip(cord), cord);
  EXPECT_EQ(RoundTrip(absl::Cord()), absl::Cord());
}

TEST(AbslCodecTest, DurationsRoundTripExactly) {
  for (absl::Duration d :
       {absl::ZeroDuration(), absl::Nanoseconds(1) / 4,
        -absl::Nanoseconds(1) / 4, absl::Milliseconds(1500),
        -absl::Milliseconds(1500), absl::Seconds(-1) + absl::Nanoseconds(3),
        absl::Hours(24 * 365 * 1000) + absl::Nanoseconds(7),
        absl::InfiniteDuration(), -absl::InfiniteDuration(),
        absl::Seconds(std::numeric_limits<int64_t>::max()) +
            (absl::Seconds(1) - absl::Nanoseconds(1) / 4),
        absl::Seconds(std::numeric_limits<int64_t>::min())}) {
    EXPECT_EQ(RoundTrip(d), d) << d;
  }
  EXPECT_EQ(ExpectDataLoss<absl::Duration>("\x03"),
            "Codec: absl::Duration tag at offset 0 is 3, not 0, 1 or 2");
}

TEST(AbslCodecTest, InvalidDurationRepresentationsFail) {
  auto finite = [](int64_t seconds, int64_t ticks) {
    std::string bytes(1, '\0');
    EncodeTo(seconds, &bytes);
    EncodeTo(ticks, &bytes);
    return bytes;
  };
  ExpectDataLoss<absl::Duration>(finite(0, int64_t{4'000'000'000}));
  ExpectDataLoss<absl::Duration>(finite(1, -1));
  ExpectDataLoss<absl::Duration>(finite(-1, 1));
  EXPECT_EQ(*Decode<absl::Duration>(finite(-1, -2'000'000'000)),
            absl::Milliseconds(-1500));
}

TEST(AbslCodecTest, TimesRoundTrip) {
  const absl::Time now = absl::Now();
  EXPECT_EQ(RoundTrip(now), now);
  EXPECT_EQ(RoundTrip(absl::UnixEpoch()), absl::UnixEpoch());
  EXPECT_EQ(RoundTrip(absl::FromUnixSeconds(-12345) + absl::Nanoseconds(1)),
            absl::FromUnixSeconds(-12345) + absl::Nanoseconds(1));
  EXPECT_EQ(RoundTrip(absl::InfiniteFuture()), absl::InfiniteFuture());
  EXPECT_EQ(RoundTrip(absl::InfinitePast()), absl::InfinitePast());
}

// --- user types ---

TEST(UserTypeCodecTest, FieldsMacroRoundTrips) {
  const geo::Point point{1.5, -2, "home"};
  ExpectRoundTrip(point);
  // The fields in order, nothing else.
  EXPECT_EQ(Encode(point),
            Encode(std::make_tuple(1.5, -2.0, std::string("home"))));
  const geo::Route route{
      "north", {{0, 0, "a"}, {1, 1, "b"}}, geo::Point{9, 9, "depot"}};
  ExpectRoundTrip(route);
  ExpectRoundTrip(geo::Route{});
  ExpectRoundTrip(std::map<std::string, geo::Route>{{"r", route}});
  ExpectRoundTrip(geo::Empty{});
}

TEST(UserTypeCodecTest, FriendFieldsMacroReachesPrivateMembers) {
  const Account decoded = RoundTrip(Account(42, "ada"));
  EXPECT_EQ(decoded.id(), 42);
  EXPECT_EQ(decoded.owner(), "ada");
  ExpectRoundTrip(Box<std::string>{"boxed", 3});
  ExpectRoundTrip(Box<std::vector<int>>{{1, 2}, -1});
}

TEST(UserTypeCodecTest, RecursiveTypesRoundTrip) {
  const Node tree{1, {Node{2, {}}, Node{3, {Node{4, {}}}}}};
  ExpectRoundTrip(tree);
}

TEST(UserTypeCodecTest, SpecialisationIsUsedEverywhere) {
  EXPECT_EQ(Encode(Celsius{21.5}), Encode(int64_t{21500}));
  EXPECT_EQ(RoundTrip(Celsius{-3.25}).degrees, -3.25);
  const std::vector<Celsius> decoded =
      RoundTrip(std::vector<Celsius>{{1}, {2.5}});
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded[1].degrees, 2.5);
  // Its kMinEncodedSize lets containers reject impossible sizes.
  std::string bytes = Varint(3) + std::string(16, '\0');
  ExpectDataLoss<std::vector<Celsius>>(bytes);
}

TEST(UserTypeCodecTest, ErrorsNameTheField) {
  const std::string bytes = Encode(geo::Route{"r", {{1, 2, "label"}}, {}});
  // Cut in the label of the only stop (before the depot's tag byte).
  const std::string message = ExpectDataLoss<geo::Route>(
      absl::string_view(bytes).substr(0, bytes.size() - 3));
  EXPECT_TRUE(absl::StrContains(
      message,
      ", in field label of Point, in std::vector element 0, in field stops "
      "of Route"))
      << message;
}

// --- hostile input ---

// Every strict prefix of the encoding of `value` fails to decode, with
// DataLoss; the whole encoding decodes.
template <typename T>
void ExpectEveryStrictPrefixFails(const T& value) {
  const std::string bytes = Encode(value);
  ASSERT_TRUE(Decode<T>(bytes).ok());
  for (size_t length = 0; length < bytes.size(); ++length) {
    absl::StatusOr<T> decoded =
        Decode<T>(absl::string_view(bytes).substr(0, length));
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss)
        << "prefix of " << length << " of " << bytes.size() << " bytes";
  }
}

TEST(HostileInputTest, EveryStrictPrefixFails) {
  ExpectEveryStrictPrefixFails(MakeNested());
  ExpectEveryStrictPrefixFails(
      geo::Route{"r", {{1, 2, "ab"}}, geo::Point{3, 4, ""}});
  ExpectEveryStrictPrefixFails(absl::StatusOr<Nested>(MakeNested()));
  absl::Status status = absl::UnknownError("x");
  status.SetPayload("url", absl::Cord("payload"));
  ExpectEveryStrictPrefixFails(std::make_tuple(
      status, std::set<int>{1, 2}, std::variant<int, std::string>("v"),
      absl::Seconds(3), std::array<int16_t, 2>{1, 2}, Color::kBlue,
      std::unordered_map<std::string, bool>{{"k", true}}));
}

TEST(HostileInputTest, TrailingBytesFail) {
  std::string bytes = Encode(std::vector<int>{1, 2});
  bytes += "xyz";
  EXPECT_EQ(ExpectDataLoss<std::vector<int>>(bytes),
            "Codec: 3 trailing bytes after the value, at offset 9 of 12");
  std::string status_bytes = Encode(absl::OkStatus());
  status_bytes.push_back('\0');
  absl::StatusOr<absl::Status> status = Decode<absl::Status>(status_bytes);
  EXPECT_EQ(status.status().code(), absl::StatusCode::kDataLoss);
  ExpectDataLoss<std::tuple<>>("x");
}

TEST(HostileInputTest, HugeClaimedSizesFailWithoutAllocating) {
  const std::vector<std::pair<std::string, uint64_t>> claims = {
      {"small", 1000},
      {"large", uint64_t{1} << 40},
      {"max", std::numeric_limits<uint64_t>::max()}};
  for (const auto& [name, claim] : claims) {
    SCOPED_TRACE(name);
    std::string bytes = Varint(claim);
    bytes += std::string(64, '\x01');  // Some bytes, far fewer than claimed.
    std::vector<std::string> messages;
    g_largest_allocation = 0;
    g_track_allocations = true;
    {
      messages.reserve(16);  // Allocated while tracking, but small.
      messages.push_back(ExpectDataLoss<std::string>(bytes));
      messages.push_back(ExpectDataLoss<std::vector<int>>(bytes));
      messages.push_back(ExpectDataLoss<std::vector<char>>(bytes));
      messages.push_back(ExpectDataLoss<std::vector<std::string>>(bytes));
      messages.push_back(ExpectDataLoss<std::vector<geo::Point>>(bytes));
      messages.push_back(
          ExpectDataLoss<std::map<std::string, std::string>>(bytes));
      messages.push_back(ExpectDataLoss<std::set<int64_t>>(bytes));
      messages.push_back(ExpectDataLoss<std::unordered_map<int, int>>(bytes));
      messages.push_back(ExpectDataLoss<std::u32string>(bytes));
      // Elements that may encode to nothing: bounded all the same.
      if (claim > 64 + CodecReader::kMaxCountBeyondInput) {
        messages.push_back(ExpectDataLoss<std::vector<std::tuple<>>>(bytes));
        messages.push_back(ExpectDataLoss<std::vector<geo::Empty>>(bytes));
      }
    }
    g_track_allocations = false;
    EXPECT_LT(g_largest_allocation, size_t{4096});
    // The tracker does see a decode that allocates: a legitimate 1 MiB one.
    g_largest_allocation = 0;
    g_track_allocations = true;
    absl::StatusOr<std::vector<char>> legit =
        Decode<std::vector<char>>(Encode(std::vector<char>(1 << 20, 'x')));
    g_track_allocations = false;
    ASSERT_TRUE(legit.ok());
    EXPECT_GE(g_largest_allocation, size_t{1} << 20);
    for (const std::string& message : messages) {
      EXPECT_TRUE(absl::StrContains(message, absl::StrCat("claims ", claim)))
          << message;
    }
  }
}

TEST(HostileInputTest, RandomBytesNeverCrash) {
  std::mt19937_64 rng(20260101);
  int decoded_ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes)
      c = static_cast<char>(rng() % 4 == 0 ? rng() : rng() % 4);
    absl::StatusOr<Nested> nested = Decode<Nested>(bytes);
    absl::StatusOr<absl::StatusOr<geo::Route>> route =
        Decode<absl::StatusOr<geo::Route>>(bytes);
    for (const absl::Status& status : {nested.status(), route.status()}) {
      if (status.ok()) {
        ++decoded_ok;
      } else {
        EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
      }
    }
    // Whatever decodes is a value that round-trips.
    if (nested.ok()) {
      const std::string encoded = Encode(*nested);
      absl::StatusOr<Nested> again = Decode<Nested>(encoded);
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_EQ(Encode(*again), encoded);
    }
  }
  EXPECT_GT(decoded_ok, 0);
}

TEST(HostileInputTest, MutatedEncodingsNeverCrash) {
  std::mt19937_64 rng(7);
  const std::string valid = Encode(std::make_tuple(
      MakeNested(),
      absl::StatusOr<geo::Route>(geo::Route{"r", {{1, 2, "x"}}, {}}),
      absl::InvalidArgumentError("e")));
  using Whole = std::tuple<Nested, absl::StatusOr<geo::Route>, absl::Status>;
  ASSERT_TRUE(Decode<Whole>(valid).ok());
  for (int i = 0; i < 5000; ++i) {
    std::string bytes = valid;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    absl::StatusOr<Whole> decoded = Decode<Whole>(bytes);
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
    }
  }
}

// --- large values ---

TEST(LargeValueCodecTest, HundredMegabyteStringRoundTrips) {
  std::string big(100 << 20, '\0');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i);
  const std::string bytes = Encode(big);
  EXPECT_EQ(bytes.size(), big.size() + 4);  // A 4-byte varint.
  absl::StatusOr<std::string> decoded = Decode<std::string>(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(*decoded == big);
}

TEST(LargeValueCodecTest, HundredMegabyteVectorsRoundTrip) {
  std::vector<int> ints(25 << 20);
  for (size_t i = 0; i < ints.size(); ++i) ints[i] = static_cast<int>(i * 7);
  absl::StatusOr<std::vector<int>> decoded =
      Decode<std::vector<int>>(Encode(ints));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(*decoded == ints);
  ints.clear();
  ints.shrink_to_fit();
  decoded = std::vector<int>();

  std::vector<char> chars(100 << 20, 'q');
  absl::StatusOr<std::vector<char>> decoded_chars =
      Decode<std::vector<char>>(Encode(chars));
  ASSERT_TRUE(decoded_chars.ok()) << decoded_chars.status();
  EXPECT_TRUE(*decoded_chars == chars);
}

}  // namespace
