// Copyright 2026 The multirun Authors.
//
// The codecs of the standard types: the arithmetic types, enums,
// std::basic_string, std::vector, std::array, std::pair, std::tuple,
// std::optional, std::monostate, std::variant, std::map, std::unordered_map,
// std::set and std::unordered_set, with the helpers they share (the names of
// arithmetic types in errors, decoding of maps and sets). Each codec states
// how its values are laid out; "size" is a CodecWriter::WriteSize() varint.
//
// Part of multirun/codec/codec.h, which includes it after the API it builds
// on; include that header, not this one.

#ifndef MULTIRUN_CODEC_INTERNAL_CODEC_STD_H_
#define MULTIRUN_CODEC_INTERNAL_CODEC_STD_H_

#ifndef MULTIRUN_CODEC_CODEC_H_
#error "include multirun/codec/codec.h, not this header"
#endif

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
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
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/utility/utility.h"
#include "multirun/codec/internal/codec_errors.h"

namespace multirun {
namespace codec_internal {

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

// The bytes of an arithmetic T that hold its value: sizeof(T), but for the
// x87 extended-precision long double, whose 10 bytes are padded to 12 or 16
// with bytes that no store writes (they hold whatever was in memory).
template <typename T>
inline constexpr size_t kValueBytes =
    std::is_same_v<T, long double>&& std::numeric_limits<long double>::digits ==
                64 &&
            sizeof(long double) > 10
        ? 10
        : sizeof(T);

// Elements copied with one memcpy: arithmetic types but bool, whose bytes
// must be checked, and a padded long double, whose padding must not be.
template <typename T>
inline constexpr bool kBulk =
    std::is_arithmetic_v<T> && !std::is_same_v<T, bool> &&
    kValueBytes<T> == sizeof(T);

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
  return absl::StatusOr<std::pair<K, V>>(codec_internal::kInPlace,
                                         *std::move(key), *std::move(mapped));
}

}  // namespace codec_internal

// Arithmetic types: their sizeof(T) bytes as the host lays them out. A bool
// is one byte, 0 or 1. A padded long double writes its value bytes and
// zeros for the padding (so equal values encode equally and no stray memory
// leaves the process); Decode ignores the padding.
template <typename T>
requires std::is_arithmetic_v<T>
struct Codec<T> {
  static constexpr size_t kMinEncodedSize =
      std::is_same_v<T, bool> ? 1 : sizeof(T);

  static void Encode(const T& value, CodecWriter& out) {
    if constexpr (std::is_same_v<T, bool>) {
      const unsigned char byte = value ? 1 : 0;
      out.WriteBytes(&byte, 1);
    } else if constexpr (codec_internal::kValueBytes<T> != sizeof(T)) {
      unsigned char bytes[sizeof(T)] = {};
      std::memcpy(bytes, &value, codec_internal::kValueBytes<T>);
      out.WriteBytes(bytes, sizeof(T));
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
      absl::StatusOr<String> result(codec_internal::kInPlace, *size, C{});
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
    absl::StatusOr<Vector> result(codec_internal::kInPlace);
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
    absl::StatusOr<Array> result(codec_internal::kInPlace);
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
    return absl::StatusOr<std::pair<A, B>>(
        codec_internal::kInPlace, *std::move(first), *std::move(second));
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
    return absl::StatusOr<Tuple>(codec_internal::kInPlace,
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
    if (tag == 0)
      return absl::StatusOr<std::optional<T>>(codec_internal::kInPlace);
    if (tag != 1) {
      return codec_internal::InvalidValueError(
          "std::optional tag", offset,
          absl::StrCat("is ", static_cast<int>(tag), ", neither 0 nor 1"));
    }
    absl::StatusOr<T> value = Codec<T>::Decode(in);
    if (!value.ok()) {
      return codec_internal::Annotate(value.status(), "std::optional value");
    }
    return absl::StatusOr<std::optional<T>>(codec_internal::kInPlace,
                                            std::in_place, *std::move(value));
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
    return absl::StatusOr<Variant>(codec_internal::kInPlace,
                                   std::in_place_index<I>, *std::move(value));
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
    absl::StatusOr<Map> result(codec_internal::kInPlace);
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
    absl::StatusOr<Map> result(codec_internal::kInPlace);
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
    absl::StatusOr<Set> result(codec_internal::kInPlace);
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
    absl::StatusOr<Set> result(codec_internal::kInPlace);
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

}  // namespace multirun

#endif  // MULTIRUN_CODEC_INTERNAL_CODEC_STD_H_
