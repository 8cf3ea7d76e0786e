// Copyright 2026 The multirun Authors.
//
// The macros that give user types a codec, and their machinery:
//   - MULTIRUN_CODEC_FIELDS(Type, field...) and
//     MULTIRUN_CODEC_FRIEND_FIELDS(Type, field...) list the members a type is
//     encoded as; the Codec<T> for such types encodes them in order;
//   - MULTIRUN_CODEC_ENUM_RANGE(Enum, first, last) declares the valid values
//     of an enum (its codec is in codec_std.h).
//
// Part of multirun/codec/codec.h, which includes it after the API it builds
// on; include that header, not this one.

#ifndef MULTIRUN_CODEC_INTERNAL_CODEC_FIELDS_H_
#define MULTIRUN_CODEC_INTERNAL_CODEC_FIELDS_H_

#ifndef MULTIRUN_CODEC_CODEC_H_
#error "include multirun/codec/codec.h, not this header"
#endif

#include <concepts>
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/utility/utility.h"
#include "multirun/codec/internal/codec_errors.h"

namespace multirun {
namespace codec_internal {

// Whether T is a std::tuple.
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

// The names T's fields macro recorded, or null when it recorded none.
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

// The sum of the fields' CodecMinEncodedSize(), for a std::tie of them.
template <typename Tuple>
struct FieldsMinSize;
template <typename... Fs>
struct FieldsMinSize<std::tuple<Fs...>> {
  static constexpr size_t value =
      (size_t{0} + ... + CodecMinEncodedSize<std::remove_cvref_t<Fs>>());
};

}  // namespace codec_internal

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
    // A type with fields may contain itself: bound the recursion.
    const codec_internal::FieldNames* names = codec_internal::FieldNamesOf<T>();
    absl::Status status =
        in.EnterNesting(names != nullptr ? names->type : "a type with fields");
    if (!status.ok()) return codec_internal::Error<T>(std::move(status));
    absl::StatusOr<T> result(codec_internal::kInPlace);
    Fields fields =
        MultirunCodecFields(*result, codec_internal::FieldsTag<T>());
    status = DecodeFields(
        in, fields, std::make_index_sequence<std::tuple_size_v<Fields>>{});
    in.LeaveNesting();
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
//   std::string bytes =
//       multirun::Encode(std::vector<geo::Point>{{1, 2, "home"}});
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

#endif  // MULTIRUN_CODEC_INTERNAL_CODEC_FIELDS_H_
