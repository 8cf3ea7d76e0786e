// Copyright 2026 The multirun Authors.
//
// What process_pool.h needs in its templates, kept out of the public API:
// how a registered function becomes a PoolTaskRunner (RunPoolTask), how
// MULTIRUN_REGISTER_TASK registers it (RegisterTask, PoolTaskAccess), and a
// submitted task as the pool sees it (PoolJob, TypedPoolJob).

#ifndef MULTIRUN_PROCESSES_INTERNAL_POOL_JOB_H_
#define MULTIRUN_PROCESSES_INTERNAL_POOL_JOB_H_

#include <sys/types.h>

#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "multirun/base/invoke.h"
#include "multirun/codec/codec.h"
#include "multirun/futures/future.h"
#include "multirun/processes/internal/pool_protocol.h"
#include "multirun/processes/internal/pool_registry.h"

namespace multirun {

// Defined in process_pool.h.
template <typename Signature>
class RegisteredTask;
class ProcessPool;

namespace processes_internal {

struct PoolAccess;

// The signature a task is registered with: its future's value type and its
// parameters, decayed.
template <typename T, typename... Params>
using PoolSignature = T(std::decay_t<Params>...);

// Writes into `frame` the request to run task number `task` with `args`
// converted to `Params...` (a sealed frame: see kPoolRequestPrefix). For
// every executor that sends registered tasks as bytes.
template <typename... Params, typename... Args>
void EncodePoolRequest(uint32_t task, std::string& frame, Args&&... args) {
  frame.resize(kPoolRequestPrefix);
  EncodeTo(std::tuple<Params...>(std::forward<Args>(args)...), &frame);
  SealPoolRequest(task, &frame);
}

// Looks up the task registered as `name` for a call with `Args` whose future
// holds `T`, and writes the call into `job` (its task_name and frame).
// Otherwise fails `job` with NotFound / InvalidArgument, the message prefixed
// with "<owner> <instance>: ", and returns false. For every executor that
// submits registered tasks by name.
template <typename T, typename Job, typename... Args>
bool PrepareNamedPoolRequest(absl::string_view owner,
                             absl::string_view instance, absl::string_view name,
                             Job& job, Args&&... args) {
  absl::StatusOr<PoolTaskKey> found =
      FindPoolTask(name, typeid(PoolSignature<T, std::decay_t<Args>...>));
  if (!found.ok()) {
    job.Fail(absl::Status(
        found.status().code(),
        absl::StrCat(owner, " ", instance, ": ", found.status().message())));
    return false;
  }
  job.task_name = found->name;
  EncodePoolRequest<std::decay_t<Args>...>(found->id, job.frame,
                                           std::forward<Args>(args)...);
  return true;
}

// The PoolTaskRunner of function `Fn`, whose future's value type is `T`.
template <auto Fn, typename T, typename... Params>
void RunPoolTask(absl::string_view encoded, std::string* out) {
  using Args = std::tuple<std::decay_t<Params>...>;
  absl::StatusOr<Args> args = Decode<Args>(encoded);
  if (!args.ok()) {
    EncodeTo(FutureResult<T>(absl::DataLossError(absl::StrCat(
                 "task arguments do not decode: ", args.status().message()))),
             out);
    return;
  }
  // An lvalue for a reference parameter, an rvalue otherwise.
  FutureResult<T> result = std::apply(
      [](auto&... unpacked) {
        return base_internal::InvokeToResult(
            Fn, std::forward<std::conditional_t<
                    std::is_lvalue_reference_v<Params>, std::decay_t<Params>&,
                    std::decay_t<Params>>>(unpacked)...);
      },
      *args);
  EncodeTo(result, out);
}

template <typename F>
struct PoolFunctionTraits;
template <typename R, typename... Params>
struct PoolFunctionTraits<R (*)(Params...)> {
  using Signature = R(Params...);
};
template <typename R, typename... Params>
struct PoolFunctionTraits<R (*)(Params...) noexcept> {
  using Signature = R(Params...);
};

// Makes RegisteredTask handles (their constructor is private).
struct PoolTaskAccess {
  template <auto Fn>
  static auto Register(absl::string_view name) {
    using Signature = typename PoolFunctionTraits<decltype(Fn)>::Signature;
    return Make<Fn>(name, static_cast<Signature*>(nullptr));
  }

 private:
  template <auto Fn, typename R, typename... Params>
  static RegisteredTask<R(Params...)> Make(absl::string_view name,
                                           R (*)(Params...)) {
    using T = typename base_internal::ValueOf<R>::type;
    static_assert(!base_internal::kIsFuture<R>,
                  "MULTIRUN_REGISTER_TASK: the function must return a value, "
                  "not a Future (a future cannot cross a process boundary)");
    static_assert(Encodable<FutureResult<T>>,
                  "MULTIRUN_REGISTER_TASK: the result type has no "
                  "multirun::Codec; add one (see codec/codec.h)");
    static_assert(Encodable<std::tuple<std::decay_t<Params>...>>,
                  "MULTIRUN_REGISTER_TASK: a parameter type has no "
                  "multirun::Codec; add one (see codec/codec.h)");
    return RegisteredTask<R(Params...)>(
        RegisterPoolTask(name, typeid(PoolSignature<T, Params...>),
                         &RunPoolTask<Fn, T, Params...>));
  }
};

// Registers function `Fn` as task `name` and returns its handle. What
// MULTIRUN_REGISTER_TASK expands to; call it directly to register later (a
// worker forked before the registration answers its requests with
// NotFound).
template <auto Fn>
auto RegisterTask(absl::string_view name) {
  return PoolTaskAccess::Register<Fn>(name);
}

// One submitted task, as the pool sees it (without its types).
class PoolJob {
 public:
  PoolJob() = default;
  PoolJob(const PoolJob&) = delete;
  PoolJob& operator=(const PoolJob&) = delete;
  virtual ~PoolJob() = default;

  // Marks the task as started (sent to a worker). False when its future was
  // cancelled: it must not be sent.
  virtual bool TryStart() = 0;
  // The worker `pid` answered with `encoded` (an encoded FutureResult<T>).
  virtual void Complete(absl::string_view encoded, pid_t pid) = 0;
  // Fails the task. Returns whether this set its result (false when it was
  // already set or cancelled).
  virtual bool Fail(absl::Status status) = 0;

  // The request: see kPoolRequestPrefix.
  std::string frame;
  // The registered name, for messages (static storage).
  absl::string_view task_name;
  // The supervisor's: whether TryStart() succeeded.
  bool started = false;
};

// A PoolJob whose future has value type `T`.
template <typename T>
class TypedPoolJob final : public PoolJob {
 public:
  Future<T> GetFuture() { return promise_.GetFuture(); }
  bool TryStart() override { return promise_.TryStart(); }
  void Complete(absl::string_view encoded, pid_t pid) override {
    absl::StatusOr<FutureResult<T>> decoded = Decode<FutureResult<T>>(encoded);
    if (decoded.ok()) {
      promise_.Set(*std::move(decoded));
    } else {
      promise_.SetError(absl::InternalError(
          absl::StrCat("task ", task_name, ": process ", pid,
                       " sent a result that does not decode: ",
                       decoded.status().message())));
    }
  }
  bool Fail(absl::Status status) override {
    return promise_.SetError(std::move(status));
  }

 private:
  Promise<T> promise_;
};

}  // namespace processes_internal
}  // namespace multirun

#endif  // MULTIRUN_PROCESSES_INTERNAL_POOL_JOB_H_
