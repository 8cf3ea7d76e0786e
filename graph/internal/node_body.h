// Copyright 2026 The multirun Authors.
//
// How a Graph stores and calls a node's function. Internal: users must not
// touch it.
//
// Graph::Add() type-erases a node's function once into a Body, a closure
// that the run calls with an Invocation. A Body calls the function with its
// dependencies' results (read from their Slots), stores the result in the
// node's own Slot and returns the status part. A Body that completes later
// (a subgraph, a subflow, a function that returns a Future) takes a
// Completion from the Invocation, which marks the call asynchronous, and
// calls it once the node is done.

#ifndef MULTIRUN_GRAPH_INTERNAL_NODE_BODY_H_
#define MULTIRUN_GRAPH_INTERNAL_NODE_BODY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "multirun/base/invoke.h"
#include "multirun/executors/executor.h"
#include "multirun/futures/future.h"

namespace multirun {

class Graph;
template <typename T>
class GraphNode;

namespace graph_internal {

class RunState;

// One call of a node's function, as the run hands it to the function's
// type-erased wrapper.
struct Invocation {
  RunState* run;
  uint32_t node;
  Executor* executor;
  bool async = false;  // Set by a wrapper that completes later.
};

// Completes an asynchronous node (a subgraph, a subflow, a returned future).
// If destroyed without being called, completes the node with Internal, so a
// dropped continuation cannot hang the run. Move-only.
class Completion {
 public:
  explicit Completion(Invocation& invocation)
      : run_(invocation.run), node_(invocation.node) {
    invocation.async = true;
  }
  Completion(Completion&& other) noexcept
      : run_(std::exchange(other.run_, nullptr)), node_(other.node_) {}
  Completion& operator=(Completion&&) = delete;
  ~Completion();
  // Records where the node's result came from (see RunState::StampOrigin).
  void SetOrigin(int32_t origin);
  void operator()(absl::Status status);

 private:
  RunState* run_;
  uint32_t node_;
};

struct SlotBase {
  virtual ~SlotBase() = default;
  virtual void Reset() = 0;
};
// Where a typed node's result lives between its run and its dependents'.
template <typename T>
struct Slot final : SlotBase {
  std::optional<T> value;
  void Reset() override { value.reset(); }
};
template <>
struct Slot<void> final : SlotBase {
  void Reset() override {}
};

using Body = absl::AnyInvocable<absl::Status(Invocation&)>;
using Callback = absl::AnyInvocable<absl::Status(const absl::Status&)>;

template <typename T>
inline constexpr bool kIsNode = false;
template <typename T>
inline constexpr bool kIsNode<GraphNode<T>> = true;

enum class BodyKind { kInvalid, kPlain, kData, kSubflow, kSubflowData };

// How a node's function is called, given its dependencies' result types.
template <typename F, typename... Ts>
constexpr BodyKind KindOf() {
  constexpr bool kAllValues = (!std::is_void_v<Ts> && ...);
  if constexpr (sizeof...(Ts) > 0 && kAllValues) {
    if constexpr (std::is_invocable_v<F&, const Ts&...>) {
      return BodyKind::kData;
    } else if constexpr (std::is_invocable_v<F&, Graph&, const Ts&...>) {
      return BodyKind::kSubflowData;
    }
  }
  if constexpr (std::is_invocable_v<F&>) {
    return BodyKind::kPlain;
  } else if constexpr (std::is_invocable_v<F&, Graph&>) {
    return BodyKind::kSubflow;
  } else {
    return BodyKind::kInvalid;
  }
}

// What a node's function returns (a std::type_identity).
template <typename F, typename... Ts>
constexpr auto ReturnOf() {
  constexpr BodyKind kKind = KindOf<F, Ts...>();
  if constexpr (kKind == BodyKind::kData) {
    return std::type_identity<std::invoke_result_t<F&, const Ts&...>>{};
  } else if constexpr (kKind == BodyKind::kSubflowData) {
    return std::type_identity<std::invoke_result_t<F&, Graph&, const Ts&...>>{};
  } else if constexpr (kKind == BodyKind::kPlain) {
    return std::type_identity<std::invoke_result_t<F&>>{};
  } else if constexpr (kKind == BodyKind::kSubflow) {
    return std::type_identity<std::invoke_result_t<F&, Graph&>>{};
  } else {
    return std::type_identity<void>{};
  }
}

// Stores a function's outcome in `slot`; returns the status part.
template <typename T>
absl::Status Store(Slot<T>* slot, FutureResult<T>&& result) {
  if constexpr (std::is_void_v<T>) {
    return std::move(result);
  } else {
    if (!result.ok()) return std::move(result).status();
    slot->value.emplace(*std::move(result));
    return absl::OkStatus();
  }
}

// Runs a subgraph built at run time (subflow) on the invocation's executor;
// the node completes when it has run. Defined in graph.cc.
absl::Status RunSubgraph(Invocation& invocation, std::shared_ptr<Graph> graph);
// Runs an existing graph as one node.
absl::Status RunInnerGraph(Invocation& invocation, Graph& graph);
// What both do; `keep` (may be null) owns `graph`.
absl::Status RunChild(Invocation& invocation, Graph& graph,
                      std::shared_ptr<Graph> keep);

// The status of a node whose function returned an invalid Future.
absl::Status InvalidFuture();

// Calls `fn(args...)`, which returns a Future<T>; the node completes with
// that future's result, stored in `out`, on the invocation's executor. An
// exception from fn, or an invalid future, fails the node at once.
template <typename T, typename F, typename... Args>
absl::Status CallAsync(Invocation& invocation, Slot<T>* out, F& fn,
                       const Args&... args) {
  Future<T> future;
  try {
    future = fn(args...);
  } catch (...) {
    return base_internal::StatusFromCurrentException();
  }
  if (!future.valid()) return InvalidFuture();
  std::move(future).Then(
      *invocation.executor,
      [out, done = Completion(invocation)](FutureResult<T> outcome) mutable {
        done.SetOrigin(CurrentOrigin());
        done(Store<T>(out, std::move(outcome)));
      });
  return absl::OkStatus();
}

// A node with dataflow arguments, or a subflow.
template <typename T, BodyKind kKind, bool kAsync, typename F, typename... Ts>
Body MakeDataBody(F fn, Slot<T>* out, Slot<Ts>*... in) {
  return [fn = std::move(fn), out,
          in...](Invocation& invocation) mutable -> absl::Status {
    static_cast<void>(out);  // Unused by a subflow.
    if constexpr (kKind == BodyKind::kSubflow ||
                  kKind == BodyKind::kSubflowData) {
      auto graph = std::make_shared<Graph>();
      absl::Status built;
      if constexpr (kKind == BodyKind::kSubflow) {
        built = base_internal::InvokeToResult(fn, *graph);
      } else {
        built = base_internal::InvokeToResult(fn, *graph, *in->value...);
      }
      if (!built.ok()) return built;
      return RunSubgraph(invocation, std::move(graph));
    } else if constexpr (kAsync) {
      return CallAsync<T>(invocation, out, fn, *in->value...);
    } else {
      return Store<T>(out, base_internal::InvokeToResult(fn, *in->value...));
    }
  };
}

// A node without dataflow arguments: the closure holds only `fn` (and the
// result slot for a typed node), so a small fn stays in AnyInvocable's
// inline storage: no allocation per node.
template <typename T, bool kAsync, typename F>
Body MakePlainBody(F fn, Slot<T>* out) {
  if constexpr (kAsync) {
    return [fn = std::move(fn), out](Invocation& invocation) mutable {
      return CallAsync<T>(invocation, out, fn);
    };
  } else if constexpr (std::is_void_v<T>) {
    return [fn = std::move(fn)](Invocation&) mutable {
      return absl::Status(base_internal::InvokeToResult(fn));
    };
  } else {
    return [fn = std::move(fn), out](Invocation&) mutable {
      return Store<T>(out, base_internal::InvokeToResult(fn));
    };
  }
}

// The Body of a node whose function `fn` is called as `kKind` says and
// returns a Future when `kAsync`.
template <typename T, BodyKind kKind, bool kAsync, typename F, typename... Ts>
Body MakeBody(F fn, Slot<T>* out, Slot<Ts>*... in) {
  if constexpr (kKind == BodyKind::kPlain) {
    return MakePlainBody<T, kAsync>(std::move(fn), out);
  } else {
    return MakeDataBody<T, kKind, kAsync>(std::move(fn), out, in...);
  }
}

}  // namespace graph_internal
}  // namespace multirun

#endif  // MULTIRUN_GRAPH_INTERNAL_NODE_BODY_H_
