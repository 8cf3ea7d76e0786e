// Copyright 2026 The multirun Authors.

#include "multirun/persistence/dao/single_connection.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "multirun/base/status_message.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace dao {

absl::StatusOr<std::shared_ptr<SingleConnection>> SingleConnection::Create(
    ConnectionFactory factory, SingleConnectionOptions options) {
  if (!factory) {
    return absl::InvalidArgumentError("SingleConnection: no factory");
  }
  if (options.acquire_timeout < absl::ZeroDuration() ||
      options.reconnect_initial_backoff <= absl::ZeroDuration() ||
      options.reconnect_max_backoff < options.reconnect_initial_backoff ||
      options.max_reconnect_attempts < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SingleConnection '", options.name,
        "': acquire_timeout must be >= 0, reconnect_initial_backoff > 0, "
        "reconnect_max_backoff >= reconnect_initial_backoff and "
        "max_reconnect_attempts >= 1"));
  }
  std::shared_ptr<SingleConnection> single(
      new SingleConnection(std::move(factory), std::move(options)));
  absl::Status s = single->Connect();
  if (!s.ok()) return s;
  return single;
}

SingleConnection::SingleConnection(ConnectionFactory factory,
                                   SingleConnectionOptions options)
    : factory_(std::move(factory)),
      options_(std::move(options)),
      pid_(getpid()) {}

SingleConnection::~SingleConnection() { Close().IgnoreError(); }

void SingleConnection::AbandonIfForked() {
  if (pid_ == getpid()) return;
  if (connection_ != nullptr) connection_->AbandonAfterFork();
  connection_.reset();
  pid_ = getpid();
}

absl::Status SingleConnection::OpenWithBackoff(absl::Time deadline,
                                               int max_attempts) {
  absl::Duration backoff = options_.reconnect_initial_backoff;
  absl::Status last;
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<std::unique_ptr<Connection>> c = factory_();
    if (c.ok() && !options_.autocommit) {
      if (absl::Status s = (*c)->SetAutocommit(false); !s.ok()) c = s;
    }
    if (c.ok()) {
      connects_.fetch_add(1);
      LockHolder hold(mu_);
      connection_ = *std::move(c);
      return absl::OkStatus();
    }
    last = c.status();
    if (last.code() != absl::StatusCode::kUnavailable ||
        attempt >= max_attempts || absl::Now() + backoff > deadline) {
      break;
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.reconnect_max_backoff);
  }
  return base_internal::WithMessage(
      last, absl::StrCat("SingleConnection '", options_.name,
                         "': cannot connect: ", last.message()));
}

absl::Status SingleConnection::Connect() {
  absl::StatusOr<Lease> lease =
      Take(options_.acquire_timeout, /*for_caller=*/false);
  return lease.status();
}

bool SingleConnection::IsConnected() const {
  LockHolder hold(mu_);
  return connection_ != nullptr && !connection_->IsBroken() && pid_ == getpid();
}

std::unique_ptr<Connection> SingleConnection::DropConnection() {
  if (connection_ != nullptr && pending_) lost_pending_ = true;
  pending_ = false;
  return std::move(connection_);
}

absl::Status SingleConnection::Commit() {
  return EndTransaction(true, nullptr);
}

absl::Status SingleConnection::Rollback() {
  return EndTransaction(false, nullptr);
}

absl::Status SingleConnection::Commit(const Lease& lease) {
  return EndTransaction(true, &lease);
}

absl::Status SingleConnection::Rollback(const Lease& lease) {
  return EndTransaction(false, &lease);
}

absl::Status SingleConnection::EndTransaction(bool commit, const Lease* lease) {
  bool held;
  {
    LockHolder hold(mu_);
    if (closed_) {
      return absl::FailedPreconditionError(
          absl::StrCat("SingleConnection '", options_.name, "' is closed"));
    }
    if (lease != nullptr) {
      // The lease out, if any, holds connection_: only its holder changes it.
      if (!in_use_ || lease->get() == nullptr ||
          lease->get() != connection_.get()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "SingleConnection '", options_.name,
            "': ", commit ? "Commit" : "Rollback",
            "(lease) needs a live lease of this SingleConnection"));
      }
      held = true;
    } else {
      held = in_use_ && holder_ == std::this_thread::get_id();
    }
  }
  // The lease holder owns connection_; a thread that does not hold it takes
  // it first.
  absl::StatusOr<Lease> taken = absl::UnknownError("not taken");
  if (!held) {
    taken = Take(options_.acquire_timeout, /*for_caller=*/false);
    if (!taken.ok()) return taken.status();
  }
  Connection* c;
  bool lost;
  {
    LockHolder hold(mu_);
    c = connection_.get();
    lost = std::exchange(lost_pending_, false);
  }
  if (c == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "SingleConnection '", options_.name, "': no open connection"));
  }
  absl::Status s = commit && !lost ? c->Commit() : c->Rollback();
  {
    LockHolder hold(mu_);
    // A COMMIT that failed on a lost connection did not make the unit of
    // work durable (or, if the loss came after the server had it, nobody
    // knows): the next Commit reports it rather than committing whatever
    // runs after the reconnect.
    if (commit && !lost && !s.ok() && c->IsBroken() && pending_) {
      lost_pending_ = true;
    }
    // The holder's lease stays live: what it writes next is new work.
    pending_ = held && !options_.autocommit;
  }
  if (commit && lost) {
    return absl::AbortedError(absl::StrCat(
        "SingleConnection '", options_.name,
        "': the connection was lost with work uncommitted since the last "
        "successful Commit; the server rolled that work back (unless a "
        "Commit of it failed with an unknown outcome: then it may have "
        "committed it), and what ran since the reconnect was rolled back too (",
        s.ok() ? "OK" : s.ToString(),
        "), except what a Transaction, DDL or COMMIT run through a lease "
        "committed on its own"));
  }
  return s;
}

absl::Status SingleConnection::Reconnect() {
  absl::StatusOr<Lease> lease =
      Take(options_.acquire_timeout, /*for_caller=*/false);
  if (!lease.ok()) return lease.status();
  // The lease holder owns connection_ (Return() reads connection_, not the
  // lease's pointer, so replacing it here is safe).
  std::unique_ptr<Connection> old;
  {
    LockHolder hold(mu_);
    old = DropConnection();
  }
  old.reset();
  return OpenWithBackoff(absl::Now() + options_.acquire_timeout,
                         options_.max_reconnect_attempts);
}

absl::Status SingleConnection::Close() {
  std::unique_ptr<Connection> old;
  {
    LockHolder hold(mu_);
    if (closed_) return absl::OkStatus();
    closed_ = true;
    AbandonIfForked();
    if (!in_use_) old = std::move(connection_);
    mu_.NotifyAll();
  }
  return absl::OkStatus();
}

absl::StatusOr<Lease> SingleConnection::DoAcquire(absl::Duration timeout,
                                                  SourceLocation) {
  return Take(timeout, /*for_caller=*/true);
}

absl::StatusOr<Lease> SingleConnection::Take(absl::Duration timeout,
                                             bool for_caller) {
  const absl::Time deadline = absl::Now() + timeout;
  bool reopen = false;
  std::unique_ptr<Connection> dropped;
  {
    LockHolder hold(mu_);
    absl::Status s =
        mu_.WaitFor(timeout, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return closed_ || !in_use_;
        });
    if (closed_) {
      return absl::FailedPreconditionError(
          absl::StrCat("SingleConnection '", options_.name, "' is closed"));
    }
    if (!s.ok()) {
      return absl::DeadlineExceededError(
          absl::StrCat("SingleConnection '", options_.name,
                       "': the connection is still leased after ",
                       absl::FormatDuration(timeout)));
    }
    in_use_ = true;
    holder_ = std::this_thread::get_id();
    AbandonIfForked();
    // CheckAlive() is local (no round trip): a server that closed the
    // session since the last lease costs this caller no error.
    reopen = connection_ == nullptr || connection_->IsBroken() ||
             !connection_->CheckAlive();
    if (reopen) dropped = DropConnection();
  }
  dropped.reset();
  if (reopen) {
    absl::Status s = OpenWithBackoff(deadline, options_.max_reconnect_attempts);
    if (!s.ok()) {
      LockHolder hold(mu_);
      in_use_ = false;
      holder_ = std::thread::id();
      mu_.NotifyOne();
      return s;
    }
  }
  LockHolder hold(mu_);
  if (!options_.autocommit && for_caller) pending_ = true;
  return Lease(shared_from_this(), connection_.get(), 0);
}

void SingleConnection::Return(Connection*, uint64_t) {
  // Only the lease holder changes connection_, so reading it is safe here.
  Connection* current;
  bool forked;
  {
    LockHolder hold(mu_);
    current = connection_.get();
    forked = pid_ != getpid();
  }
  // With autocommit off the connection-scoped transaction outlives the
  // lease: nothing is reset.
  if (!forked && current != nullptr && !current->IsBroken() &&
      options_.autocommit) {
    current->ResetSession(/*full=*/false).IgnoreError();
  }
  std::unique_ptr<Connection> closing;
  {
    LockHolder hold(mu_);
    AbandonIfForked();
    if (closed_ || (connection_ != nullptr && connection_->IsBroken())) {
      closing = DropConnection();
    }
    in_use_ = false;
    holder_ = std::thread::id();
    mu_.NotifyOne();
  }
}

}  // namespace dao
}  // namespace multirun
