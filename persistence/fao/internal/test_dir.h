// Copyright 2026 The multirun Authors.
//
// A fresh directory under $TEST_TMPDIR for one test. Test-only.

#ifndef MULTIRUN_PERSISTENCE_FAO_INTERNAL_TEST_DIR_H_
#define MULTIRUN_PERSISTENCE_FAO_INTERNAL_TEST_DIR_H_

#include <stdlib.h>

#include <string>

namespace multirun {
namespace fao_internal {

inline std::string NewTestDir() {
  const char* root = getenv("TEST_TMPDIR");
  std::string pattern =
      std::string(root != nullptr ? root : "/tmp") + "/fao_test.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) abort();
  return pattern;
}

}  // namespace fao_internal
}  // namespace multirun

#endif  // MULTIRUN_PERSISTENCE_FAO_INTERNAL_TEST_DIR_H_
