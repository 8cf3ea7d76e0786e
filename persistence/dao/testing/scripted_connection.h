// Copyright 2026 The multirun Authors.
//
// ScriptedConnection (testonly): a dao::Connection without a database, for
// tests of the generic layer (pool, operator). Its "server" is a shared
// ScriptedServer: a connection opened in one epoch of the server fails every
// call once the epoch has moved on (as after a restart), while CheckAlive()
// keeps saying true, as a half-open TCP connection would: only a call or a
// Ping finds out. Writes report the failure the way a driver does, outcome
// unknown; statements that succeed count themselves.
//
// Example:
//
//   auto server = std::make_shared<ScriptedServer>();
//   ConnectionFactory factory = ScriptedConnection::Factory(server);
//   server->Restart();  // connections opened before now are dead
//
// Thread-safety: ScriptedServer's counters are atomic; a connection is used
// by one thread at a time, as any Connection.
//
// Defines: ScriptedServer, ScriptedConnection.

#ifndef MULTIRUN_PERSISTENCE_DAO_TESTING_SCRIPTED_CONNECTION_H_
#define MULTIRUN_PERSISTENCE_DAO_TESTING_SCRIPTED_CONNECTION_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "multirun/persistence/dao/connection.h"
#include "multirun/retry/outcome_unknown.h"

namespace multirun {
namespace dao {

struct ScriptedServer {
  void Restart() { epoch.fetch_add(1); }
  std::atomic<int> epoch{0};
  std::atomic<int> opened{0};
  std::atomic<int> pings{0};
  std::atomic<int> executed{0};
  std::atomic<int> commits{0};
  std::atomic<int> rollbacks{0};
};

class ScriptedConnection : public Connection {
 public:
  explicit ScriptedConnection(std::shared_ptr<ScriptedServer> server)
      : server_(std::move(server)),
        epoch_(server_->epoch.load()),
        id_(server_->opened.fetch_add(1) + 1) {}

  static ConnectionFactory Factory(std::shared_ptr<ScriptedServer> server) {
    return [server]() -> absl::StatusOr<std::unique_ptr<Connection>> {
      return std::unique_ptr<Connection>(new ScriptedConnection(server));
    };
  }

  absl::StatusOr<ExecResult> Execute(absl::string_view sql,
                                     absl::Span<const Value>) override {
    if (absl::Status s = Gone(sql); !s.ok()) return MarkOutcomeUnknown(s);
    server_->executed.fetch_add(1);
    return ExecResult{1, 0};
  }
  absl::StatusOr<ExecResult> ExecuteMany(
      absl::string_view sql,
      absl::Span<const std::vector<Value>> rows) override {
    if (absl::Status s = Gone(sql); !s.ok()) return MarkOutcomeUnknown(s);
    server_->executed.fetch_add(static_cast<int>(rows.size()));
    return ExecResult{rows.size(), 0};
  }
  absl::StatusOr<std::unique_ptr<ResultSet>> Query(
      absl::string_view, absl::Span<const Value>) override {
    return absl::UnimplementedError("ScriptedConnection has no rows");
  }
  absl::Status Begin() override { return Gone("BEGIN"); }
  absl::Status Commit() override {
    absl::Status s = Gone("COMMIT");
    if (s.ok()) server_->commits.fetch_add(1);
    return s;
  }
  absl::Status Rollback() override {
    absl::Status s = Gone("ROLLBACK");
    if (s.ok()) server_->rollbacks.fetch_add(1);
    return s;
  }
  absl::Status SetAutocommit(bool) override { return Gone("SET autocommit"); }
  absl::Status Ping() override {
    server_->pings.fetch_add(1);
    return Gone("ping");
  }
  absl::Status ResetSession(bool) override { return Gone("reset"); }
  bool IsBroken() const override { return broken_; }
  void AbandonAfterFork() override { broken_ = true; }
  std::string Describe() const override {
    return absl::StrCat("scripted connection ", id_);
  }
  int id() const { return id_; }

 private:
  absl::Status Gone(absl::string_view what) {
    if (!broken_ && epoch_ == server_->epoch.load()) return absl::OkStatus();
    broken_ = true;
    return absl::UnavailableError(
        absl::StrCat("scripted server gone during ", what));
  }

  std::shared_ptr<ScriptedServer> server_;
  const int epoch_;
  const int id_;
  bool broken_ = false;
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_TESTING_SCRIPTED_CONNECTION_H_
