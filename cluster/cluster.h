// Copyright 2026 The multirun Authors.
//
// Cluster: registered tasks run on the ranks of an MPI job (mpirun, srun),
// across machines, through the same Future<T> every multirun executor gives.
//
// A program is started as an MPI job, e.g. `mpirun -np 16 --hostfile hosts
// ./prog`. Every rank calls RunCluster() (or Cluster::Start()): rank 0, the
// driver, runs the caller's code and submits tasks; every other rank serves
// them until the driver shuts the cluster down. Tasks are functions
// registered with MULTIRUN_REGISTER_TASK (processes/process_pool.h, the same
// registry the ProcessPool uses); arguments and results cross ranks as Codec
// bytes (codec/codec.h). Each serving rank runs its tasks on a ProcessPool of
// its own (one forked worker per core it has), so a rank uses all its cores,
// and a task that crashes, throws or runs past its time limit fails alone:
// the rank lives on.
//
// Started without an MPI launcher, Start() gives a cluster of size 1 that runs
// the tasks on a local ProcessPool and never calls MPI: the same program, and
// its unit tests, run on one machine unchanged.
//
// Example:
//
//   int SquareImpl(int x) { return x * x; }
//   MULTIRUN_REGISTER_TASK(Square, SquareImpl);  // At namespace scope.
//
//   int main(int argc, char** argv) {
//     absl::Status status = multirun::RunCluster(
//         &argc, &argv, {}, [](multirun::Cluster& cluster) -> absl::Status {
//           multirun::Future<int> nine = cluster.Submit(Square, 3);
//           std::vector<absl::StatusOr<int>> squares =
//               cluster.Map(Square, std::vector<int>{1, 2, 3});  // 1, 4, 9
//           absl::StatusOr<int> result = nine.Get();
//           return result.status();
//         });
//     if (!status.ok()) std::cerr << status << "\n";
//     return status.ok() ? 0 : 1;
//   }
//
// Guarantees and errors. Every future completes, with:
//   - the task's value or error (code, message and payloads intact);
//   - Unknown("<type>: <what>") when the task throws;
//   - DeadlineExceeded when it runs past task_timeout (its process on the
//     rank is killed, the rank serves on); Aborted / Internal when it kills or
//     exits its process (see process_pool.h, "Errors"; the message names the
//     rank);
//   - DataLoss when its result does not decode as the task's result type;
//   - NotFound / InvalidArgument (Submit by name) for an unknown task or
//     another signature, nothing sent;
//   - ResourceExhausted when its arguments, or its result, are more than one
//     MPI message carries (2 GiB - 1 bytes);
//   - FailedPrecondition after Shutdown(), or when submitted on a serving
//     rank; Cancelled by ShutdownNow() or Future::Cancel() before it is sent.
// Load balancing: a new request goes to the rank that holds the fewest
// requests per worker among those with room for it. A rank's room starts at 2
// requests per worker; with each round of answers the rank reports how many
// of its requests wait for a worker. While the driver has more requests than
// room and a rank's workers run dry, its room doubles, up to
// `pipeline_depth` per worker, so short tasks keep every worker busy across
// the round trip; while a rank has a backlog, its room shrinks to about 10 ms
// of its measured work (at least 2 per worker), so that long tasks are handed
// out as ranks finish them and a slow rank gets fewer. A rank that has
// answered everything while nothing waits starts over at 2 per worker; long
// tasks submitted right behind many short ones, without such a pause, may be
// dealt out up to the grown room before the rank's reports shrink it. A rank
// holding 64 MiB of request bytes or more is sent no more until it answers,
// so it holds less than 64 MiB plus one request.
// A rank that dies (its process killed, the machine lost) ends the whole job:
// MPI (Open MPI 4.1, MPICH 4.0) has no communicator that survives a lost
// rank. The driver checks every 20 ms that the ranks of its own host still
// exist; when one is gone it writes which ranks had tasks in flight and the
// oldest of each, and ends the job (MPI_Abort). A rank of another host is
// noticed by mpirun, which stops every other rank and exits non-zero naming
// the rank that died; the driver writes the same report on the signal
// mpirun sends it. Run mpirun with stdin from /dev/null (or --stdin none) in
// scripts: Open MPI 4.1's mpirun can hang after a rank dies while it
// forwards a pipe to rank 0.
// Termination: Shutdown() waits for every answer, then tells each rank to
// stop; a rank stops its pool and sends its last message; the driver
// finalises MPI once every rank has said so, and so does every rank after
// its last message. No message is left unreceived at MPI_Finalize.
//
// MPI failures: a failed MPI call after Start() (a broken network, a peer
// that vanished without the launcher noticing) ends the whole job with
// MPI_Abort and a message naming the rank and the call; no status could
// report it to every rank.
//
// Threads. MPI is initialised with MPI_THREAD_SERIALIZED: one communication
// thread per rank makes every MPI call after Start() (on the driver a thread
// of the cluster's own; on a serving rank the thread in Serve()). Start()
// and the call that finalises MPI (Shutdown() on the driver, Serve() on the
// others, or the destructor) belong on the same thread, as MPI asks;
// RunCluster() does that. Submit(), Map(), Shutdown(), ShutdownNow(),
// IsShutdown() and stats() are thread-safe. Futures complete on the
// driver's communication thread (on the local pool's thread for a cluster
// of size 1; at once on the submitting thread when Submit() rejects the
// task): a callback that blocks stalls every answer, and one that waits for
// another future of the cluster (Get(), Map()) waits forever; Then() moves
// work to an executor. Shutdown() and ShutdownNow() in such a callback
// start the stop and return FailedPrecondition without waiting.
//
// Memory ordering: ranks share no memory with the driver. A task sees only
// its arguments, as they were when Submit() encoded them; what it computes
// reaches the driver only through its result, which is set before the
// future is ready (a Get() that returns sees it).
//
// Processes. A serving rank forks its pool's task processes before MPI
// starts its own threads; a task process that dies or times out is replaced
// by a fork made while MPI runs. The task processes never call MPI.
//
// Defines ClusterOptions, ClusterStats, Cluster and RunCluster().

#ifndef MULTIRUN_CLUSTER_CLUSTER_H_
#define MULTIRUN_CLUSTER_CLUSTER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/base/invoke.h"
#include "multirun/cluster/internal/cluster_job.h"
#include "multirun/cluster/internal/wake_word.h"
#include "multirun/codec/codec.h"
#include "multirun/futures/future.h"
#include "multirun/processes/process_pool.h"
#include "multirun/sync/lock.h"

namespace multirun {

namespace cluster_internal {
class MpiTransport;
struct DriverState;
struct SavedSignal;

// Whether arguments of the types `Args` convert to parameters `Params`.
template <typename Params, typename Args>
inline constexpr bool kCanPass = false;
template <typename... Params, typename... Args>
requires(
    sizeof...(Params) ==
    sizeof...(Args)) inline constexpr bool kCanPass<std::tuple<Params...>, std::tuple<Args...>> =
    (std::is_constructible_v<std::decay_t<Params>, const Args&> && ...);
}  // namespace cluster_internal

// What Cluster::Start() and RunCluster() take. Every rank must pass the same.
struct ClusterOptions {
  // Task processes per serving rank (the ProcessPool it runs them on); 0
  // means the host's cores divided among the ranks on that host, at least 1.
  int workers_per_rank = 0;
  // A task that runs longer than this on its rank fails with
  // DeadlineExceeded; its process is killed and replaced.
  absl::Duration task_timeout = absl::InfiniteDuration();
  // The most requests a rank holds ahead of its answers, per worker of the
  // rank. Within it the driver sizes each rank's share by what the rank
  // reports (see "Load balancing" at the top of this file).
  int pipeline_depth = ProcessPool::kMaxPipelineDepth;
  // In messages, and the name of each rank's ProcessPool.
  std::string name = "cluster";
};

// Counts since the cluster started, on the driver (exact after Shutdown()).
struct ClusterStats {
  int64_t tasks_submitted = 0;  // accepted by Submit()
  int64_t tasks_answered = 0;   // a rank answered (a value or an error)
  int64_t tasks_cancelled = 0;  // cancelled before sent, or by ShutdownNow()
  // Answers by rank (index 0 counts the tasks of a cluster of size 1).
  std::vector<int64_t> answered_by_rank;
  // The driver's MPI messages and their bytes (0 for a cluster of size 1).
  int64_t messages_sent = 0;
  int64_t messages_received = 0;
  int64_t bytes_sent = 0;
  int64_t bytes_received = 0;
  // The most bytes of requests (encoded arguments) that one rank has held at
  // once since the cluster started: sent to it and not yet answered. The
  // driver sends a rank no more while it holds 64 MiB or more, so this stays
  // below 64 MiB plus the largest request.
  int64_t most_request_bytes_in_flight = 0;
};

class Cluster {
 public:
  // 2 GiB - 1: the most bytes of arguments, or of a result, one task moves.
  static constexpr size_t kMaxMessageBytes = (size_t{1} << 31) - 1;
  static constexpr int kMaxWorkersPerRank = ProcessPool::kMaxWorkers;

  // Joins the MPI job this process was started in (every rank must call it),
  // or makes a cluster of size 1 when no MPI launcher started the process
  // (an MPI job of one rank is one too). Collective: returns on every rank,
  // or fails on every rank (unless MPI_Init itself fails on a rank; MPI then
  // usually ends the job), with
  // InvalidArgument for options out of range (workers_per_rank outside [0,
  // kMaxWorkersPerRank], a task_timeout that is not positive,
  // pipeline_depth outside [1, ProcessPool::kMaxPipelineDepth], an empty
  // name, or options that differ between ranks); FailedPrecondition when the
  // ranks run programs whose registered tasks differ, when MPI was initialised before in this
  // process, or lacks MPI_THREAD_SERIALIZED; what ProcessPool::Create() returns when a rank's pool
  // does not start.
  static absl::StatusOr<std::unique_ptr<Cluster>> Start(int* argc, char*** argv,
                                                        ClusterOptions options = {});

  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
  // The driver: Shutdown(). A serving rank that has not served: Serve().
  ~Cluster();

  // This process's rank, 0 .. size() - 1, and the number of ranks.
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_driver() const { return rank_ == 0; }
  // Whether the cluster runs on MPI (false for a cluster of size 1 started
  // without a launcher).
  bool uses_mpi() const { return transport_ != nullptr; }
  // The task processes of each rank, by rank (for rank 0 of an MPI cluster
  // of more than one rank: 0, it does not run tasks).
  const std::vector<int>& workers_by_rank() const { return workers_by_rank_; }

  // A serving rank: runs the driver's requests until the driver shuts the
  // cluster down, then stops its pool and finalises MPI. Returns OK then, or
  // the error of stopping the pool or finalising MPI (an MPI failure while
  // serving ends the job, see the top of this file). FailedPrecondition on
  // the driver, and when called again.
  absl::Status Serve();

  // Runs `task(args...)` on a rank. The arguments are converted to the
  // task's parameter types and encoded on the calling thread. Never blocks;
  // the future always completes (see the top of this file). Thread-safe.
  template <typename R, typename... Params, typename... Args>
  requires(sizeof...(Params) == sizeof...(Args) &&
           (std::is_constructible_v<std::decay_t<Params>, Args&&> && ...))
      Future<typename base_internal::ValueOf<R>::type> Submit(
          const RegisteredTask<R(Params...)>& task, Args&&... args) {
    using T = typename base_internal::ValueOf<R>::type;
    auto job = std::make_unique<cluster_internal::TypedClusterJob<T>>();
    Future<T> future = job->GetFuture();
    job->task_name = task.name();
    processes_internal::EncodePoolRequest<std::decay_t<Params>...>(task.id(), job->frame,
                                                                   std::forward<Args>(args)...);
    Enqueue(std::move(job));
    return future;
  }

  // Runs the task registered as `name`; as ProcessPool::Submit(name, ...):
  // T is the future's value type and the arguments' decayed types are the
  // parameters. NotFound / InvalidArgument without sending anything.
  template <typename T, typename... Args>
  Future<T> Submit(absl::string_view name, Args&&... args) {
    static_assert(Encodable<std::tuple<std::decay_t<Args>...>>,
                  "Cluster::Submit: an argument type has no multirun::Codec");
    static_assert(Encodable<FutureResult<T>>,
                  "Cluster::Submit: the result type has no multirun::Codec");
    auto job = std::make_unique<cluster_internal::TypedClusterJob<T>>();
    Future<T> future = job->GetFuture();
    if (processes_internal::PrepareNamedPoolRequest<T>("Cluster", options_.name, name, *job,
                                                       std::forward<Args>(args)...)) {
      Enqueue(std::move(job));
    }
    return future;
  }

  // Runs `task(input)` for every element of `inputs` on the ranks and
  // returns the outcomes in input order, each a FutureResult (StatusOr<T>,
  // or Status for a task without a value). Blocks until every task has an
  // outcome. Thread-safe.
  template <typename R, typename Param, typename Range>
  std::vector<FutureResult<typename base_internal::ValueOf<R>::type>> Map(
      const RegisteredTask<R(Param)>& task, const Range& inputs) {
    using T = typename base_internal::ValueOf<R>::type;
    std::vector<Future<T>> futures;
    for (const auto& input : inputs) futures.push_back(Submit(task, input));
    std::vector<FutureResult<T>> results;
    results.reserve(futures.size());
    for (Future<T>& future : futures) results.push_back(future.Get());
    return results;
  }

  // The driver: stops accepting tasks, waits until every accepted task has
  // an answer, stops every rank and finalises MPI. Blocks. OK, also when
  // called again; the error of finalising MPI (or, for a cluster of size 1,
  // of stopping its pool) otherwise. In a callback of the cluster's futures:
  // FailedPrecondition, without waiting. On a serving rank:
  // FailedPrecondition (Serve() ends when the driver shuts down).
  absl::Status Shutdown();

  // The driver: stops accepting tasks, fails every task without an answer
  // with Cancelled (queued, sent, running: the ranks kill their task
  // processes), then shuts down as Shutdown() does; also while another
  // thread waits in Shutdown(). Returns how many tasks it cancelled (in a
  // callback of the cluster's futures: those still queued; the rest are
  // cancelled when the callback returns).
  size_t ShutdownNow();

  ClusterStats stats() const;

  // Whether Shutdown() or ShutdownNow() has begun (the driver).
  bool IsShutdown() const;

  // Whether a launcher of MPI jobs (mpirun, mpiexec, srun) started this
  // process, so that Start() joins an MPI job.
  static bool LaunchedByMpi();

  // The rank of the cluster this code runs in: in a task, the rank that runs
  // it; on a rank's own threads, that rank; -1 outside a cluster.
  static int CurrentRank();

 private:
  friend struct cluster_internal::DriverState;

  Cluster(ClusterOptions options);

  void Enqueue(std::unique_ptr<cluster_internal::ClusterJob> job);
  absl::Status StopDriver(bool now, size_t* cancelled);
  void Drive();

  const ClusterOptions options_;
  int rank_ = 0;
  int size_ = 1;
  std::vector<int> workers_by_rank_;
  std::unique_ptr<cluster_internal::MpiTransport> transport_;
  // A cluster of size 1: where its tasks run. A serving rank: made by
  // Serve().
  std::unique_ptr<ProcessPool> pool_;

  mutable Lock queue_lock_;
  std::deque<std::unique_ptr<cluster_internal::ClusterJob>> queue_ ABSL_GUARDED_BY(queue_lock_);
  bool closed_ ABSL_GUARDED_BY(queue_lock_) = false;
  bool stop_now_ ABSL_GUARDED_BY(queue_lock_) = false;
  cluster_internal::WakeWord wake_;

  // The driver's communication thread and what it shares.
  std::thread driver_;
  std::unique_ptr<cluster_internal::DriverState> state_;
  std::unique_ptr<cluster_internal::SavedSignal> previous_sigterm_;
  std::atomic<int64_t> submitted_{0};
  std::atomic<int64_t> cancelled_{0};
  std::atomic<int64_t> stopped_now_{0};

  Lock shutdown_lock_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_lock_) = false;
  bool served_ = false;
  absl::Status end_status_ ABSL_GUARDED_BY(shutdown_lock_);
};

// Returns a function that runs registered task `task` on `cluster` with
// `bound...` followed by its own arguments, and returns the task's Future: a
// Graph node (graph/graph.h) whose work runs on a rank. The graph runs on the
// driver, on any executor; each node's dependency results are sent as Codec
// bytes to the rank that runs the node, and its result comes back to the
// driver, which completes the node; with GraphRunOptions::timeline, the
// report's GraphNodeTiming::origin of each node is the rank that ran it. A
// node whose task fails, throws, is killed or times out on its rank fails
// with that error, under the graph's failure policy; Graph::Cancel() stops
// the nodes that have not started.
//
// Example: a profit from revenue and expenses, each step on a rank.
//
//   double Revenue(int year);                // Registered with
//   double Expenses(int year);               // MULTIRUN_REGISTER_TASK as
//   double Profit(double r, double e);       // RevenueTask, ... .
//
//   multirun::Graph graph;
//   auto revenue = graph.Add("revenue", multirun::OnCluster(cluster,
//                                                           RevenueTask, 2026));
//   auto expenses = graph.Add("expenses",
//                             multirun::OnCluster(cluster, ExpensesTask, 2026));
//   auto profit = graph.Add("profit", multirun::OnCluster(cluster, ProfitTask),
//                           revenue, expenses);
//   multirun::ThreadPool pool(2);
//   absl::StatusOr<multirun::GraphRunReport> report = graph.RunAndWait(pool);
template <typename R, typename... Params, typename... Bound>
auto OnCluster(Cluster& cluster, const RegisteredTask<R(Params...)>& task, Bound... bound) {
  static_assert(sizeof...(Bound) <= sizeof...(Params),
                "OnCluster: more bound arguments than the task has parameters");
  return [ cluster = &cluster, task, bound... ]<typename... Rest>(const Rest&... rest) requires(
      cluster_internal::kCanPass<std::tuple<Params...>, std::tuple<Bound..., Rest...>>) {
    return cluster->Submit(task, bound..., rest...);
  };
}

// Runs a program on the cluster: starts it (Cluster::Start()), then on rank 0
// runs `driver(cluster)` and shuts the cluster down; on every other rank
// serves until then. Returns, on rank 0, the driver's status (Unknown with
// the type and message when it throws; the cluster is stopped with
// ShutdownNow() then, and after an error) or the first error of shutting
// down; on the other ranks, the status of serving. MPI is finalised on every
// path.
absl::Status RunCluster(int* argc, char*** argv, ClusterOptions options,
                        absl::FunctionRef<absl::Status(Cluster&)> driver);

}  // namespace multirun

#endif  // MULTIRUN_CLUSTER_CLUSTER_H_
