// Copyright 2026 The multirun Authors.
//
// Codec: values to bytes and back, to carry results and arguments across a
// process boundary.
//
// A forked child (ForkExecutor, fork_executor.h) or a process pool worker
// computes a value in its own address space; the parent gets it back through
// a pipe. Codec<T> turns a T into bytes in the child and the bytes back into
// a T in the parent. Both sides run the same binary on the same machine, so
// the format is the host's: fixed-width numbers are copied in their native
// (little-endian) layout, there is no versioning and no schema. It is not a
// storage or network format: never keep the bytes or send them elsewhere.
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
// one memcpy each way (a 100 MB std::string or std::vector<int> takes
// milliseconds); everything else is encoded element by element. Lengths are
// varints (1 byte below 128).
//
// Decoding is safe on hostile or truncated input: it never reads past the
// end of its input, never allocates for elements the input cannot hold (a
// length claiming more elements than there are bytes left fails before the
// container is allocated), and rejects bytes that are no valid value (a bool
// byte other than 0 or 1, an enum outside its declared range, a status code
// absl does not define, an optional tag other than 0 or 1, a variant index
// out of range, a map whose keys are not strictly increasing). Every such
// failure is absl::StatusCode::kDataLoss with a message that says what was
// being decoded, where, and inside what:
//   "Codec: truncated input reading std::string size at offset 9 (needs at
//    least 1 bytes, 0 left), in std::map value 0, in std::vector element 2"
// Decode<T>() also requires the whole input to be consumed: trailing bytes
// are DataLoss. Decoding throws nothing but std::bad_alloc (and whatever a
// user codec throws).
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
// for Type, and never specialise Codec for a type this header covers.
//
// Classes: CodecWriter, CodecReader, Codec<T>. Functions: EncodeTo(),
// Encode(), Decode(). Concept: Encodable.

#ifndef MULTIRUN_CODEC_CODEC_H_
#define MULTIRUN_CODEC_CODEC_H_

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
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
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/utility/utility.h"

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
  // by at most kMaxCountBeyondInput.
  absl::StatusOr<uint64_t> ReadCount(absl::string_view what,
                                     size_t min_element_size);

  // Reads a value: Codec<T>::Decode(*this).
  template <typename T>
  absl::StatusOr<T> Read();

  // Bytes not read yet.
  size_t remaining() const { return in_.size() - offset_; }

  // Bytes read so far: the offset of the next byte in the input.
  size_t offset() const { return offset_; }

  // How many elements that may encode to nothing ReadCount() accepts beyond
  // the bytes that remain.
  static constexpr uint64_t kMaxCountBeyondInput = uint64_t{1} << 20;

 private:
  absl::string_view in_;
  size_t offset_ = 0;
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

// An absl::StatusOr<T> holding the error `status` (which must not be OK).
// Unlike `return status;` this is an error even when T is absl::Status, for
// which absl::StatusOr<absl::Status>(status) holds `status` as a value.
struct ErrorOf {
  absl::Status status;
  operator absl::Status() && { return std::move(status); }  // NOLINT
};
template <typename T>
absl::StatusOr<T> Error(absl::Status status) {
  return absl::StatusOr<T>(ErrorOf{std::move(status)});
}

// `status` with ", in <context>" (or ", in <context> <index>") appended to
// its message; code and payloads are kept.
absl::Status Annotate(const absl::Status& status, absl::string_view context);
absl::Status Annotate(const absl::Status& status, absl::string_view context,
                      size_t index);

// DataLoss: "Codec: <what> at offset <offset> <problem>".
absl::Status InvalidValueError(absl::string_view what, size_t offset,
                               absl::string_view problem);

// DataLoss for Decode<T>() when bytes remain after the value.
absl::Status TrailingBytesError(size_t offset, size_t remaining);

// The name of an arithmetic type, for error messages.
template <typename T>
constexpr absl::string_view ArithmeticName() {
  if constexpr (std::is_same_v<T, bool>) {
    return "bool";
  } else if constexpr (std::is_same_v<T, char>) {
    return "char";
  } else if constexpr (std::is_same_v<T, signed char>) {
    return "signed char";
  } else if constexpr (std::is_same_v<T, unsigned char>) {
    return "unsigned char";
  } else if constexpr (std::is_same_v<T, char8_t>) {
    return "char8_t";
  } else if constexpr (std::is_same_v<T, char16_t>) {
    return "char16_t";
  } else if constexpr (std::is_same_v<T, char32_t>) {
    return "char32_t";
  } else if constexpr (std::is_same_v<T, wchar_t>) {
    return "wchar_t";
  } else if constexpr (std::is_same_v<T, float>) {
    return "float";
  } else if constexpr (std::is_same_v<T, double>) {
    return "double";
  } else if constexpr (std::is_same_v<T, long double>) {
    return "long double";
  } else if constexpr (std::is_signed_v<T>) {
    if constexpr (sizeof(T) == 1) return "int8";
    if constexpr (sizeof(T) == 2) return "int16";
    if constexpr (sizeof(T) == 4) return "int32";
    if constexpr (sizeof(T) == 8) return "int64";
    return "signed integer";
  } else {
    if constexpr (sizeof(T) == 1) return "uint8";
    if constexpr (sizeof(T) == 2) return "uint16";
    if constexpr (sizeof(T) == 4) return "uint32";
    if constexpr (sizeof(T) == 8) return "uint64";
    return "unsigned integer";
  }
}

// Elements copied with one memcpy: arithmetic types but bool, whose bytes
// must be checked.
template <typename T>
inline constexpr bool kBulk =
    std::is_arithmetic_v<T> && !std::is_same_v<T, bool>;

// Decodes a T into `slot`; on failure returns the error annotated with
// "<context> <index>".
template <typename T>
absl::Status DecodeInto(CodecReader& in, std::optional<T>& slot,
                        absl::string_view context, size_t index) {
  absl::StatusOr<T> decoded = Codec<T>::Decode(in);
  if (!decoded.ok()) return Annotate(decoded.status(), context, index);
  slot.emplace(*std::move(decoded));
  return absl::OkStatus();
}

// Whether an enum has a fixed underlying type: only then may it be
// list-initialised from an integer.
template <typename E>
concept FixedEnum = std::is_enum_v<E> && requires {
  E{std::underlying_type_t<E>{}};
};

// Whether an enum declared its range with MULTIRUN_CODEC_ENUM_RANGE.
template <typename E>
concept RangedEnum = std::is_enum_v<E> && requires(E e) {
  { MultirunCodecEnumRange(e) } -> std::same_as<CodecEnumRange<E>>;
};

template <typename T>
struct IsTuple : std::false_type {};
template <typename... Ts>
struct IsTuple<std::tuple<Ts...>> : std::true_type {};

// The second argument of the functions the fields macros define, found by
// argument-dependent lookup: the exact type, so that a class derived from a
// type with fields does not silently encode only its base's fields.
template <typename T>
struct FieldsTag {};

// Whether T listed its fields with MULTIRUN_CODEC_FIELDS or
// MULTIRUN_CODEC_FRIEND_FIELDS. Whether the fields are Encodable is checked
// when the codec is used, so that recursive types work.
template <typename T>
concept HasFields = std::is_class_v<T> && std::default_initializable<T> &&
    requires(T& value, const T& const_value) {
  {MultirunCodecFields(value, FieldsTag<T>())};
  {MultirunCodecFields(const_value, FieldsTag<T>())};
} && IsTuple<decltype(MultirunCodecFields(std::declval<T&>(),
                                          FieldsTag<T>()))>::value;

// The names the fields macros record: "Point" and "x, y".
struct FieldNames {
  const char* type;
  const char* fields;
};

// "field y of Point" for field 1 of {"Point", "x, y"}; "field 1" without
// names.
std::string FieldContext(const FieldNames* names, size_t index);

template <typename T>
const FieldNames* FieldNamesOf() {
  if constexpr (requires {
                  {
                    MultirunCodecFieldNames(FieldsTag<T>())
                    } -> std::same_as<FieldNames>;
                }) {
    static constexpr FieldNames kNames =
        MultirunCodecFieldNames(FieldsTag<T>());
    return &kNames;
  } else {
    return nullptr;
  }
}

template <typename Tuple>
struct FieldsMinSize;
template <typename... Fs>
struct FieldsMinSize<std::tuple<Fs...>> {
  static constexpr size_t value =
      (size_t{0} + ... + CodecMinEncodedSize<std::remove_cvref_t<Fs>>());
};

// Decodes the elements of a map or set into `result`, which must be empty.
// `Decode(in, index)` returns absl::StatusOr<Element>; `Key(element)` its
// key. Sorted containers require strictly increasing keys (and insert at the
// end); unordered ones reject duplicates.
template <typename Container, bool kSorted, typename DecodeElement,
          typename KeyOf>
absl::Status DecodeAssociative(CodecReader& in, absl::string_view what,
                               size_t min_element_size, Container& result,
                               DecodeElement decode, KeyOf key_of) {
  absl::StatusOr<uint64_t> count = in.ReadCount(what, min_element_size);
  if (!count.ok()) return count.status();
  if constexpr (!kSorted) {
    if (min_element_size != 0) result.reserve(*count);
  }
  for (uint64_t i = 0; i < *count; ++i) {
    const size_t element_offset = in.offset();
    auto element = decode(in, i);
    if (!element.ok()) return element.status();
    if constexpr (kSorted) {
      if (!result.empty() &&
          !result.key_comp()(key_of(*std::prev(result.end())),
                             key_of(*element))) {
        return Annotate(
            InvalidValueError(what, element_offset,
                              "has a key not greater than the one before "
                              "it (duplicate or out of order)"),
            absl::StrCat(what, " element"), i);
      }
      result.emplace_hint(result.end(), *std::move(element));
    } else {
      if (!result.emplace(*std::move(element)).second) {
        return Annotate(
            InvalidValueError(what, element_offset, "has a duplicate key"),
            absl::StrCat(what, " element"), i);
      }
    }
  }
  return absl::OkStatus();
}

// Decodes entry `index` of a map, `what` ("std::map"): key, then value.
template <typename K, typename V>
absl::StatusOr<std::pair<K, V>> DecodeMapEntry(CodecReader& in,
                                               absl::string_view what,
                                               uint64_t index) {
  absl::StatusOr<K> key = Codec<K>::Decode(in);
  if (!key.ok()) {
    return Error<std::pair<K, V>>(
        Annotate(key.status(), absl::StrCat(what, " key"), index));
  }
  absl::StatusOr<V> mapped = Codec<V>::Decode(in);
  if (!mapped.ok()) {
    return Error<std::pair<K, V>>(
        Annotate(mapped.status(), absl::StrCat(what, " value"), index));
  }
  return absl::StatusOr<std::pair<K, V>>(absl::in_place, *std::move(key),
                                         *std::move(mapped));
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

// ---------------------------------------------------------------------------
// Codecs of the standard and Abseil types. Each states how a value is laid
// out; "size" is a CodecWriter::WriteSize() varint.

// Arithmetic types: their sizeof(T) bytes as the host lays them out. A bool
// is one byte, 0 or 1.
template <typename T>
requires std::is_arithmetic_v<T>
struct Codec<T> {
  static constexpr size_t kMinEncodedSize =
      std::is_same_v<T, bool> ? 1 : sizeof(T);

  static void Encode(const T& value, CodecWriter& out) {
    if constexpr (std::is_same_v<T, bool>) {
      const unsigned char byte = value ? 1 : 0;
      out.WriteBytes(&byte, 1);
    } else {
      out.WriteBytes(&value, sizeof(T));
    }
  }

  static absl::StatusOr<T> Decode(CodecReader& in) {
    if constexpr (std::is_same_v<T, bool>) {
      unsigned char byte = 0;
      const size_t offset = in.offset();
      absl::Status status = in.ReadBytes(&byte, 1, "bool");
      if (!status.ok()) return status;
      if (byte > 1) {
        return codec_internal::InvalidValueError(
            "bool", offset,
            absl::StrCat("is byte ", static_cast<int>(byte),
                         ", neither 0 nor 1"));
      }
      return byte == 1;
    } else {
      T value{};
      absl::Status status =
          in.ReadBytes(&value, sizeof(T), codec_internal::ArithmeticName<T>());
      if (!status.ok()) return status;
      return value;
    }
  }
};

// Enums: the underlying integer. Enums without a fixed underlying type need
// MULTIRUN_CODEC_ENUM_RANGE; with a declared range, values outside it are
// DataLoss.
template <typename E>
requires codec_internal::FixedEnum<E> || codec_internal::RangedEnum<E>
struct Codec<E> {
  using Underlying = std::underlying_type_t<E>;
  static constexpr size_t kMinEncodedSize = CodecMinEncodedSize<Underlying>();

  static void Encode(const E& value, CodecWriter& out) {
    Codec<Underlying>::Encode(static_cast<Underlying>(value), out);
  }

  static absl::StatusOr<E> Decode(CodecReader& in) {
    const size_t offset = in.offset();
    absl::StatusOr<Underlying> raw = Codec<Underlying>::Decode(in);
    if (!raw.ok()) return codec_internal::Annotate(raw.status(), "enum");
    if constexpr (codec_internal::RangedEnum<E>) {
      constexpr CodecEnumRange<E> kRange = MultirunCodecEnumRange(E{});
      const Underlying first = static_cast<Underlying>(kRange.first);
      const Underlying last = static_cast<Underlying>(kRange.last);
      if (*raw < first || *raw > last) {
        return codec_internal::InvalidValueError(
            "enum", offset,
            absl::StrCat("has value ", +*raw, ", outside its declared range [",
                         +first, ", ", +last, "]"));
      }
    }
    return static_cast<E>(*raw);
  }
};

// std::basic_string of an arithmetic char type: size, then the characters.
template <typename C, typename Traits, typename A>
requires std::is_arithmetic_v<C>
struct Codec<std::basic_string<C, Traits, A>> {
  using String = std::basic_string<C, Traits, A>;
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const String& value, CodecWriter& out) {
    out.WriteSize(value.size());
    out.WriteBytes(value.data(), value.size() * sizeof(C));
  }

  static absl::StatusOr<String> Decode(CodecReader& in) {
    absl::StatusOr<uint64_t> size = in.ReadCount("std::string", sizeof(C));
    if (!size.ok()) return size.status();
    absl::StatusOr<absl::string_view> bytes =
        in.ReadView(*size * sizeof(C), "std::string data");
    if (!bytes.ok()) return bytes.status();
    if constexpr (sizeof(C) == 1) {
      return String(reinterpret_cast<const C*>(bytes->data()), bytes->size());
    } else {
      absl::StatusOr<String> result(absl::in_place, *size, C{});
      std::memcpy(result->data(), bytes->data(), bytes->size());
      return result;
    }
  }
};

// std::vector: size, then the elements (one memcpy for arithmetic ones).
template <Encodable T, typename A>
struct Codec<std::vector<T, A>> {
  using Vector = std::vector<T, A>;
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const Vector& value, CodecWriter& out) {
    out.WriteSize(value.size());
    if constexpr (codec_internal::kBulk<T>) {
      out.WriteBytes(value.data(), value.size() * sizeof(T));
    } else {
      for (const auto& element : value) Codec<T>::Encode(element, out);
    }
  }

  static absl::StatusOr<Vector> Decode(CodecReader& in) {
    constexpr size_t kMin = CodecMinEncodedSize<T>();
    absl::StatusOr<uint64_t> size = in.ReadCount("std::vector", kMin);
    if (!size.ok()) return size.status();
    absl::StatusOr<Vector> result(absl::in_place);
    if constexpr (codec_internal::kBulk<T>) {
      result->resize(*size);
      absl::Status status =
          in.ReadBytes(result->data(), *size * sizeof(T), "std::vector data");
      if (!status.ok()) return status;
    } else {
      if (kMin != 0) result->reserve(*size);
      for (uint64_t i = 0; i < *size; ++i) {
        absl::StatusOr<T> element = Codec<T>::Decode(in);
        if (!element.ok()) {
          return codec_internal::Annotate(element.status(),
                                          "std::vector element", i);
        }
        result->push_back(*std::move(element));
      }
    }
    return result;
  }
};

// std::array: the N elements, no size (one memcpy for arithmetic ones).
template <Encodable T, size_t N>
requires std::default_initializable<T>
struct Codec<std::array<T, N>> {
  using Array = std::array<T, N>;
  static constexpr size_t kMinEncodedSize = N * CodecMinEncodedSize<T>();

  static void Encode(const Array& value, CodecWriter& out) {
    if constexpr (codec_internal::kBulk<T>) {
      out.WriteBytes(value.data(), N * sizeof(T));
    } else {
      for (const T& element : value) Codec<T>::Encode(element, out);
    }
  }

  static absl::StatusOr<Array> Decode(CodecReader& in) {
    absl::StatusOr<Array> result(absl::in_place);
    if constexpr (codec_internal::kBulk<T>) {
      absl::Status status =
          in.ReadBytes(result->data(), N * sizeof(T), "std::array data");
      if (!status.ok()) return status;
    } else {
      for (size_t i = 0; i < N; ++i) {
        absl::StatusOr<T> element = Codec<T>::Decode(in);
        if (!element.ok()) {
          return codec_internal::Annotate(element.status(),
                                          "std::array element", i);
        }
        (*result)[i] = *std::move(element);
      }
    }
    return result;
  }
};

// std::pair: first, then second.
template <Encodable A, Encodable B>
struct Codec<std::pair<A, B>> {
  static constexpr size_t kMinEncodedSize =
      CodecMinEncodedSize<A>() + CodecMinEncodedSize<B>();

  static void Encode(const std::pair<A, B>& value, CodecWriter& out) {
    Codec<A>::Encode(value.first, out);
    Codec<B>::Encode(value.second, out);
  }

  static absl::StatusOr<std::pair<A, B>> Decode(CodecReader& in) {
    absl::StatusOr<A> first = Codec<A>::Decode(in);
    if (!first.ok()) {
      return codec_internal::Error<std::pair<A, B>>(
          codec_internal::Annotate(first.status(), "std::pair first"));
    }
    absl::StatusOr<B> second = Codec<B>::Decode(in);
    if (!second.ok()) {
      return codec_internal::Error<std::pair<A, B>>(
          codec_internal::Annotate(second.status(), "std::pair second"));
    }
    return absl::StatusOr<std::pair<A, B>>(absl::in_place, *std::move(first),
                                           *std::move(second));
  }
};

// std::tuple: the elements in order.
template <Encodable... Ts>
struct Codec<std::tuple<Ts...>> {
  using Tuple = std::tuple<Ts...>;
  static constexpr size_t kMinEncodedSize =
      (size_t{0} + ... + CodecMinEncodedSize<Ts>());

  static void Encode(const Tuple& value, CodecWriter& out) {
    std::apply(
        [&](const Ts&... elements) { (Codec<Ts>::Encode(elements, out), ...); },
        value);
  }

  static absl::StatusOr<Tuple> Decode(CodecReader& in) {
    return DecodeElements(in, std::index_sequence_for<Ts...>{});
  }

 private:
  template <size_t... I>
  static absl::StatusOr<Tuple> DecodeElements(CodecReader& in,
                                              std::index_sequence<I...>) {
    std::tuple<std::optional<Ts>...> parts;
    absl::Status status;
    // Stops at the first failure: && short-circuits, left to right.
    (void)((status = codec_internal::DecodeInto(in, std::get<I>(parts),
                                                "std::tuple element", I))
               .ok() &&
           ...);
    if (!status.ok()) return codec_internal::Error<Tuple>(std::move(status));
    return absl::StatusOr<Tuple>(absl::in_place,
                                 *std::move(std::get<I>(parts))...);
  }
};

// std::optional: a tag byte (0 empty, 1 engaged), then the value if any.
template <Encodable T>
struct Codec<std::optional<T>> {
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const std::optional<T>& value, CodecWriter& out) {
    const unsigned char tag = value.has_value() ? 1 : 0;
    out.WriteBytes(&tag, 1);
    if (value.has_value()) Codec<T>::Encode(*value, out);
  }

  static absl::StatusOr<std::optional<T>> Decode(CodecReader& in) {
    const size_t offset = in.offset();
    unsigned char tag = 0;
    absl::Status status = in.ReadBytes(&tag, 1, "std::optional tag");
    if (!status.ok()) return status;
    if (tag == 0) return absl::StatusOr<std::optional<T>>(absl::in_place);
    if (tag != 1) {
      return codec_internal::InvalidValueError(
          "std::optional tag", offset,
          absl::StrCat("is ", static_cast<int>(tag), ", neither 0 nor 1"));
    }
    absl::StatusOr<T> value = Codec<T>::Decode(in);
    if (!value.ok()) {
      return codec_internal::Annotate(value.status(), "std::optional value");
    }
    return absl::StatusOr<std::optional<T>>(absl::in_place, std::in_place,
                                            *std::move(value));
  }
};

// std::monostate: nothing.
template <>
struct Codec<std::monostate> {
  static constexpr size_t kMinEncodedSize = 0;
  static void Encode(const std::monostate&, CodecWriter&) {}
  static absl::StatusOr<std::monostate> Decode(CodecReader&) {
    return std::monostate();
  }
};

// std::variant: the index as a size, then the alternative. Encoding a
// variant that is valueless_by_exception() throws std::bad_variant_access.
template <Encodable... Ts>
struct Codec<std::variant<Ts...>> {
  using Variant = std::variant<Ts...>;
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const Variant& value, CodecWriter& out) {
    if (value.valueless_by_exception()) throw std::bad_variant_access();
    out.WriteSize(value.index());
    EncodeAlternative(value, out, std::index_sequence_for<Ts...>{});
  }

  static absl::StatusOr<Variant> Decode(CodecReader& in) {
    const size_t offset = in.offset();
    absl::StatusOr<uint64_t> index = in.ReadSize("std::variant index");
    if (!index.ok()) return index.status();
    if (*index >= sizeof...(Ts)) {
      return codec_internal::InvalidValueError(
          "std::variant index", offset,
          absl::StrCat("is ", *index, ", the variant has ", sizeof...(Ts),
                       " alternatives"));
    }
    return DecodeAlternative(in, *index, std::index_sequence_for<Ts...>{});
  }

 private:
  template <size_t... I>
  static void EncodeAlternative(const Variant& value, CodecWriter& out,
                                std::index_sequence<I...>) {
    (void)((value.index() == I
                ? (Codec<std::variant_alternative_t<I, Variant>>::Encode(
                       std::get<I>(value), out),
                   true)
                : false) ||
           ...);
  }

  template <size_t I>
  static absl::StatusOr<Variant> DecodeOne(CodecReader& in) {
    using Alternative = std::variant_alternative_t<I, Variant>;
    absl::StatusOr<Alternative> value = Codec<Alternative>::Decode(in);
    if (!value.ok()) {
      return codec_internal::Error<Variant>(codec_internal::Annotate(
          value.status(), "std::variant alternative", I));
    }
    return absl::StatusOr<Variant>(absl::in_place, std::in_place_index<I>,
                                   *std::move(value));
  }

  template <size_t... I>
  static absl::StatusOr<Variant> DecodeAlternative(CodecReader& in,
                                                   uint64_t index,
                                                   std::index_sequence<I...>) {
    using Decoder = absl::StatusOr<Variant> (*)(CodecReader&);
    static constexpr Decoder kDecoders[] = {&DecodeOne<I>...};
    return kDecoders[index](in);
  }
};

// std::map: size, then key and value of each entry in key order. Decode
// requires strictly increasing keys.
template <Encodable K, Encodable V, typename C, typename A>
struct Codec<std::map<K, V, C, A>> {
  using Map = std::map<K, V, C, A>;
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const Map& value, CodecWriter& out) {
    out.WriteSize(value.size());
    for (const auto& [key, mapped] : value) {
      Codec<K>::Encode(key, out);
      Codec<V>::Encode(mapped, out);
    }
  }

  static absl::StatusOr<Map> Decode(CodecReader& in) {
    absl::StatusOr<Map> result(absl::in_place);
    absl::Status status =
        codec_internal::DecodeAssociative<Map, /*kSorted=*/true>(
            in, "std::map", CodecMinEncodedSize<std::pair<K, V>>(), *result,
            [](CodecReader& reader, uint64_t i) {
              return codec_internal::DecodeMapEntry<K, V>(reader, "std::map",
                                                          i);
            },
            [](const auto& entry) -> const K& { return entry.first; });
    if (!status.ok()) return codec_internal::Error<Map>(std::move(status));
    return result;
  }
};

// std::unordered_map: size, then key and value of each entry in iteration
// order. Decode rejects duplicate keys.
template <Encodable K, Encodable V, typename H, typename E, typename A>
struct Codec<std::unordered_map<K, V, H, E, A>> {
  using Map = std::unordered_map<K, V, H, E, A>;
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const Map& value, CodecWriter& out) {
    out.WriteSize(value.size());
    for (const auto& [key, mapped] : value) {
      Codec<K>::Encode(key, out);
      Codec<V>::Encode(mapped, out);
    }
  }

  static absl::StatusOr<Map> Decode(CodecReader& in) {
    absl::StatusOr<Map> result(absl::in_place);
    absl::Status status =
        codec_internal::DecodeAssociative<Map, /*kSorted=*/false>(
            in, "std::unordered_map", CodecMinEncodedSize<std::pair<K, V>>(),
            *result,
            [](CodecReader& reader, uint64_t i) {
              return codec_internal::DecodeMapEntry<K, V>(
                  reader, "std::unordered_map", i);
            },
            [](const auto& entry) -> const K& { return entry.first; });
    if (!status.ok()) return codec_internal::Error<Map>(std::move(status));
    return result;
  }
};

// std::set: size, then the elements in order. Decode requires strictly
// increasing elements.
template <Encodable T, typename C, typename A>
struct Codec<std::set<T, C, A>> {
  using Set = std::set<T, C, A>;
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const Set& value, CodecWriter& out) {
    out.WriteSize(value.size());
    for (const T& element : value) Codec<T>::Encode(element, out);
  }

  static absl::StatusOr<Set> Decode(CodecReader& in) {
    absl::StatusOr<Set> result(absl::in_place);
    absl::Status status =
        codec_internal::DecodeAssociative<Set, /*kSorted=*/true>(
            in, "std::set", CodecMinEncodedSize<T>(), *result, DecodeElement,
            [](const T& element) -> const T& { return element; });
    if (!status.ok()) return codec_internal::Error<Set>(std::move(status));
    return result;
  }

 private:
  static absl::StatusOr<T> DecodeElement(CodecReader& in, uint64_t i) {
    absl::StatusOr<T> element = Codec<T>::Decode(in);
    if (!element.ok()) {
      return codec_internal::Error<T>(
          codec_internal::Annotate(element.status(), "std::set element", i));
    }
    return element;
  }
};

// std::unordered_set: size, then the elements in iteration order. Decode
// rejects duplicates.
template <Encodable T, typename H, typename E, typename A>
struct Codec<std::unordered_set<T, H, E, A>> {
  using Set = std::unordered_set<T, H, E, A>;
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const Set& value, CodecWriter& out) {
    out.WriteSize(value.size());
    for (const T& element : value) Codec<T>::Encode(element, out);
  }

  static absl::StatusOr<Set> Decode(CodecReader& in) {
    absl::StatusOr<Set> result(absl::in_place);
    absl::Status status =
        codec_internal::DecodeAssociative<Set, /*kSorted=*/false>(
            in, "std::unordered_set", CodecMinEncodedSize<T>(), *result,
            DecodeElement,
            [](const T& element) -> const T& { return element; });
    if (!status.ok()) return codec_internal::Error<Set>(std::move(status));
    return result;
  }

 private:
  static absl::StatusOr<T> DecodeElement(CodecReader& in, uint64_t i) {
    absl::StatusOr<T> element = Codec<T>::Decode(in);
    if (!element.ok()) {
      return codec_internal::Error<T>(codec_internal::Annotate(
          element.status(), "std::unordered_set element", i));
    }
    return element;
  }
};

// absl::Status: the code as a size; for an error also the message (size,
// bytes), the number of payloads, and each payload's type URL and bytes
// (size, bytes each). Decode rejects codes absl does not define (above
// kUnauthenticated = 16) and duplicate type URLs.
template <>
struct Codec<absl::Status> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(const absl::Status& value, CodecWriter& out);
  static absl::StatusOr<absl::Status> Decode(CodecReader& in);
};

// absl::StatusOr<T>: its status as above, then the value when it is OK.
template <Encodable T>
struct Codec<absl::StatusOr<T>> {
  static constexpr size_t kMinEncodedSize = 1;

  static void Encode(const absl::StatusOr<T>& value, CodecWriter& out) {
    Codec<absl::Status>::Encode(value.status(), out);
    if (value.ok()) Codec<T>::Encode(*value, out);
  }

  static absl::StatusOr<absl::StatusOr<T>> Decode(CodecReader& in) {
    using Result = absl::StatusOr<absl::StatusOr<T>>;
    absl::StatusOr<absl::Status> status = Codec<absl::Status>::Decode(in);
    if (!status.ok()) {
      return codec_internal::Error<absl::StatusOr<T>>(
          codec_internal::Annotate(status.status(), "absl::StatusOr status"));
    }
    if (!status->ok()) {
      return Result(absl::in_place,
                    codec_internal::Error<T>(*std::move(status)));
    }
    absl::StatusOr<T> value = Codec<T>::Decode(in);
    if (!value.ok()) {
      return codec_internal::Error<absl::StatusOr<T>>(
          codec_internal::Annotate(value.status(), "absl::StatusOr value"));
    }
    return Result(absl::in_place, absl::in_place, *std::move(value));
  }
};

// absl::Cord: size, then the bytes.
template <>
struct Codec<absl::Cord> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(const absl::Cord& value, CodecWriter& out);
  static absl::StatusOr<absl::Cord> Decode(CodecReader& in);
};

// absl::Duration: a tag byte (0 finite, 1 InfiniteDuration(), 2
// -InfiniteDuration()); a finite one then has its whole seconds (int64) and
// the rest in quarter nanoseconds (int64), exactly.
template <>
struct Codec<absl::Duration> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(const absl::Duration& value, CodecWriter& out);
  static absl::StatusOr<absl::Duration> Decode(CodecReader& in);
};

// absl::Time: the absl::Duration since absl::UnixEpoch(), infinite for
// InfiniteFuture() and InfinitePast().
template <>
struct Codec<absl::Time> {
  static constexpr size_t kMinEncodedSize = 1;
  static void Encode(const absl::Time& value, CodecWriter& out);
  static absl::StatusOr<absl::Time> Decode(CodecReader& in);
};

// Types that list their fields (MULTIRUN_CODEC_FIELDS,
// MULTIRUN_CODEC_FRIEND_FIELDS): the fields in the order listed. Decode
// value-initialises a T and assigns each field.
template <typename T>
requires codec_internal::HasFields<T>
struct Codec<T> {
  using Fields = decltype(MultirunCodecFields(std::declval<T&>(),
                                              codec_internal::FieldsTag<T>()));
  static constexpr size_t kMinEncodedSize =
      codec_internal::FieldsMinSize<Fields>::value;

  static void Encode(const T& value, CodecWriter& out) {
    std::apply([&](const auto&... fields) { (EncodeField(fields, out), ...); },
               MultirunCodecFields(value, codec_internal::FieldsTag<T>()));
  }

  static absl::StatusOr<T> Decode(CodecReader& in) {
    absl::StatusOr<T> result(absl::in_place);
    Fields fields =
        MultirunCodecFields(*result, codec_internal::FieldsTag<T>());
    absl::Status status = DecodeFields(
        in, fields, std::make_index_sequence<std::tuple_size_v<Fields>>{});
    if (!status.ok()) return codec_internal::Error<T>(std::move(status));
    return result;
  }

 private:
  template <typename F>
  static void EncodeField(const F& field, CodecWriter& out) {
    static_assert(Encodable<F>,
                  "MULTIRUN_CODEC_FIELDS: a listed field's type has no "
                  "multirun::Codec (see multirun/codec/codec.h)");
    if constexpr (Encodable<F>) Codec<F>::Encode(field, out);
  }

  template <typename F>
  static absl::Status DecodeField(CodecReader& in, F& field, size_t index) {
    static_assert(Encodable<F>,
                  "MULTIRUN_CODEC_FIELDS: a listed field's type has no "
                  "multirun::Codec (see multirun/codec/codec.h)");
    if constexpr (Encodable<F>) {
      absl::StatusOr<F> decoded = Codec<F>::Decode(in);
      if (!decoded.ok()) {
        return codec_internal::Annotate(
            decoded.status(), codec_internal::FieldContext(
                                  codec_internal::FieldNamesOf<T>(), index));
      }
      field = *std::move(decoded);
    }
    return absl::OkStatus();
  }

  template <size_t... I>
  static absl::Status DecodeFields(CodecReader& in, Fields& fields,
                                   std::index_sequence<I...>) {
    absl::Status status;
    (void)((status = DecodeField(in, std::get<I>(fields), I)).ok() && ...);
    return status;
  }
};

}  // namespace multirun

// ---------------------------------------------------------------------------
// Macros for user types.

// MULTIRUN_CODEC_FIELDS(Type, field...): gives Type a codec made of the
// listed public data members, in order. Use it at namespace scope, in the
// namespace that declares Type (the codec finds it by argument-dependent
// lookup), after Type is complete; up to 32 fields, or none. Type must be
// default-constructible.
//
// Example:
//
//   namespace geo {
//   struct Point {
//     double x = 0;
//     double y = 0;
//     std::string label;
//   };
//   MULTIRUN_CODEC_FIELDS(Point, x, y, label);
//   }  // namespace geo
//
//   std::string bytes = multirun::Encode(std::vector<geo::Point>{...});
#define MULTIRUN_CODEC_FIELDS(Type, ...)                                   \
  [[maybe_unused]] inline auto MultirunCodecFields(                        \
      Type& multirun_value, ::multirun::codec_internal::FieldsTag<Type>) { \
    return ::std::tie(                                                     \
        MULTIRUN_CODEC_INTERNAL_MEMBERS(multirun_value, __VA_ARGS__));     \
  }                                                                        \
  [[maybe_unused]] inline auto MultirunCodecFields(                        \
      const Type& multirun_value,                                          \
      ::multirun::codec_internal::FieldsTag<Type>) {                       \
    return ::std::tie(                                                     \
        MULTIRUN_CODEC_INTERNAL_MEMBERS(multirun_value, __VA_ARGS__));     \
  }                                                                        \
  [[maybe_unused]] inline constexpr ::multirun::codec_internal::FieldNames \
  MultirunCodecFieldNames(::multirun::codec_internal::FieldsTag<Type>) {   \
    return {#Type, #__VA_ARGS__};                                          \
  }                                                                        \
  static_assert(true, "")

// MULTIRUN_CODEC_FRIEND_FIELDS(Type, field...): as MULTIRUN_CODEC_FIELDS,
// used inside the class body, so the fields may be private; also works for
// nested classes and class templates (pass the class's own name).
//
// Example:
//
//   class Account {
//    public:
//     Account() = default;
//     Account(int64_t id, std::string owner) : id_(id), owner_(owner) {}
//
//    private:
//     int64_t id_ = 0;
//     std::string owner_;
//     MULTIRUN_CODEC_FRIEND_FIELDS(Account, id_, owner_);
//   };
#define MULTIRUN_CODEC_FRIEND_FIELDS(Type, ...)                            \
  friend auto MultirunCodecFields(                                         \
      Type& multirun_value, ::multirun::codec_internal::FieldsTag<Type>) { \
    return ::std::tie(                                                     \
        MULTIRUN_CODEC_INTERNAL_MEMBERS(multirun_value, __VA_ARGS__));     \
  }                                                                        \
  friend auto MultirunCodecFields(                                         \
      const Type& multirun_value,                                          \
      ::multirun::codec_internal::FieldsTag<Type>) {                       \
    return ::std::tie(                                                     \
        MULTIRUN_CODEC_INTERNAL_MEMBERS(multirun_value, __VA_ARGS__));     \
  }                                                                        \
  friend constexpr ::multirun::codec_internal::FieldNames                  \
  MultirunCodecFieldNames(::multirun::codec_internal::FieldsTag<Type>) {   \
    return {#Type, #__VA_ARGS__};                                          \
  }                                                                        \
  static_assert(true, "")

// MULTIRUN_CODEC_ENUM_RANGE(Enum, first, last): the valid values of Enum are
// [first, last]; Decode rejects others with DataLoss. Use it at namespace
// scope, in the namespace that declares Enum (or the enclosing class's
// namespace for a member enum). Required for an unscoped enum without a
// fixed underlying type.
//
// Example:
//
//   enum class Color : uint8_t { kRed, kGreen, kBlue };
//   MULTIRUN_CODEC_ENUM_RANGE(Color, Color::kRed, Color::kBlue);
#define MULTIRUN_CODEC_ENUM_RANGE(Enum, first, last)                 \
  [[maybe_unused]] inline constexpr ::multirun::CodecEnumRange<Enum> \
  MultirunCodecEnumRange(Enum) {                                     \
    return {first, last};                                            \
  }                                                                  \
  static_assert(true, "")

// `v.a, v.b, ...` for the fields a, b, ...; nothing for no fields.
#define MULTIRUN_CODEC_INTERNAL_MEMBERS(v, ...) \
  __VA_OPT__(MULTIRUN_CODEC_INTERNAL_CAT(       \
      MULTIRUN_CODEC_INTERNAL_MEMBERS_,         \
      MULTIRUN_CODEC_INTERNAL_COUNT(__VA_ARGS__))(v, __VA_ARGS__))
#define MULTIRUN_CODEC_INTERNAL_CAT(a, b) MULTIRUN_CODEC_INTERNAL_CAT_IMPL(a, b)
#define MULTIRUN_CODEC_INTERNAL_CAT_IMPL(a, b) a##b
#define MULTIRUN_CODEC_INTERNAL_COUNT(...)                                     \
  MULTIRUN_CODEC_INTERNAL_COUNT_IMPL(                                          \
      __VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, \
      17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
#define MULTIRUN_CODEC_INTERNAL_COUNT_IMPL(                                    \
    _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16,     \
    _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, \
    _32, N, ...)                                                               \
  N
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_1(v, a) v.a
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_2(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_1(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_3(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_2(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_4(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_3(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_5(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_4(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_6(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_5(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_7(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_6(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_8(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_7(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_9(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_8(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_10(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_9(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_11(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_10(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_12(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_11(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_13(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_12(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_14(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_13(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_15(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_14(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_16(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_15(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_17(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_16(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_18(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_17(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_19(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_18(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_20(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_19(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_21(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_20(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_22(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_21(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_23(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_22(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_24(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_23(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_25(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_24(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_26(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_25(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_27(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_26(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_28(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_27(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_29(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_28(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_30(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_29(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_31(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_30(v, __VA_ARGS__)
#define MULTIRUN_CODEC_INTERNAL_MEMBERS_32(v, a, ...) \
  v.a, MULTIRUN_CODEC_INTERNAL_MEMBERS_31(v, __VA_ARGS__)

#endif  // MULTIRUN_CODEC_CODEC_H_
