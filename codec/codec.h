// Copyright 2026 The multirun Authors.
//
// Codec: values to bytes and back, to carry results and arguments across a
// process boundary.
//
// A forked child (ForkExecutor, fork_executor.h) or a process pool worker
// computes a value in its own address space; the parent gets it back through
// a pipe. Codec<T> turns a T into bytes in the child and the bytes back into
// a T in the parent. Both sides run the same binary on the same machine, so
// the format is the host's. It is not a storage or network format: never
// keep the bytes or send them elsewhere.
//
// Example:
//
//   namespace weather {
//   struct Reading {
//     std::string station;
//     std::vector<double> celsius;
//   };
//   MULTIRUN_CODEC_FIELDS(Reading, station, celsius);
//   }  // namespace weather
//
//   absl::StatusOr<weather::Reading> RoundTrip(const weather::Reading& r) {
//     const std::string bytes = multirun::Encode(r);
//     return multirun::Decode<weather::Reading>(bytes);
//   }
//
// Wire format: fixed-width numbers are copied in their native
// (little-endian) layout; lengths, counts and indices are varints (LEB128, 1
// byte below 128); a container is its element count, then its elements; an
// optional or a variant is a tag or an index, then the value; a type that
// lists its fields is its fields in order. There are no field names, type
// tags, versions or schema. Each codec states its exact layout beside it
// (internal/codec_std.h, internal/codec_absl.h).
//
// What it encodes:
//   - every arithmetic type (bool, the char types, every integer width,
//     float, double, long double), bit for bit: NaN payloads and -0.0
//     survive;
//   - enums, as their underlying integer (see "Enums" below);
//   - std::string (and std::basic_string of any char type), std::vector,
//     std::array, std::map, std::set, std::unordered_map, std::unordered_set,
//     std::pair, std::tuple, std::optional, std::variant, std::monostate;
//   - absl::Status (code, message and every payload: type URL and bytes),
//     absl::StatusOr<T>, absl::Cord, absl::Duration and absl::Time (infinite
//     ones included);
//   - user types that add a codec (see "User types" below);
//   - any nesting of these: std::vector<std::map<std::string,
//     std::optional<std::tuple<int, double, std::string>>>> just works.
// The `Encodable<T>` concept says whether T has a codec; using one that does
// not fails to compile with a static_assert that says what to do.
//
// Cost: vectors, arrays and strings of arithmetic elements are copied with
// one memcpy each way; everything else is encoded element by element.
//
// Errors: encoding never fails (short of std::bad_alloc). Decoding is safe
// on hostile or truncated input: it never reads past the end of its input,
// never allocates for elements the input cannot hold (a length claiming more
// elements than there are bytes left fails before the container is
// allocated), and rejects bytes that are no valid value (a bool byte other
// than 0 or 1, an enum outside its declared range, a status code absl does
// not define, an optional tag other than 0 or 1, a variant index out of
// range, a map whose keys are not strictly increasing, types with fields
// nested more than CodecReader::kMaxNesting deep). Every such failure
// is absl::StatusCode::kDataLoss with a message that says what was being
// decoded, where, and inside what:
//   "Codec: truncated input reading std::string size at offset 9 (needs at
//    least 1 bytes, 0 left), in std::map value 0, in std::vector element 2"
// Decode<T>() also requires the whole input to be consumed: trailing bytes
// are DataLoss. Decoding throws nothing but std::bad_alloc (and whatever a
// user codec throws).
//
// Thread-safety: the codecs of this library keep no state, so Encode(),
// EncodeTo() and Decode() may run on any number of threads at once, as long
// as no two of them write the same output string. A CodecWriter or a
// CodecReader is used by one thread at a time.
//
// Enums: an enum with a fixed underlying type (every `enum class`, and
// `enum E : int`) accepts every value of that type, as C++ does. Declare a
// range with MULTIRUN_CODEC_ENUM_RANGE(E, first, last) to make Decode reject
// values outside [first, last]. An unscoped enum without a fixed underlying
// type has no codec until it declares a range, because an integer outside
// the range of its enumerators is undefined behaviour for it.
//
// User types, three ways:
//   1. MULTIRUN_CODEC_FIELDS(Type, field...) at namespace scope, in the
//      namespace of Type, lists its public data members;
//   2. MULTIRUN_CODEC_FRIEND_FIELDS(Type, field...) inside the class body
//      does the same for any members, private ones included, and works in
//      nested classes and class templates;
//   3. a specialisation of multirun::Codec<Type> (at global scope or inside
//      namespace multirun) with `static void Encode(const Type&,
//      CodecWriter&)` and `static absl::StatusOr<Type> Decode(CodecReader&)`,
//      for a type whose wire form is not just its members. It may declare
//      `static constexpr size_t kMinEncodedSize`, a lower bound of the bytes
//      any value takes, so that containers of it can reject impossible
//      lengths early; without it the bound is 0 (always correct).
// The fields macros require Type to be default-constructible and each listed
// member to be Encodable and assignable; the members are encoded in the
// order listed. Types may be recursive (a Node with a std::vector<Node>).
// Declare a codec before the first use of Encodable<Type>, Encode or Decode
// for Type, and never specialise Codec for a type this header covers. The
// macros are documented in internal/codec_fields.h.
//
// Classes: CodecWriter, CodecReader, Codec<T>. Functions: EncodeTo(),
// Encode(), Decode(). Concept: Encodable. Macros: MULTIRUN_CODEC_FIELDS,
// MULTIRUN_CODEC_FRIEND_FIELDS, MULTIRUN_CODEC_ENUM_RANGE.

#ifndef MULTIRUN_CODEC_CODEC_H_
#define MULTIRUN_CODEC_CODEC_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "multirun/codec/internal/codec_errors.h"

namespace multirun {

// The codec of T: specialisations define
//   static void Encode(const T& value, CodecWriter& out);
//   static absl::StatusOr<T> Decode(CodecReader& in);
// and optionally `static constexpr size_t kMinEncodedSize`. The primary
// template is empty: a T without a specialisation is not Encodable. `Enable`
// is for partial specialisations selected with std::enable_if_t.
//
// Example (a specialisation for a type whose wire form is not its members):
//
//   struct Celsius { double degrees; };
//   template <>
//   struct multirun::Codec<Celsius> {
//     static constexpr size_t kMinEncodedSize = sizeof(double);
//     static void Encode(const Celsius& value, CodecWriter& out) {
//       out.Write(value.degrees);
//     }
//     static absl::StatusOr<Celsius> Decode(CodecReader& in) {
//       absl::StatusOr<double> degrees = in.Read<double>();
//       if (!degrees.ok()) return degrees.status();
//       return Celsius{*degrees};
//     }
//   };
template <typename T, typename Enable = void>
struct Codec {};

// Appends the encoding of values to a std::string it does not own. Writing
// never fails (short of std::bad_alloc).
//
// Example:
//
//   std::string bytes;
//   CodecWriter out(&bytes);
//   out.WriteSize(3);                 // one byte: 0x03
//   out.WriteBytes("abc", 3);
//   out.Write(std::vector<int>{1, 2});  // Codec<std::vector<int>>
class CodecWriter {
 public:
  // `out` must outlive the writer; bytes are appended to what it holds.
  explicit CodecWriter(std::string* out) : out_(out) {}

  // Appends `size` bytes from `data` (which may be null when `size` is 0).
  void WriteBytes(const void* data, size_t size) {
    if (size != 0) out_->append(static_cast<const char*>(data), size);
  }

  // Appends `size` as a varint (LEB128: 7 bits a byte, low bits first; 1 to
  // 10 bytes). Use it for lengths and counts; CodecReader::ReadSize() reads
  // it back.
  void WriteSize(uint64_t size);

  // Appends the encoding of `value`: Codec<T>::Encode(value, *this).
  template <typename T>
  void Write(const T& value);

  // The string being appended to.
  std::string* output() const { return out_; }

 private:
  std::string* out_;
};

// Reads values from a view of bytes, front to back. It never reads past the
// end of the view: a read that needs more bytes than remain fails with
// DataLoss and consumes nothing. The view must outlive the reader.
//
// Each read has a variant that takes `what`, a description of the thing
// being read ("std::vector size"), used in its error message.
//
// Example:
//
//   CodecReader in(bytes);
//   absl::StatusOr<uint64_t> size = in.ReadSize("my header size");
//   if (!size.ok()) return size.status();
//   absl::StatusOr<std::vector<int>> values = in.Read<std::vector<int>>();
//   if (!values.ok()) return values.status();
//   if (in.remaining() != 0) return absl::DataLossError("trailing bytes");
class CodecReader {
 public:
  explicit CodecReader(absl::string_view in) : in_(in) {}

  // Copies the next `size` bytes into `data` (which may be null when `size`
  // is 0). DataLoss when fewer than `size` bytes remain.
  absl::Status ReadBytes(void* data, size_t size) {
    return ReadBytes(data, size, "bytes");
  }
  absl::Status ReadBytes(void* data, size_t size, absl::string_view what);

  // The next `size` bytes, without copying: a view into the input. DataLoss
  // when fewer than `size` bytes remain.
  absl::StatusOr<absl::string_view> ReadView(size_t size,
                                             absl::string_view what);

  // Reads a varint written by CodecWriter::WriteSize(). DataLoss when the
  // input ends inside it or it does not fit in 64 bits.
  absl::StatusOr<uint64_t> ReadSize() { return ReadSize("size"); }
  absl::StatusOr<uint64_t> ReadSize(absl::string_view what);

  // Reads the element count of a container, `what` ("std::vector"), whose
  // elements each take at least `min_element_size` bytes, and checks it
  // against the input before anything is allocated: DataLoss when
  // count * min_element_size exceeds remaining(). When min_element_size is
  // 0 (elements that may encode to nothing) the count may exceed remaining()
  // by at most kMaxCountBeyondInput, and all such counts a reader accepts
  // add up to at most the input's size plus kMaxCountBeyondInput (so that
  // nested containers of empty elements cannot multiply the allowance).
  absl::StatusOr<uint64_t> ReadCount(absl::string_view what,
                                     size_t min_element_size);

  // Reads a value: Codec<T>::Decode(*this).
  template <typename T>
  absl::StatusOr<T> Read();

  // Bytes not read yet.
  size_t remaining() const { return in_.size() - offset_; }

  // Bytes read so far: the offset of the next byte in the input.
  size_t offset() const { return offset_; }

  // For the codecs of types that may contain themselves (the fields codec
  // of a recursive type): one more level of nesting, `what`, or DataLoss
  // when that makes more than kMaxNesting levels, so that hostile input
  // cannot exhaust the stack. Pair each OK call with LeaveNesting().
  absl::Status EnterNesting(absl::string_view what);
  void LeaveNesting() { --nesting_; }

  // How many elements that may encode to nothing ReadCount() accepts beyond
  // the bytes that remain.
  static constexpr uint64_t kMaxCountBeyondInput = uint64_t{1} << 20;

  // The deepest nesting of types with fields that Decode accepts.
  static constexpr size_t kMaxNesting = 256;

 private:
  absl::string_view in_;
  size_t offset_ = 0;
  // How many more elements that may encode to nothing ReadCount() accepts.
  uint64_t empty_elements_left_ = in_.size() + kMaxCountBeyondInput;
  size_t nesting_ = 0;
};

// Whether T has a usable codec: Codec<T> defines Encode and Decode.
template <typename T>
concept Encodable = requires(const T& value, CodecWriter& out,
                             CodecReader& in) {
  Codec<T>::Encode(value, out);
  { Codec<T>::Decode(in) } -> std::same_as<absl::StatusOr<T>>;
};

// A lower bound of the number of bytes any T encodes to: the codec's
// kMinEncodedSize, or 0 when it declares none.
template <typename T>
constexpr size_t CodecMinEncodedSize() {
  if constexpr (requires { Codec<T>::kMinEncodedSize; }) {
    return Codec<T>::kMinEncodedSize;
  } else {
    return 0;
  }
}

// The valid values of an enum E, declared with MULTIRUN_CODEC_ENUM_RANGE.
template <typename E>
struct CodecEnumRange {
  E first;
  E last;
};

namespace codec_internal {

// Asserts at compile time that T has a codec, with a message saying how to
// add one.
template <typename T>
constexpr void AssertEncodable() {
  static_assert(
      !std::is_enum_v<T> || Encodable<T>,
      "multirun::Codec: this enum has no fixed underlying type, so not "
      "every integer is a valid value of it; give it one (enum E : int {...}) "
      "or declare its valid values with MULTIRUN_CODEC_ENUM_RANGE(E, first, "
      "last) in its namespace (see multirun/codec/codec.h)");
  static_assert(
      std::is_enum_v<T> || Encodable<T>,
      "multirun::Codec: no codec for this type (or for a type it contains). "
      "Add one: list its members with MULTIRUN_CODEC_FIELDS(Type, field...) "
      "in its namespace or MULTIRUN_CODEC_FRIEND_FIELDS(Type, field...) "
      "inside the class (both need a default constructor), or specialise "
      "multirun::Codec<Type> (see multirun/codec/codec.h)");
}

}  // namespace codec_internal

// The codecs are only called when T has one, so that a missing codec is
// reported by AssertEncodable() alone.

template <typename T>
void CodecWriter::Write(const T& value) {
  codec_internal::AssertEncodable<T>();
  if constexpr (Encodable<T>) Codec<T>::Encode(value, *this);
}

template <typename T>
absl::StatusOr<T> CodecReader::Read() {
  codec_internal::AssertEncodable<T>();
  if constexpr (Encodable<T>) {
    return Codec<T>::Decode(*this);
  } else {
    return codec_internal::Error<T>(absl::UnimplementedError("no codec"));
  }
}

// Appends the encoding of `value` to `*out` (what was there stays).
//
// Example:
//
//   std::string bytes;
//   multirun::EncodeTo(std::map<std::string, int>{{"a", 1}}, &bytes);
template <typename T>
void EncodeTo(const T& value, std::string* out) {
  codec_internal::AssertEncodable<T>();
  if constexpr (Encodable<T>) {
    CodecWriter writer(out);
    Codec<T>::Encode(value, writer);
  }
}

// The encoding of `value`.
template <typename T>
std::string Encode(const T& value) {
  std::string out;
  EncodeTo(value, &out);
  return out;
}

// Decodes a T from `bytes`, which must hold exactly one encoded T.
// DataLoss when the bytes are truncated, hold an invalid value, or have
// bytes left after the value. Other codes only come from user codecs.
//
// Example:
//
//   absl::StatusOr<std::vector<int>> values =
//       multirun::Decode<std::vector<int>>(bytes);
//   if (!values.ok()) return values.status();
//
// For T = absl::Status the result is an absl::StatusOr<absl::Status>: ok()
// says whether decoding worked, the value is the decoded status.
template <typename T>
absl::StatusOr<T> Decode(absl::string_view bytes) {
  codec_internal::AssertEncodable<T>();
  if constexpr (Encodable<T>) {
    CodecReader reader(bytes);
    absl::StatusOr<T> result = Codec<T>::Decode(reader);
    if (result.ok() && reader.remaining() != 0) {
      return codec_internal::Error<T>(codec_internal::TrailingBytesError(
          reader.offset(), reader.remaining()));
    }
    return result;
  } else {
    return codec_internal::Error<T>(absl::UnimplementedError("no codec"));
  }
}

}  // namespace multirun

// The codecs of the standard and Abseil types, and the macros that give user
// types a codec.
#include "multirun/codec/internal/codec_absl.h"    // IWYU pragma: export
#include "multirun/codec/internal/codec_fields.h"  // IWYU pragma: export
#include "multirun/codec/internal/codec_std.h"     // IWYU pragma: export

#endif  // MULTIRUN_CODEC_CODEC_H_
