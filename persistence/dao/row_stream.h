// Copyright 2026 The multirun Authors.
//
// RowStream: the cursor of a query: FetchOne, FetchMany and FetchAll on its
// result, and a range-for iterator that streams rows without holding them all
// in memory.
//
// Rows come from the server as they are asked for. A range-for loop stops at
// the first error and keeps it: check `status()` after the loop. The stream
// ties up its connection until it is exhausted or destroyed.
//
// Example:
//
//   absl::StatusOr<multirun::dao::RowStream> rows =
//       op.Query("SELECT id, name FROM users");
//   if (!rows.ok()) return rows.status();
//   for (const multirun::dao::Row& row : *rows) {
//     Print(row.Get<std::string>("name"));
//   }
//   if (!rows->status().ok()) return rows->status();
//
// Thread-safety: used by one thread at a time, as its connection.
//
// Defines: RowStream.

#ifndef MULTIRUN_PERSISTENCE_DAO_ROW_STREAM_H_
#define MULTIRUN_PERSISTENCE_DAO_ROW_STREAM_H_

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "multirun/persistence/dao/connection.h"
#include "multirun/persistence/dao/row.h"

namespace multirun {
namespace dao {

// The rows of a query, as they arrive (see the file comment).
class RowStream {
 public:
  explicit RowStream(std::unique_ptr<ResultSet> result)
      : result_(std::move(result)) {}
  RowStream(RowStream&&) = default;
  RowStream& operator=(RowStream&&) = default;

  const std::vector<std::string>& column_names() const {
    return *result_->columns();
  }

  // The next row, or std::nullopt at the end. After an error, returns it
  // again. Blocks on the network.
  absl::StatusOr<std::optional<Row>> FetchOne();
  // Up to `n` more rows (fewer at the end). InvalidArgument if n < 0.
  absl::StatusOr<std::vector<Row>> FetchMany(int n);
  // Every remaining row.
  absl::StatusOr<std::vector<Row>> FetchAll();

  // The first error the stream met, OK if none (yet).
  const absl::Status& status() const { return status_; }

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Row;
    using difference_type = std::ptrdiff_t;
    using pointer = const Row*;
    using reference = const Row&;

    iterator() = default;
    const Row& operator*() const { return row_; }
    const Row* operator->() const { return &row_; }
    iterator& operator++() {
      Advance();
      return *this;
    }
    void operator++(int) { Advance(); }
    friend bool operator==(const iterator& a, const iterator& b) {
      return a.stream_ == b.stream_;
    }

   private:
    friend class RowStream;
    explicit iterator(RowStream* stream) : stream_(stream) { Advance(); }
    void Advance();

    RowStream* stream_ = nullptr;
    Row row_;
  };

  // Iteration consumes the stream: begin() fetches the first row.
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  std::unique_ptr<ResultSet> result_;
  absl::Status status_;
  bool done_ = false;
};

}  // namespace dao
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_DAO_ROW_STREAM_H_
