// Copyright 2026 The multirun Authors.
//
// WhenAll and WhenAny: one future for a set of futures.
//
// `WhenAll(futures)` completes when every input has, with the inputs'
// results in input order (each its own StatusOr: one failure does not hide
// the others). `WhenAny(futures)` completes when the first input does, with
// that input's index and result; the other inputs keep running and their
// results are dropped.
//
// Both consume their inputs and never block. An invalid (moved-from) input
// counts as completed with FailedPrecondition; WhenAny of no futures is
// InvalidArgument (nothing could ever complete).
//
// Example:
//
//   std::vector<multirun::Future<int>> parts = multirun::Map(pool, Work, ids);
//   absl::StatusOr<std::vector<absl::StatusOr<int>>> all =
//       multirun::WhenAll(std::move(parts)).Get();
//
//   std::vector<multirun::Future<Reply>> replicas = AskEveryReplica();
//   absl::StatusOr<multirun::WhenAnyResult<Reply>> fastest =
//       multirun::WhenAny(std::move(replicas)).Get();
//
// Thread-safety: the inputs may complete on any threads, concurrently; the
// returned future is completed by the thread that completes the last input
// (WhenAll) or the first (WhenAny).
//
// Memory ordering: everything the producers of the inputs wrote before
// completing them is visible to whoever sees the returned future ready (for
// WhenAny: the first input's producer).

#ifndef MULTIRUN_FUTURES_WHEN_H_
#define MULTIRUN_FUTURES_WHEN_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "multirun/futures/future.h"

namespace multirun {

// A future of every input's result, in input order (see the file comment).
template <typename T>
Future<std::vector<FutureResult<T>>> WhenAll(std::vector<Future<T>> futures) {
  using Results = std::vector<FutureResult<T>>;
  struct Context {
    explicit Context(size_t n) : remaining(n) { slots.resize(n); }
    std::vector<std::optional<FutureResult<T>>> slots;
    std::atomic<size_t> remaining;
    Promise<Results> promise;
    void Arrive() {
      if (remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      Results results;
      results.reserve(slots.size());
      for (auto& slot : slots) results.push_back(std::move(*slot));
      promise.SetValue(std::move(results));
    }
  };
  if (futures.empty()) return MakeReadyFuture(Results());
  auto context = std::make_shared<Context>(futures.size());
  Future<Results> out = context->promise.GetFuture();
  for (size_t i = 0; i < futures.size(); ++i) {
    if (!futures[i].valid()) {
      context->slots[i].emplace(absl::FailedPreconditionError(
          "WhenAll: input is not a valid future"));
      context->Arrive();
      continue;
    }
    auto state =
        futures_internal::FutureAccess::TakeState(std::move(futures[i]));
    auto* raw = state.get();
    raw->OnReady([context, state = std::move(state), i] {
      context->slots[i].emplace(std::move(state->result()));
      context->Arrive();
    });
  }
  return out;
}

// The first input to complete, by index into WhenAny's argument.
template <typename T>
struct WhenAnyResult {
  size_t index;
  FutureResult<T> result;
};

// A future of the first input to complete; InvalidArgument for an empty
// input (see the file comment).
template <typename T>
Future<WhenAnyResult<T>> WhenAny(std::vector<Future<T>> futures) {
  if (futures.empty()) {
    return MakeErrorFuture<WhenAnyResult<T>>(
        absl::InvalidArgumentError("WhenAny: no futures given"));
  }
  auto promise = std::make_shared<Promise<WhenAnyResult<T>>>();
  Future<WhenAnyResult<T>> out = promise->GetFuture();
  for (size_t i = 0; i < futures.size(); ++i) {
    if (!futures[i].valid()) {
      promise->SetValue(
          WhenAnyResult<T>{i, FutureResult<T>(absl::FailedPreconditionError(
                                  "WhenAny: input is not a valid future"))});
      continue;
    }
    auto state =
        futures_internal::FutureAccess::TakeState(std::move(futures[i]));
    auto* raw = state.get();
    raw->OnReady([promise, state = std::move(state), i] {
      if (promise->IsCompleted()) return;
      promise->SetValue(WhenAnyResult<T>{i, std::move(state->result())});
    });
  }
  return out;
}

}  // namespace multirun

#endif  // MULTIRUN_FUTURES_WHEN_H_
