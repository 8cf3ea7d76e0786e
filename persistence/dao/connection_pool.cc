// Copyright 2026 The multirun Authors.

#include "multirun/persistence/dao/connection_pool.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "multirun/base/status_message.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace dao {
namespace {

std::string Where(const SourceLocation& where) {
  return absl::StrCat(where.file_name(), ":", where.line(), " (",
                      where.function_name(), ")");
}

void PrintLeak(const LeakReport& report) {
  std::fprintf(stderr,
               "multirun::dao::ConnectionPool '%s': connection %s leased at "
               "%s has been held for %s\n",
               report.pool.c_str(), report.connection.c_str(),
               report.acquired_at.c_str(),
               absl::FormatDuration(report.held).c_str());
}

}  // namespace

absl::StatusOr<std::shared_ptr<ConnectionPool>> ConnectionPool::Create(
    ConnectionFactory factory, ConnectionPoolOptions options) {
  const std::string prefix =
      absl::StrCat("ConnectionPool '", options.name, "': ");
  if (!factory) return absl::InvalidArgumentError(prefix + "no factory");
  if (options.max_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "max_size must be >= 1, got ", options.max_size));
  }
  if (options.min_idle < 0 || options.min_idle > options.max_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "min_idle must be in [0, max_size=", options.max_size,
        "], got ", options.min_idle));
  }
  if (options.acquire_timeout < absl::ZeroDuration() ||
      options.validation_threshold < absl::ZeroDuration() ||
      options.max_lifetime <= absl::ZeroDuration() ||
      options.leak_detection_threshold < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        prefix +
        "acquire_timeout, validation_threshold and leak_detection_threshold "
        "must be >= 0 and max_lifetime > 0");
  }
  if (!options.on_leak) options.on_leak = PrintLeak;
  std::shared_ptr<ConnectionPool> pool(
      new ConnectionPool(std::move(factory), std::move(options)));
  for (int i = 0; i < pool->options_.min_idle; ++i) {
    absl::StatusOr<std::unique_ptr<Connection>> c =
        pool->Open(absl::Now() + pool->options_.acquire_timeout);
    if (!c.ok()) return c.status();
    std::unique_ptr<Entry> entry = pool->NewEntry(*std::move(c));
    LockHolder hold(pool->mu_);
    pool->idle_.push_back(entry.get());
    pool->entries_[entry->connection.get()] = std::move(entry);
  }
  if (pool->options_.leak_detection_threshold > absl::ZeroDuration()) {
    pool->watchdog_pid_ = getpid();
    pool->watchdog_ = new std::thread([p = pool.get()] { p->Watchdog(); });
  }
  return pool;
}

ConnectionPool::ConnectionPool(ConnectionFactory factory,
                               ConnectionPoolOptions options)
    : factory_(std::move(factory)),
      options_(std::move(options)),
      pid_(getpid()) {}

ConnectionPool::~ConnectionPool() {
  Close().IgnoreError();
  if (watchdog_ != nullptr && watchdog_pid_ == getpid()) {
    watchdog_->join();
    delete watchdog_;
  }
  // In a forked child the parent's thread object is leaked on purpose.
}

absl::Status ConnectionPool::Close() {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    LockHolder hold(mu_);
    AbandonIfForked();
    if (closed_) return absl::OkStatus();
    closed_ = true;
    for (Entry* e : idle_) {
      closing.push_back(std::move(e->connection));
      entries_.erase(closing.back().get());
      ++totals_.destroyed;
    }
    idle_.clear();
    mu_.NotifyAll();
  }
  return absl::OkStatus();
}

ConnectionPoolStats ConnectionPool::stats() const {
  LockHolder hold(mu_);
  ConnectionPoolStats c = totals_;
  c.idle = static_cast<int>(idle_.size());
  c.active = static_cast<int>(entries_.size() - idle_.size());
  c.waiting = waiting_;
  return c;
}

std::string ConnectionPool::StateLocked() const {
  return absl::StrCat("max_size ", options_.max_size, ", ",
                      entries_.size() - idle_.size(), " active, ", idle_.size(),
                      " idle, ", waiting_, " waiting");
}

std::unique_ptr<ConnectionPool::Entry> ConnectionPool::NewEntry(
    std::unique_ptr<Connection> connection) {
  auto entry = std::make_unique<Entry>();
  const absl::Time now = absl::Now();
  entry->created = now;
  entry->last_used = now;
  // Retire a connection well before the server would expire it when idle.
  absl::Duration lifetime = options_.max_lifetime;
  const absl::Duration server = connection->ServerIdleTimeout();
  if (server != absl::InfiniteDuration()) {
    lifetime =
        std::min(lifetime, server - std::min(server / 4, absl::Seconds(30)));
  }
  entry->lifetime = lifetime;
  entry->connection = std::move(connection);
  LockHolder hold(mu_);
  entry->id = next_id_++;
  entry->generation = generation_;
  ++totals_.created;
  return entry;
}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::Open(
    absl::Time deadline) {
  absl::Duration backoff = absl::Milliseconds(20);
  while (true) {
    absl::StatusOr<std::unique_ptr<Connection>> c = factory_();
    if (c.ok()) return c;
    if (c.status().code() != absl::StatusCode::kUnavailable ||
        absl::Now() + backoff > deadline) {
      return base_internal::WithMessage(
          c.status(),
          absl::StrCat("ConnectionPool '", options_.name,
                       "': cannot open a connection: ", c.status().message()));
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(1));
  }
}

void ConnectionPool::AbandonIfForked() {
  if (pid_ == getpid()) return;
  pid_ = getpid();
  for (Entry* e : idle_) {
    Connection* c = e->connection.get();
    c->AbandonAfterFork();
    e->connection.release();  // the parent's library state: leaked on purpose
    entries_.erase(c);
  }
  idle_.clear();
  std::unordered_map<Connection*, std::unique_ptr<Entry>> kept;
  for (auto& [c, e] : entries_) {
    if (e->connection == nullptr) continue;
    e->foreign = true;  // leased in the parent: dropped when returned
    kept[c] = std::move(e);
  }
  entries_ = std::move(kept);
}

absl::StatusOr<Lease> ConnectionPool::DoAcquire(absl::Duration timeout,
                                                SourceLocation where) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    Entry* entry = nullptr;
    bool open = false;
    {
      LockHolder hold(mu_);
      AbandonIfForked();
      ++waiting_;
      absl::Status s =
          mu_.WaitFor(std::max(deadline - absl::Now(), absl::ZeroDuration()),
                      [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                        return closed_ || !idle_.empty() ||
                               static_cast<int>(entries_.size()) + opening_ <
                                   options_.max_size;
                      });
      --waiting_;
      if (closed_) {
        return absl::FailedPreconditionError(
            absl::StrCat("ConnectionPool '", options_.name, "' is closed"));
      }
      if (!s.ok()) {
        ++totals_.timeouts;
        return absl::DeadlineExceededError(absl::StrCat(
            "ConnectionPool '", options_.name, "': no connection within ",
            absl::FormatDuration(timeout), " (", StateLocked(), ")"));
      }
      if (!idle_.empty()) {
        entry = idle_.back();
        idle_.pop_back();
        entry->leased = true;
      } else {
        ++opening_;
        open = true;
      }
    }
    if (open) {
      absl::StatusOr<std::unique_ptr<Connection>> c = Open(deadline);
      if (!c.ok()) {
        LockHolder hold(mu_);
        --opening_;
        mu_.NotifyOne();
        return c.status();
      }
      std::unique_ptr<Entry> fresh = NewEntry(*std::move(c));
      LockHolder hold(mu_);
      --opening_;
      fresh->leased = true;
      fresh->leased_at = absl::Now();
      fresh->where = where;
      Connection* raw = fresh->connection.get();
      const uint64_t id = fresh->id;
      entries_[raw] = std::move(fresh);
      return Lease(shared_from_this(), raw, id);
    }
    // Check the idle connection outside the lock.
    uint64_t generation;
    bool suspect;
    {
      LockHolder hold(mu_);
      generation = generation_;
      suspect = entry->generation != generation_;
    }
    const absl::Time now = absl::Now();
    const bool retired = now - entry->created >= entry->lifetime;
    bool keep = !retired && !entry->connection->IsBroken();
    bool failed = !retired && !keep;
    if (keep &&
        (!entry->connection->CheckAlive() ||
         ((suspect || now - entry->last_used > options_.validation_threshold) &&
          !entry->connection->Ping().ok()))) {
      keep = false;
      failed = true;
      LockHolder hold(mu_);
      ++totals_.validation_failures;
    }
    if (keep) {
      LockHolder hold(mu_);
      entry->generation = generation;
      entry->leased_at = absl::Now();
      entry->where = where;
      entry->leak_reported = false;
      return Lease(shared_from_this(), entry->connection.get(), entry->id);
    }
    std::unique_ptr<Connection> dropped;
    {
      LockHolder hold(mu_);
      // A broken connection may mean the server went away: check the rest.
      if (failed) ++generation_;
      dropped = std::move(entry->connection);
      entries_.erase(dropped.get());
      ++totals_.destroyed;
      mu_.NotifyOne();
    }
  }
}

void ConnectionPool::Return(Connection* connection, uint64_t token) {
  bool foreign;
  {
    LockHolder hold(mu_);
    AbandonIfForked();
    auto it = entries_.find(connection);
    if (it == entries_.end() || it->second->id != token) {
      std::fprintf(stderr,
                   "multirun::dao::ConnectionPool '%s': returned connection "
                   "is not one of its leases\n",
                   options_.name.c_str());
      std::abort();
    }
    foreign = it->second->foreign;
    if (foreign) {
      connection->AbandonAfterFork();
      it->second->connection.release();  // leaked on purpose, see above
      entries_.erase(it);
      mu_.NotifyOne();
      return;
    }
  }
  bool keep = !connection->IsBroken();
  if (keep && !connection->ResetSession(options_.full_session_reset).ok()) {
    keep = false;
  }
  std::unique_ptr<Connection> dropped;
  bool refill = false;
  {
    LockHolder hold(mu_);
    Entry* entry = entries_[connection].get();
    entry->leased = false;
    const absl::Time now = absl::Now();
    if (keep && !closed_ && now - entry->created < entry->lifetime) {
      entry->last_used = now;
      idle_.push_back(entry);
    } else {
      // A broken connection may mean the server went away: check the rest.
      if (connection->IsBroken()) ++generation_;
      dropped = std::move(entry->connection);
      entries_.erase(connection);
      ++totals_.destroyed;
      refill = !closed_ && static_cast<int>(idle_.size()) < options_.min_idle;
    }
    mu_.NotifyOne();
  }
  dropped.reset();
  if (refill) FillMinIdle();
}

void ConnectionPool::FillMinIdle() {
  while (true) {
    {
      LockHolder hold(mu_);
      if (closed_ || static_cast<int>(idle_.size()) >= options_.min_idle ||
          static_cast<int>(entries_.size()) + opening_ >= options_.max_size) {
        return;
      }
      ++opening_;
    }
    absl::StatusOr<std::unique_ptr<Connection>> c = factory_();
    std::unique_ptr<Entry> entry;
    if (c.ok()) entry = NewEntry(*std::move(c));
    LockHolder hold(mu_);
    --opening_;
    if (entry == nullptr) return;  // best effort: borrowers open on demand
    idle_.push_back(entry.get());
    entries_[entry->connection.get()] = std::move(entry);
    mu_.NotifyOne();
  }
}

void ConnectionPool::Watchdog() {
  const absl::Duration threshold = options_.leak_detection_threshold;
  const absl::Duration period = std::max(threshold / 4, absl::Milliseconds(5));
  while (true) {
    std::vector<LeakReport> reports;
    {
      LockHolder hold(mu_);
      mu_.WaitFor(period, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                              mu_) { return closed_; })
          .IgnoreError();
      if (closed_) return;
      const absl::Time now = absl::Now();
      for (auto& [c, e] : entries_) {
        if (!e->leased || e->leak_reported || e->foreign ||
            now - e->leased_at < threshold) {
          continue;
        }
        e->leak_reported = true;
        ++totals_.leaks;
        reports.push_back(LeakReport{options_.name, c->Describe(),
                                     Where(e->where), now - e->leased_at});
      }
    }
    for (const LeakReport& r : reports) options_.on_leak(r);
  }
}

}  // namespace dao
}  // namespace multirun
