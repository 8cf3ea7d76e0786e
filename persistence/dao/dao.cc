// Copyright 2026 The multirun Authors.

#include "multirun/persistence/dao/dao.h"

#include <cstdio>
#include <cstdlib>

namespace multirun {
namespace dao {

Dao::Dao(std::shared_ptr<ConnectionStrategy> strategy)
    : strategy_(std::move(strategy)) {
  if (strategy_ == nullptr) {
    std::fprintf(stderr, "multirun::dao::Dao: null ConnectionStrategy\n");
    std::abort();
  }
}

}  // namespace dao
}  // namespace multirun
