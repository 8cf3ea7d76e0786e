// Copyright 2026 The multirun Authors.

#include "multirun/cluster/cluster.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "cluster/internal/rank_server.h"
#include "multirun/base/current_exception.h"
#include "multirun/cluster/internal/cluster_job.h"
#include "multirun/cluster/internal/cluster_protocol.h"
#include "multirun/cluster/internal/mpi_transport.h"
#include "multirun/codec/codec.h"
#include "multirun/processes/process_pool.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace cluster_internal {
namespace {

std::atomic<int> g_current_rank{-1};

// The cluster whose futures the calling thread is completing (a callback
// runs inside), or nullptr.
thread_local const void* t_completing = nullptr;

class ScopedCompleting {
 public:
  explicit ScopedCompleting(const void* cluster) : previous_(t_completing) {
    t_completing = cluster;
  }
  ScopedCompleting(const ScopedCompleting&) = delete;
  ScopedCompleting& operator=(const ScopedCompleting&) = delete;
  ~ScopedCompleting() { t_completing = previous_; }

 private:
  const void* previous_;
};

// A request frame's bytes besides the arguments' (the u64 job number).
constexpr size_t kRequestOverhead = sizeof(uint64_t);

// How many requests a rank holds. A rank starts with 2 per task process (at
// most pipeline_depth). When the driver has more requests than the ranks
// have room for and a rank reports that its task processes have nothing
// waiting, its room doubles, up to pipeline_depth per process: enough to
// cover the round trip, however slow the network or busy the host. When every
// report of a kLoadWindow shows a backlog, the rank's answers in that window
// give its rate, and its room shrinks to about kBacklogSeconds of work (at
// least 2 per process), so that long tasks are handed out as ranks finish
// them, not dealt out in advance.
// A rank holding this many request bytes is sent no more until it answers
// (so it holds less than this plus one request), so that large arguments do
// not fill the ranks' memory.
constexpr size_t kMostBytesInFlight = size_t{64} << 20;
constexpr auto kLoadWindow = std::chrono::milliseconds(5);
constexpr double kBacklogSeconds = 0.010;

// What the driver's SIGTERM handler reads: per rank, the tasks in flight and
// the name of the oldest of them (static storage, NUL-terminated).
struct SignalView {
  int size = 0;
  std::unique_ptr<std::atomic<int64_t>[]> in_flight;
  std::unique_ptr<std::atomic<const char*>[]> oldest_task;
  std::unique_ptr<pid_t[]> pids;
  // Each rank's host name (NUL-terminated), and whether it is the driver's.
  std::vector<std::string> hosts;
  std::unique_ptr<bool[]> on_driver_host;
};
std::atomic<SignalView*> g_signal_view{nullptr};

// Async-signal-safe output.
void WriteText(const char* text) {
  ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
  (void)ignored;
}
void WriteNumber(int64_t value) {
  char digits[24];
  int n = 0;
  bool negative = value < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value)
                                : static_cast<uint64_t>(value);
  do {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  char text[26];
  int at = 0;
  if (negative) text[at++] = '-';
  while (n > 0) text[at++] = digits[--n];
  text[at] = '\0';
  WriteText(text);
}

void OnTerminate(int signal_number) {
  SignalView* view = g_signal_view.load(std::memory_order_acquire);
  WriteText("multirun cluster: the driver (rank 0) got signal ");
  WriteNumber(signal_number);
  WriteText(
      " (mpirun sends it when a rank dies or the job is stopped); tasks in "
      "flight:");
  bool any = false;
  if (view != nullptr) {
    for (int rank = 1; rank < view->size; ++rank) {
      const int64_t count =
          view->in_flight[rank].load(std::memory_order_relaxed);
      if (count == 0) continue;
      any = true;
      WriteText("\n  rank ");
      WriteNumber(rank);
      WriteText(" (pid ");
      WriteNumber(view->pids[rank]);
      if (view->on_driver_host[rank]) {
        // A process of this host can be asked whether it still exists.
        WriteText(kill(view->pids[rank], 0) == 0 ? ", running" : ", gone");
      } else {
        WriteText(" on ");
        WriteText(view->hosts[rank].c_str());
      }
      WriteText("): ");
      WriteNumber(count);
      WriteText(" task(s) in flight, the oldest '");
      const char* name =
          view->oldest_task[rank].load(std::memory_order_relaxed);
      WriteText(name != nullptr ? name : "?");
      WriteText("'");
    }
  }
  if (!any) WriteText(" none");
  WriteText("\n");
  signal(signal_number, SIG_DFL);
  raise(signal_number);
}

// The tasks in flight on each rank, one line each (outside a signal
// handler).
std::string InFlightReport(const SignalView& view) {
  std::string out;
  for (int rank = 1; rank < view.size; ++rank) {
    const int64_t count = view.in_flight[rank].load(std::memory_order_relaxed);
    if (count == 0) continue;
    const char* name = view.oldest_task[rank].load(std::memory_order_relaxed);
    absl::StrAppend(&out, "\n  rank ", rank, " (pid ", view.pids[rank], " on ",
                    view.hosts[rank], "): ", count,
                    " task(s) in flight, the oldest '",
                    name != nullptr ? name : "?", "'");
  }
  return out.empty() ? " none" : out;
}

}  // namespace

// The SIGTERM action the driver replaced, restored when it shuts down.
struct SavedSignal {
  struct sigaction action = {};
};

// The driver's communication thread's state.
struct DriverState {
  struct Rank {
    // Requests the rank may hold: between `least` and `most`, sized by the
    // rank's load reports (Cluster::Drive()).
    int64_t workers = 1;
    int64_t capacity = 0;
    int64_t least = 0;
    int64_t most = 0;
    int64_t in_flight = 0;
    // The bytes of the requests in flight.
    size_t in_flight_bytes = 0;
    // Since `window_start`: answers, whether every load report showed a
    // backlog, and whether the driver had requests the rank had no room for.
    std::chrono::steady_clock::time_point window_start;
    int64_t window_answers = 0;
    bool backlogged = true;
    bool full = false;
    // The jobs sent and not answered, in the order sent.
    std::set<uint64_t> unanswered;
    std::string batch;
    bool stopped = false;
  };
  struct Sent {
    std::unique_ptr<ClusterJob> job;
    int rank = 0;
    size_t bytes = 0;  // Of its request.
  };

  explicit DriverState(int size)
      : ranks(size), answered(new std::atomic<int64_t>[size]) {
    for (int i = 0; i < size; ++i) answered[i].store(0);
  }

  std::vector<Rank> ranks;
  absl::flat_hash_map<uint64_t, Sent> sent;
  uint64_t next_job = 1;
  std::unique_ptr<std::atomic<int64_t>[]> answered;
  SignalView signal_view;
  // The transport's counts, published for stats().
  std::atomic<int64_t> messages_sent{0};
  std::atomic<int64_t> messages_received{0};
  std::atomic<int64_t> bytes_sent{0};
  std::atomic<int64_t> bytes_received{0};
  // The most request bytes one rank has held at once (driver thread writes).
  std::atomic<int64_t> most_request_bytes{0};
};

namespace {

// A cluster of size 1: a task's answer from the local pool goes straight to
// its driver-side job.
class LocalJob final : public processes_internal::PoolJob {
 public:
  LocalJob(std::unique_ptr<ClusterJob> job, std::atomic<int64_t>* answered,
           const void* cluster)
      : job_(std::move(job)), answered_(answered), cluster_(cluster) {
    frame = std::move(job_->frame);
    task_name = job_->task_name;
  }
  bool TryStart() override { return job_->TryStart(); }
  void Complete(absl::string_view encoded, pid_t) override {
    answered_->fetch_add(1, std::memory_order_relaxed);
    ScopedCompleting completing(cluster_);
    job_->SetOrigin(0);
    job_->Complete(encoded, 0);
  }
  bool Fail(absl::Status status) override {
    ScopedCompleting completing(cluster_);
    job_->SetOrigin(0);
    return job_->Fail(std::move(status));
  }

 private:
  std::unique_ptr<ClusterJob> job_;
  std::atomic<int64_t>* answered_;
  const void* cluster_;
};

absl::Status ValidateOptions(const ClusterOptions& options) {
  if (options.workers_per_rank < 0 ||
      options.workers_per_rank > Cluster::kMaxWorkersPerRank) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Cluster: workers_per_rank must be in [0, ",
        Cluster::kMaxWorkersPerRank, "], got ", options.workers_per_rank));
  }
  if (options.task_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("Cluster: task_timeout must be positive");
  }
  if (options.pipeline_depth < 1 ||
      options.pipeline_depth > ProcessPool::kMaxPipelineDepth) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Cluster: pipeline_depth must be in [1, ",
        ProcessPool::kMaxPipelineDepth, "], got ", options.pipeline_depth));
  }
  if (options.name.empty()) {
    return absl::InvalidArgumentError("Cluster: name must not be empty");
  }
  return absl::OkStatus();
}

// The first of the environment variables `names` that is set, as an int.
std::optional<int> EnvInt(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* value = std::getenv(name);
    int parsed = 0;
    if (value != nullptr && absl::SimpleAtoi(value, &parsed)) return parsed;
  }
  return std::nullopt;
}

// A rank's share of its host's cores. When the launcher bound the rank to
// fewer cores than the host has, those cores are its share; otherwise the
// host's cores divided among the ranks on it.
int DefaultWorkers(int ranks_on_host) {
  const int host =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    const int bound = CPU_COUNT(&allowed);
    if (bound > 0 && bound < host) return bound;
  }
  return std::max(1, host / std::max(1, ranks_on_host));
}

absl::StatusOr<std::unique_ptr<ProcessPool>> MakePool(
    const ClusterOptions& options, int workers, int rank) {
  return ProcessPool::Create({.workers = workers,
                              .task_timeout = options.task_timeout,
                              .name = absl::StrCat(options.name, "-r", rank)});
}

[[noreturn]] void CommunicationFailed(MpiTransport& transport,
                                      const absl::Status& status) {
  const std::string text = absl::StrCat(
      "multirun cluster: rank ", transport.rank(),
      ": communication failed, ending the job: ", status.ToString(), "\n");
  ssize_t ignored = write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
  transport.Abort(1);
}

}  // namespace
}  // namespace cluster_internal

using cluster_internal::AnswerKind;
using cluster_internal::ClusterJob;
using cluster_internal::DriverState;
using cluster_internal::MpiTransport;

bool Cluster::LaunchedByMpi() { return cluster_internal::LaunchedByMpi(); }

int Cluster::CurrentRank() {
  return cluster_internal::g_current_rank.load(std::memory_order_relaxed);
}

Cluster::Cluster(ClusterOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Start(
    int* argc, char*** argv, ClusterOptions options) {
  absl::Status valid = cluster_internal::ValidateOptions(options);
  std::unique_ptr<Cluster> cluster(new Cluster(std::move(options)));
  const ClusterOptions& o = cluster->options_;
  if (!cluster_internal::LaunchedByMpi()) {
    if (!valid.ok()) return valid;
    cluster_internal::g_current_rank.store(0);
    const int workers = o.workers_per_rank > 0
                            ? o.workers_per_rank
                            : cluster_internal::DefaultWorkers(1);
    absl::StatusOr<std::unique_ptr<ProcessPool>> pool =
        cluster_internal::MakePool(o, workers, 0);
    if (!pool.ok()) return pool.status();
    cluster->pool_ = *std::move(pool);
    cluster->workers_by_rank_ = {workers};
    cluster->state_ = std::make_unique<DriverState>(1);
    return cluster;
  }

  // A serving rank forks its pool's workers before MPI starts threads of its
  // own, so no fork copies a thread of MPI's in the middle of an allocation.
  // The launcher's environment says the rank and the ranks on this host;
  // after MPI_Init the rank is checked, and the pool made again if it was
  // wrong.
  const std::optional<int> launched_rank = cluster_internal::EnvInt(
      {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"});
  const int ranks_on_host =
      cluster_internal::EnvInt(
          {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PMI_LOCAL_SIZE"})
          .value_or(1);
  int workers = 0;
  absl::Status mine = valid;
  auto make_pool = [&](int rank, int on_host) {
    cluster->pool_.reset();
    cluster_internal::g_current_rank.store(rank);
    workers = o.workers_per_rank > 0
                  ? o.workers_per_rank
                  : cluster_internal::DefaultWorkers(on_host);
    absl::StatusOr<std::unique_ptr<ProcessPool>> pool =
        cluster_internal::MakePool(o, workers, rank);
    if (pool.ok()) {
      cluster->pool_ = *std::move(pool);
    } else {
      mine = pool.status();
    }
  };
  if (mine.ok() && launched_rank.has_value() && *launched_rank != 0) {
    make_pool(*launched_rank, ranks_on_host);
  }

  absl::StatusOr<std::unique_ptr<MpiTransport>> transport =
      MpiTransport::Init(argc, argv);
  if (!transport.ok()) return transport.status();
  cluster->transport_ = *std::move(transport);
  MpiTransport& mpi = *cluster->transport_;
  cluster->rank_ = mpi.rank();
  cluster->size_ = mpi.size();
  cluster_internal::g_current_rank.store(cluster->rank_);
  if (cluster->size_ == 1) {
    // An MPI job of one rank: the driver runs the tasks on a pool of its own,
    // as a cluster started without a launcher does.
    if (!valid.ok()) {
      (void)mpi.Finalize();
      return valid;
    }
    const int local = o.workers_per_rank > 0
                          ? o.workers_per_rank
                          : cluster_internal::DefaultWorkers(1);
    absl::StatusOr<std::unique_ptr<ProcessPool>> pool =
        cluster_internal::MakePool(o, local, 0);
    if (!pool.ok()) {
      (void)mpi.Finalize();
      return pool.status();
    }
    cluster->pool_ = *std::move(pool);
    cluster->workers_by_rank_ = {local};
    cluster->state_ = std::make_unique<DriverState>(1);
    return cluster;
  }
  if (mine.ok() && cluster->rank_ != 0 &&
      (launched_rank != cluster->rank_ || cluster->pool_ == nullptr)) {
    make_pool(cluster->rank_, mpi.ranks_on_host());
  } else if (cluster->rank_ == 0 && cluster->pool_ != nullptr) {
    (void)cluster->pool_->Shutdown();
    cluster->pool_.reset();
    workers = 0;
  }

  // Every rank says what it has: its status, workers, pid, host, options and
  // registry.
  const std::string registry = processes_internal::DescribePoolTasks();
  const std::string options_said =
      absl::StrCat("workers_per_rank ", o.workers_per_rank, ", task_timeout ",
                   absl::FormatDuration(o.task_timeout), ", pipeline_depth ",
                   o.pipeline_depth, ", name \"", o.name, "\"");
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  absl::StatusOr<std::vector<std::string>> all = mpi.AllGather(
      Encode(std::make_tuple(mine, workers, static_cast<int64_t>(getpid()),
                             std::string(host), options_said, registry)));
  absl::Status verdict = all.status();
  std::vector<int64_t> pids(cluster->size_);
  std::vector<std::string> hosts(cluster->size_);
  if (verdict.ok()) {
    cluster->workers_by_rank_.resize(cluster->size_);
    for (int r = 0; r < cluster->size_ && verdict.ok(); ++r) {
      auto said = Decode<std::tuple<absl::Status, int, int64_t, std::string,
                                    std::string, std::string>>((*all)[r]);
      if (!said.ok()) {
        verdict = absl::DataLossError(absl::StrCat(
            "Cluster: rank ", r, "'s start-up message does not decode"));
        break;
      }
      const auto& [status, rank_workers, pid, rank_host, rank_options, tasks] =
          *said;
      if (!status.ok()) {
        verdict = absl::Status(
            status.code(),
            absl::StrCat("Cluster: rank ", r, ": ", status.message()));
      } else if (rank_options != options_said) {
        verdict = absl::InvalidArgumentError(
            absl::StrCat("Cluster: rank ", r, " has other options than rank ",
                         cluster->rank_, " (", rank_options, " against ",
                         options_said, "); every rank must pass the same"));
      } else if (tasks != registry) {
        verdict = absl::FailedPreconditionError(absl::StrCat(
            "Cluster: rank ", r, " registered other tasks than rank ",
            cluster->rank_, " (run the same program on every rank):\n", tasks,
            "against\n", registry));
      }
      cluster->workers_by_rank_[r] = rank_workers;
      pids[r] = pid;
      hosts[r] = rank_host;
    }
  }
  if (!verdict.ok()) {
    if (cluster->pool_ != nullptr) (void)cluster->pool_->Shutdown();
    (void)mpi.Finalize();
    LockHolder hold(cluster->shutdown_lock_);
    cluster->shut_down_ = true;
    cluster->served_ = true;
    return verdict;
  }
  if (cluster->rank_ != 0) return cluster;

  // The driver: its communication thread, and what its SIGTERM handler
  // reports.
  cluster->state_ = std::make_unique<DriverState>(cluster->size_);
  DriverState& state = *cluster->state_;
  for (int r = 1; r < cluster->size_; ++r) {
    DriverState::Rank& rank = state.ranks[r];
    const int64_t workers = std::max(1, cluster->workers_by_rank_[r]);
    rank.workers = workers;
    rank.most = workers * o.pipeline_depth;
    rank.least = std::min(rank.most, 2 * workers);
    rank.capacity = rank.least;
    rank.window_start = std::chrono::steady_clock::now();
  }
  cluster_internal::SignalView& view = state.signal_view;
  view.size = cluster->size_;
  view.in_flight.reset(new std::atomic<int64_t>[cluster->size_]);
  view.oldest_task.reset(new std::atomic<const char*>[cluster->size_]);
  view.pids.reset(new pid_t[cluster->size_]);
  view.hosts = std::move(hosts);
  view.on_driver_host.reset(new bool[cluster->size_]);
  for (int r = 0; r < cluster->size_; ++r) {
    view.in_flight[r].store(0);
    view.oldest_task[r].store(nullptr);
    view.pids[r] = static_cast<pid_t>(pids[r]);
    view.on_driver_host[r] = view.hosts[r] == view.hosts[0];
  }
  cluster_internal::g_signal_view.store(&view, std::memory_order_release);
  struct sigaction action = {};
  action.sa_handler = &cluster_internal::OnTerminate;
  sigemptyset(&action.sa_mask);
  cluster->previous_sigterm_ =
      std::make_unique<cluster_internal::SavedSignal>();
  sigaction(SIGTERM, &action, &cluster->previous_sigterm_->action);
  cluster->driver_ = std::thread([c = cluster.get()] { c->Drive(); });
  return cluster;
}

Cluster::~Cluster() {
  if (is_driver()) {
    (void)Shutdown();
  } else if (!served_) {
    (void)Serve();
  }
}

void Cluster::Enqueue(std::unique_ptr<ClusterJob> job) {
  if (!is_driver()) {
    job->Fail(absl::FailedPreconditionError(
        absl::StrCat("Cluster ", options_.name, ": Submit on rank ", rank_,
                     "; only the driver (rank 0) submits tasks")));
    return;
  }
  if (job->frame.size() >
      kMaxMessageBytes - cluster_internal::kRequestOverhead) {
    job->Fail(absl::ResourceExhaustedError(
        absl::StrCat("Cluster ", options_.name, ": task ", job->task_name, ": ",
                     job->frame.size(),
                     " bytes of arguments are more than one MPI message "
                     "carries (",
                     kMaxMessageBytes, ")")));
    return;
  }
  if (pool_ != nullptr) {  // A cluster of size 1.
    {
      LockHolder hold(queue_lock_);
      if (closed_) {
        job->Fail(absl::FailedPreconditionError(
            absl::StrCat("Cluster ", options_.name, " is shut down")));
        return;
      }
    }
    submitted_.fetch_add(1, std::memory_order_relaxed);
    processes_internal::PoolAccess::Enqueue(
        *pool_, std::make_unique<cluster_internal::LocalJob>(
                    std::move(job), &state_->answered[0], this));
    return;
  }
  {
    LockHolder hold(queue_lock_);
    if (!closed_) queue_.push_back(std::move(job));
  }
  if (job != nullptr) {
    job->Fail(absl::FailedPreconditionError(
        absl::StrCat("Cluster ", options_.name, " is shut down")));
    return;
  }
  submitted_.fetch_add(1, std::memory_order_relaxed);
  wake_.Wake();
}

void Cluster::Drive() {
  // Every callback of the cluster's futures runs on this thread.
  cluster_internal::ScopedCompleting completing(this);
  DriverState& state = *state_;
  MpiTransport& mpi = *transport_;
  cluster_internal::SignalView& view = state.signal_view;
  std::deque<std::unique_ptr<ClusterJob>> taken;
  bool now = false;
  bool stop_sent = false;
  // A rank of the driver's host that dies is noticed here, before mpirun
  // stops the job (whose SIGTERM report may be lost with the driver's
  // output): checked every kLivenessPeriod.
  constexpr auto kLivenessPeriod = std::chrono::milliseconds(20);
  auto next_liveness = std::chrono::steady_clock::now() + kLivenessPeriod;
  auto check_liveness = [&] {
    for (int r = 1; r < size_; ++r) {
      if (!view.on_driver_host[r] || state.ranks[r].stopped) continue;
      if (kill(view.pids[r], 0) == 0 || errno != ESRCH) continue;
      const std::string text =
          absl::StrCat("multirun cluster: rank ", r, " (pid ", view.pids[r],
                       ") is gone; ending the job. Tasks in flight:",
                       cluster_internal::InFlightReport(view), "\n");
      ssize_t ignored = write(STDERR_FILENO, text.data(), text.size());
      (void)ignored;
      mpi.Abort(1);
    }
  };
  const absl::Status cancelled = absl::CancelledError(
      absl::StrCat("cancelled by Cluster::ShutdownNow (", options_.name, ")"));

  auto fail_all_sent = [&] {
    for (auto& [id, sent] : state.sent) {
      if (sent.job->Fail(cancelled)) {
        cancelled_.fetch_add(1, std::memory_order_relaxed);
        stopped_now_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    state.sent.clear();
    for (int r = 1; r < size_; ++r) {
      state.ranks[r].in_flight = 0;
      state.ranks[r].in_flight_bytes = 0;
      state.ranks[r].unanswered.clear();
      view.in_flight[r].store(0, std::memory_order_relaxed);
      view.oldest_task[r].store(nullptr, std::memory_order_relaxed);
    }
  };

  // Sizes a rank's room by its load report (see kLoadWindow).
  auto on_load = [&](int r, absl::string_view bytes) {
    absl::StatusOr<uint64_t> unstarted = cluster_internal::ReadLoad(bytes);
    if (!unstarted.ok()) {
      cluster_internal::CommunicationFailed(
          mpi, absl::InternalError(absl::StrCat("rank ", r, ": ",
                                                unstarted.status().message())));
    }
    DriverState::Rank& rank = state.ranks[r];
    const auto clock = std::chrono::steady_clock::now();
    const std::chrono::duration<double> elapsed = clock - rank.window_start;
    bool next_window = elapsed >= cluster_internal::kLoadWindow;
    if (*unstarted == 0) {
      rank.backlogged = false;
      if (rank.full && rank.capacity < rank.most) {
        rank.capacity = std::min(rank.most, 2 * rank.capacity);
        next_window = true;
      }
    } else if (next_window && rank.backlogged && rank.window_answers > 0) {
      const double target = static_cast<double>(rank.window_answers) /
                            elapsed.count() * cluster_internal::kBacklogSeconds;
      if (static_cast<double>(rank.capacity) > 2 * target) {
        rank.capacity =
            std::max(rank.least, static_cast<int64_t>(std::ceil(target)));
      }
    }
    if (next_window) {
      rank.window_start = clock;
      rank.window_answers = 0;
      rank.backlogged = true;
      rank.full = false;
    }
  };

  auto on_answer = [&](int rank, uint64_t id, AnswerKind kind,
                       absl::string_view bytes) {
    if (kind == AnswerKind::kLoad) {
      if (id != 0) {
        cluster_internal::CommunicationFailed(
            mpi, absl::InternalError(absl::StrCat(
                     "rank ", rank, " sent a load report as job ", id)));
      }
      on_load(rank, bytes);
      return;
    }
    ++state.ranks[rank].window_answers;
    auto it = state.sent.find(id);
    if (it == state.sent.end()) return;  // Cancelled by ShutdownNow().
    if (it->second.rank != rank) {
      cluster_internal::CommunicationFailed(
          mpi, absl::InternalError(absl::StrCat("rank ", rank, " answered job ",
                                                id, ", which was sent to rank ",
                                                it->second.rank)));
    }
    std::unique_ptr<ClusterJob> job = std::move(it->second.job);
    DriverState::Rank& from = state.ranks[rank];
    from.in_flight_bytes -= it->second.bytes;
    state.sent.erase(it);
    --from.in_flight;
    view.in_flight[rank].fetch_sub(1, std::memory_order_relaxed);
    const bool was_oldest =
        !from.unanswered.empty() && *from.unanswered.begin() == id;
    from.unanswered.erase(id);
    if (was_oldest) {
      const char* oldest = nullptr;
      if (!from.unanswered.empty()) {
        auto next = state.sent.find(*from.unanswered.begin());
        if (next != state.sent.end())
          oldest = next->second.job->task_name.data();
      }
      view.oldest_task[rank].store(oldest, std::memory_order_relaxed);
    }
    state.answered[rank].fetch_add(1, std::memory_order_relaxed);
    job->SetOrigin(rank);
    if (kind == AnswerKind::kResult) {
      job->Complete(bytes, rank);
      return;
    }
    absl::StatusOr<absl::Status> error = Decode<absl::Status>(bytes);
    if (!error.ok()) {
      job->Fail(absl::DataLossError(
          absl::StrCat("task ", job->task_name, ": the error from rank ", rank,
                       " does not decode: ", error.status().message())));
    } else {
      job->Fail(absl::Status(error->code(),
                             absl::StrCat("task ", job->task_name, " on rank ",
                                          rank, ": ", error->message())));
    }
  };

  auto flush = [&](int rank) {
    std::string& batch = state.ranks[rank].batch;
    if (batch.empty()) return;
    absl::Status sent =
        mpi.Send(rank, cluster_internal::kRequestTag, std::move(batch));
    batch.clear();
    if (!sent.ok()) cluster_internal::CommunicationFailed(mpi, sent);
  };

  for (;;) {
    bool progress = false;
    for (int round = 0; round < 64; ++round) {
      absl::StatusOr<std::optional<cluster_internal::MpiMessage>> message =
          mpi.TryReceive();
      if (!message.ok()) {
        cluster_internal::CommunicationFailed(mpi, message.status());
      }
      if (!message->has_value()) break;
      progress = true;
      cluster_internal::MpiMessage& m = **message;
      absl::Status handled;
      if (m.source <= 0 || m.source >= size_) {
        handled =
            absl::InternalError(absl::StrCat("a message from rank ", m.source));
      } else if (m.tag == cluster_internal::kAnswerTag) {
        handled = cluster_internal::ForEachAnswer(
            m.bytes, [&](uint64_t id, AnswerKind kind, absl::string_view b) {
              on_answer(m.source, id, kind, b);
            });
      } else if (m.tag == cluster_internal::kStoppedTag) {
        state.ranks[m.source].stopped = true;
      } else {
        handled = absl::InternalError(absl::StrCat(
            "an unexpected message (tag ", m.tag, ") from rank ", m.source));
      }
      if (!handled.ok()) cluster_internal::CommunicationFailed(mpi, handled);
    }

    int64_t room = 0;
    for (int r = 1; r < size_; ++r) {
      room += std::max<int64_t>(
          0, state.ranks[r].capacity - state.ranks[r].in_flight);
    }
    room -= static_cast<int64_t>(taken.size());
    bool closed = false;
    bool stop_now = false;
    bool queue_empty = false;
    {
      LockHolder hold(queue_lock_);
      while (room > 0 && !queue_.empty()) {
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
        --room;
      }
      closed = closed_;
      stop_now = stop_now_;
      queue_empty = queue_.empty();
    }
    if (!queue_empty) {  // More requests than the ranks have room for.
      for (int r = 1; r < size_; ++r) state.ranks[r].full = true;
    }
    if (stop_now && !now) {
      now = true;
      for (auto& job : taken) {
        if (job->Fail(cancelled)) {
          cancelled_.fetch_add(1, std::memory_order_relaxed);
          stopped_now_.fetch_add(1, std::memory_order_relaxed);
        }
      }
      taken.clear();
      fail_all_sent();
    }

    // Each request to the rank with room that holds the fewest per worker.
    while (!taken.empty()) {
      int best = -1;
      for (int r = 1; r < size_; ++r) {
        const DriverState::Rank& rank = state.ranks[r];
        if (rank.in_flight >= rank.capacity ||
            (rank.in_flight > 0 &&
             rank.in_flight_bytes >= cluster_internal::kMostBytesInFlight)) {
          continue;
        }
        if (best < 0 || rank.in_flight * state.ranks[best].workers <
                            state.ranks[best].in_flight * rank.workers) {
          best = r;
        }
      }
      if (best < 0) break;
      progress = true;
      std::unique_ptr<ClusterJob> job = std::move(taken.front());
      taken.pop_front();
      if (!job->TryStart()) {  // Cancelled: its future is complete.
        cancelled_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      const uint64_t id = state.next_job++;
      DriverState::Rank& rank = state.ranks[best];
      if (!rank.batch.empty() && rank.batch.size() +
                                         cluster_internal::kRequestOverhead +
                                         job->frame.size() >
                                     kMaxMessageBytes) {
        flush(best);
      }
      cluster_internal::AppendRequest(id, job->frame, &rank.batch);
      const size_t bytes = job->frame.size();
      rank.in_flight_bytes += bytes;
      ++rank.in_flight;
      if (static_cast<int64_t>(rank.in_flight_bytes) >
          state.most_request_bytes.load(std::memory_order_relaxed)) {
        state.most_request_bytes.store(
            static_cast<int64_t>(rank.in_flight_bytes),
            std::memory_order_relaxed);
      }
      view.in_flight[best].fetch_add(1, std::memory_order_relaxed);
      if (rank.unanswered.empty()) {
        view.oldest_task[best].store(job->task_name.data(),
                                     std::memory_order_relaxed);
      }
      rank.unanswered.insert(id);
      job->frame = std::string();  // Sent: the bytes are in the batch.
      state.sent.emplace(id, DriverState::Sent{std::move(job), best, bytes});
      if (rank.batch.size() >= cluster_internal::kBatchBytes) flush(best);
    }
    for (int r = 1; r < size_; ++r) {
      flush(r);
      // A rank with nothing to do starts over: the next requests may be
      // other tasks than those its room was sized for.
      if (queue_empty && taken.empty() && state.ranks[r].in_flight == 0) {
        state.ranks[r].capacity = state.ranks[r].least;
      }
    }

    absl::StatusOr<size_t> pending = mpi.ProgressSends();
    if (!pending.ok())
      cluster_internal::CommunicationFailed(mpi, pending.status());
    state.messages_sent.store(mpi.messages_sent(), std::memory_order_relaxed);
    state.messages_received.store(mpi.messages_received(),
                                  std::memory_order_relaxed);
    state.bytes_sent.store(mpi.bytes_sent(), std::memory_order_relaxed);
    state.bytes_received.store(mpi.bytes_received(), std::memory_order_relaxed);

    if (closed && !stop_sent && queue_empty && taken.empty() &&
        state.sent.empty()) {
      for (int r = 1; r < size_; ++r) {
        absl::Status sent = mpi.Send(r, cluster_internal::kStopTag,
                                     std::string(1, now ? 1 : 0));
        if (!sent.ok()) cluster_internal::CommunicationFailed(mpi, sent);
      }
      stop_sent = true;
      progress = true;
    }
    if (stop_sent && *pending == 0 &&
        std::all_of(state.ranks.begin() + 1, state.ranks.end(),
                    [](const DriverState::Rank& r) { return r.stopped; })) {
      return;
    }
    if (const auto clock = std::chrono::steady_clock::now();
        clock >= next_liveness) {
      check_liveness();
      next_liveness = clock + kLivenessPeriod;
    }
    if (progress) {
      wake_.Busy();
    } else {
      wake_.Idle(!state.sent.empty() || stop_sent);
    }
  }
}

absl::Status Cluster::Serve() {
  if (is_driver()) {
    return absl::FailedPreconditionError(
        "Cluster::Serve: rank 0 drives; only the other ranks serve");
  }
  if (served_) {
    return absl::FailedPreconditionError(
        absl::StrCat("Cluster::Serve: rank ", rank_, " has served already"));
  }
  served_ = true;
  absl::Status status = cluster_internal::ServeRequests(*transport_, *pool_);
  if (!status.ok()) cluster_internal::CommunicationFailed(*transport_, status);
  absl::Status pool = pool_->Shutdown();
  absl::Status finalized = transport_->Finalize();
  if (!pool.ok()) return pool;
  return finalized;
}

absl::Status Cluster::StopDriver(bool now, size_t* cancelled) {
  if (!is_driver()) {
    return absl::FailedPreconditionError(
        absl::StrCat("Cluster::Shutdown on rank ", rank_,
                     ": only the driver (rank 0) shuts the cluster down"));
  }
  if (transport_ == nullptr && pool_ == nullptr) {
    return absl::OkStatus();  // Start() failed: nothing runs.
  }
  // Stopping starts at once, whoever else is shutting down.
  std::deque<std::unique_ptr<ClusterJob>> dropped;
  int64_t stopped_before = -1;
  {
    LockHolder queue(queue_lock_);
    closed_ = true;
    if (now && !stop_now_) {
      stop_now_ = true;
      dropped.swap(queue_);
      stopped_before = stopped_now_.load(std::memory_order_relaxed);
    }
  }
  const absl::Status reason = absl::CancelledError(
      absl::StrCat("cancelled by Cluster::ShutdownNow (", options_.name, ")"));
  for (auto& job : dropped) {
    if (job->Fail(reason)) {
      cancelled_.fetch_add(1, std::memory_order_relaxed);
      if (cancelled != nullptr) ++*cancelled;
    }
  }
  if (pool_ != nullptr && stopped_before >= 0) {  // A cluster of size 1.
    const size_t stopped = pool_->ShutdownNow();
    cancelled_.fetch_add(static_cast<int64_t>(stopped),
                         std::memory_order_relaxed);
    if (cancelled != nullptr) *cancelled += stopped;
  } else if (stopped_before >= 0) {
    wake_.Wake();
  }
  if (cluster_internal::t_completing == this) {
    // A callback of this cluster's futures: waiting here would wait for
    // itself. The stop goes on when the callback returns.
    return absl::FailedPreconditionError(absl::StrCat(
        "Cluster ", options_.name,
        ": Shutdown() in a callback of one of its futures does not wait; "
        "call it from another thread"));
  }
  LockHolder hold(shutdown_lock_);
  if (shut_down_) return end_status_;
  if (pool_ != nullptr) {
    end_status_ = pool_->Shutdown();
    if (transport_ != nullptr) {
      absl::Status finalized = transport_->Finalize();
      if (end_status_.ok()) end_status_ = finalized;
    }
  } else {
    wake_.Wake();
    if (driver_.joinable()) driver_.join();
    if (cancelled != nullptr && stopped_before >= 0) {
      *cancelled += static_cast<size_t>(
          stopped_now_.load(std::memory_order_relaxed) - stopped_before);
    }
    cluster_internal::g_signal_view.store(nullptr, std::memory_order_release);
    if (previous_sigterm_ != nullptr) {
      sigaction(SIGTERM, &previous_sigterm_->action, nullptr);
    }
    end_status_ = transport_->Finalize();
  }
  shut_down_ = true;
  return end_status_;
}

bool Cluster::IsShutdown() const {
  LockHolder hold(queue_lock_);
  return closed_;
}

absl::Status Cluster::Shutdown() { return StopDriver(false, nullptr); }

size_t Cluster::ShutdownNow() {
  size_t cancelled = 0;
  (void)StopDriver(true, &cancelled);
  return cancelled;
}

ClusterStats Cluster::stats() const {
  ClusterStats stats;
  stats.tasks_submitted = submitted_.load(std::memory_order_relaxed);
  stats.tasks_cancelled = cancelled_.load(std::memory_order_relaxed);
  if (state_ != nullptr) {
    stats.answered_by_rank.resize(size_);
    for (int r = 0; r < size_; ++r) {
      stats.answered_by_rank[r] =
          state_->answered[r].load(std::memory_order_relaxed);
      stats.tasks_answered += stats.answered_by_rank[r];
    }
    stats.messages_sent = state_->messages_sent.load(std::memory_order_relaxed);
    stats.messages_received =
        state_->messages_received.load(std::memory_order_relaxed);
    stats.bytes_sent = state_->bytes_sent.load(std::memory_order_relaxed);
    stats.bytes_received =
        state_->bytes_received.load(std::memory_order_relaxed);
    stats.most_request_bytes_in_flight =
        state_->most_request_bytes.load(std::memory_order_relaxed);
  }
  return stats;
}

absl::Status RunCluster(int* argc, char*** argv, ClusterOptions options,
                        absl::FunctionRef<absl::Status(Cluster&)> driver) {
  absl::StatusOr<std::unique_ptr<Cluster>> cluster =
      Cluster::Start(argc, argv, std::move(options));
  if (!cluster.ok()) return cluster.status();
  if (!(*cluster)->is_driver()) return (*cluster)->Serve();
  absl::Status status;
  try {
    status = driver(**cluster);
  } catch (...) {
    status = absl::UnknownError(base_internal::CurrentExceptionDescription());
  }
  if (!status.ok()) (*cluster)->ShutdownNow();
  absl::Status ended = (*cluster)->Shutdown();
  return status.ok() ? ended : status;
}

}  // namespace multirun
