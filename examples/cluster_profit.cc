// Copyright 2026 The multirun Authors.
//
// semisync's profit example across the ranks of an MPI job: revenue and
// expenses are independent (each "fetches" for 0.3 s), profit needs both
// (0.4 s); a callback prints each result ("Revenue: $1250"). Each step is a
// registered task that runs on a serving rank (multirun::OnCluster); the
// graph runs on the driver (rank 0), and only the two numbers profit needs
// travel to the rank that computes it.
// Then the server probes of fork_waitfor_all.cc as a distributed Map: twelve
// servers probed at once, each probe on some rank, the answers in input
// order.
//
//   mpirun -np 4 --oversubscribe bazel-bin/examples/cluster_profit
//
// Without mpirun it runs as a cluster of size 1 (the tasks in local
// processes). Checks its own outcome and exits non-zero on a failure (it runs
// as a test under mpirun).

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/cluster/cluster.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/graph/graph.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace {

double RevenueImpl(int year) {
  absl::SleepFor(absl::Milliseconds(300));
  return year == 2026 ? 1250.0 : 0.0;
}
double ExpensesImpl(int year) {
  absl::SleepFor(absl::Milliseconds(300));
  return year == 2026 ? 830.0 : 0.0;
}
double ProfitImpl(double revenue, double expenses) {
  absl::SleepFor(absl::Milliseconds(400));
  return revenue - expenses;
}
MULTIRUN_REGISTER_TASK(Revenue, RevenueImpl);
MULTIRUN_REGISTER_TASK(Expenses, ExpensesImpl);
MULTIRUN_REGISTER_TASK(Profit, ProfitImpl);

// A probe of one server: which rank answered for it.
std::string ProbeImpl(std::string server) {
  absl::SleepFor(absl::Milliseconds(200));
  return absl::StrCat(server, ": up (probed on rank ",
                      multirun::Cluster::CurrentRank(), ")");
}
MULTIRUN_REGISTER_TASK(Probe, ProbeImpl);

absl::Status Drive(multirun::Cluster& cluster) {
  std::printf("cluster of %d rank(s)\n", cluster.size());
  multirun::Graph graph;
  auto revenue =
      graph.Add("revenue", multirun::OnCluster(cluster, Revenue, 2026));
  auto expenses =
      graph.Add("expenses", multirun::OnCluster(cluster, Expenses, 2026));
  auto profit = graph.Add("profit", multirun::OnCluster(cluster, Profit),
                          revenue, expenses);
  // A callback on each of the three nodes prints "Field: $value".
  std::vector<std::string> lines;
  multirun::Lock lines_lock;
  auto output = [&](const char* field) {
    return [&lines, &lines_lock, field](const absl::StatusOr<double>& value) {
      if (!value.ok()) return;
      std::string line = absl::StrCat(field, ": $", *value);
      std::printf("%s\n", line.c_str());
      multirun::LockHolder hold(lines_lock);
      lines.push_back(std::move(line));
    };
  };
  revenue.OnDone(output("Revenue"));
  expenses.OnDone(output("Expenses"));
  profit.OnDone(output("Profit"));
  multirun::ThreadPool pool(2);
  const absl::Time start = absl::Now();
  absl::StatusOr<multirun::GraphRunReport> report =
      graph.RunAndWait(pool, {.timeline = true});
  const absl::Duration took = absl::Now() - start;
  if (!report.ok()) return report.status();
  if (!report->status().ok()) return report->status();
  if (absl::StatusOr<double> p = graph.Result(profit); !p.ok() || *p != 420.0) {
    return absl::InternalError("profit is not 420");
  }
  // Each callback once, with its node's value; profit's after the other two.
  if (lines.size() != 3 || lines[2] != "Profit: $420" ||
      !((lines[0] == "Revenue: $1250" && lines[1] == "Expenses: $830") ||
        (lines[0] == "Expenses: $830" && lines[1] == "Revenue: $1250"))) {
    return absl::InternalError("the callbacks did not run once each, in order");
  }
  std::printf("graph: %s (one after the other: 1.0 s)\n",
              absl::FormatDuration(took).c_str());
  // With two serving ranks free, revenue and expenses went to one each, side
  // by side (the report names the rank that ran each node).
  const int revenue_rank = report->node(revenue.index()).timing.origin;
  const int expenses_rank = report->node(expenses.index()).timing.origin;
  std::printf("revenue on rank %d, expenses on rank %d\n", revenue_rank,
              expenses_rank);
  if (cluster.size() > 2 && revenue_rank == expenses_rank) {
    return absl::InternalError("revenue and expenses ran on one rank");
  }

  std::vector<std::string> servers;
  for (int i = 1; i <= 12; ++i) servers.push_back(absl::StrCat("server-", i));
  std::vector<absl::StatusOr<std::string>> probes = cluster.Map(Probe, servers);
  for (size_t i = 0; i < probes.size(); ++i) {
    if (!probes[i].ok()) return probes[i].status();
    if (probes[i]->rfind(servers[i] + ": up", 0) != 0) {
      return absl::InternalError(absl::StrCat("probe ", i, " out of order"));
    }
    std::printf("%s\n", probes[i]->c_str());
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::Status status = multirun::RunCluster(&argc, &argv, {}, Drive);
  if (!status.ok()) {
    std::fprintf(stderr, "cluster_profit: FAILED: %s\n",
                 status.ToString().c_str());
    return 1;
  }
  return 0;
}
