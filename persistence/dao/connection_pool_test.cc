// Copyright 2026 The multirun Authors.
//
// ConnectionPool's generations, on scripted connections whose dead server
// the local check cannot see (persistence/mysql/faults_test covers a real
// restart): once one connection is found broken, every connection that was
// idle is pinged before its next hand-out, so the first failure is also the
// last.

#include "multirun/persistence/dao/connection_pool.h"

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/persistence/dao/database_operator.h"
#include "multirun/persistence/dao/testing/scripted_connection.h"

namespace multirun {
namespace dao {
namespace {

std::shared_ptr<ConnectionPool> MakePool(std::shared_ptr<ScriptedServer> server,
                                         int size) {
  ConnectionPoolOptions o;
  o.name = "scripted";
  o.max_size = size;
  o.min_idle = size;
  o.validation_threshold = absl::Hours(1);  // idle time plays no part
  absl::StatusOr<std::shared_ptr<ConnectionPool>> pool =
      ConnectionPool::Create(ScriptedConnection::Factory(server), o);
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? *pool : nullptr;
}

// Takes every connection at once and runs a statement on each; returns how
// many failed.
int UseAll(ConnectionPool& pool, int size) {
  std::vector<Lease> leases;
  int failed = 0;
  for (int i = 0; i < size; ++i) {
    absl::StatusOr<Lease> lease = pool.AcquireFor(absl::Seconds(5));
    if (!lease.ok()) {
      ++failed;
      continue;
    }
    if (!DatabaseOperator(**lease).Execute("UPDATE t SET x = 1").ok()) {
      ++failed;
    }
    leases.push_back(*std::move(lease));
  }
  return failed;
}

TEST(ConnectionPoolGenerationTest, HealthyPoolNeverPingsRecentConnections) {
  auto server = std::make_shared<ScriptedServer>();
  auto pool = MakePool(server, 4);
  ASSERT_NE(pool, nullptr);
  for (int round = 0; round < 3; ++round) EXPECT_EQ(UseAll(*pool, 4), 0);
  EXPECT_EQ(server->pings.load(), 0);
  EXPECT_EQ(server->executed.load(), 12);
  EXPECT_EQ(pool->stats().created, 4u);
}

TEST(ConnectionPoolGenerationTest, OneBrokenConnectionGetsTheRestPinged) {
  auto server = std::make_shared<ScriptedServer>();
  auto pool = MakePool(server, 4);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(UseAll(*pool, 4), 0);
  server->Restart();  // invisible to CheckAlive
  // The most recently used connection goes out unchecked and fails its
  // caller: the one failure nothing local could have prevented.
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    EXPECT_EQ(
        DatabaseOperator(**lease).Execute("UPDATE t SET x = 2").status().code(),
        absl::StatusCode::kUnavailable);
  }
  // The other three, the bottom of the idle stack included, are pinged,
  // dropped and replaced before anyone uses them.
  EXPECT_EQ(UseAll(*pool, 4), 0);
  const ConnectionPoolStats stats = pool->stats();
  EXPECT_EQ(server->pings.load(), 3);
  EXPECT_EQ(stats.validation_failures, 3u);
  EXPECT_EQ(stats.destroyed, 4u);
  EXPECT_EQ(stats.created, 8u);
  // Each failed ping started a generation, so replacements opened before
  // the last one are pinged once (and pass); then all are trusted again.
  EXPECT_EQ(UseAll(*pool, 4), 0);
  EXPECT_LE(server->pings.load(), 3 + 4);
  const int settled = server->pings.load();
  EXPECT_EQ(UseAll(*pool, 4), 0);
  EXPECT_EQ(server->pings.load(), settled);
  EXPECT_EQ(pool->stats().validation_failures, 3u);
  EXPECT_EQ(pool->stats().created, 8u);
}

TEST(ConnectionPoolGenerationTest, ConnectionsLentDuringTheFailureArePinged) {
  auto server = std::make_shared<ScriptedServer>();
  auto pool = MakePool(server, 2);
  ASSERT_NE(pool, nullptr);
  absl::StatusOr<Lease> held = pool->Acquire();
  ASSERT_TRUE(held.ok());
  server->Restart();
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_FALSE(DatabaseOperator(**lease).Execute("UPDATE t").ok());
  }
  // Returned unused after the failure: pinged before its next hand-out
  // (its ResetSession finds the server gone first, so it is dropped).
  held->Release();
  EXPECT_EQ(UseAll(*pool, 2), 0);
  EXPECT_EQ(pool->stats().created, 4u);
}

}  // namespace
}  // namespace dao
}  // namespace multirun
