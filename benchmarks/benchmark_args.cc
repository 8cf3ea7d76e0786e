// Copyright 2026 The multirun Authors.

#include "multirun/benchmarks/benchmark_args.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

namespace multirun {
namespace bench {
namespace {

// The first problem found in a variable; written during static
// initialization (single-threaded), read by main().
std::string& FirstError() {
  static std::string* const error = new std::string;
  return *error;
}

// Parses "1,2,4" into {1, 2, 4}: digits and commas only, every value in
// [min, max]. Returns false (with `*why` set) on anything else.
bool ParseList(const std::string& text, int64_t min, int64_t max,
               std::vector<int64_t>* out, std::string* why) {
  out->clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    if (item.empty() || item.size() > 9 ||
        item.find_first_not_of("0123456789") != std::string::npos) {
      *why = "\"" + item + "\" is not a positive integer";
      return false;
    }
    const int64_t value = std::strtoll(item.c_str(), nullptr, 10);
    if (value < min || value > max) {
      *why = item + " is outside " + std::to_string(min) + ".." +
             std::to_string(max);
      return false;
    }
    bool seen = false;
    for (int64_t v : *out) seen = seen || v == value;
    if (!seen) out->push_back(value);
    start = end + 1;
  }
  return true;
}

std::vector<int64_t> FromEnv(const char* variable,
                             std::vector<int64_t> fallback, int64_t min,
                             int64_t max) {
  const char* text = std::getenv(variable);
  if (text == nullptr || *text == '\0') return fallback;
  std::vector<int64_t> values;
  std::string why;
  if (!ParseList(text, min, max, &values, &why)) {
    if (FirstError().empty()) {
      FirstError() = std::string(variable) + "=\"" + text +
                     "\": expected a comma-separated list of integers in " +
                     std::to_string(min) + ".." + std::to_string(max) + " (" +
                     why + ")";
    }
    return fallback;
  }
  return values;
}

}  // namespace

const std::vector<int64_t>& ThreadCounts() {
  static const std::vector<int64_t>* const counts =
      new std::vector<int64_t>(FromEnv(kThreadsVariable, {2}, 1, 1024));
  return *counts;
}

const std::vector<int64_t>& ProducerCounts() {
  static const std::vector<int64_t>* const counts =
      new std::vector<int64_t>(FromEnv(kProducersVariable, {4}, 1, 1024));
  return *counts;
}

const std::vector<int64_t>& FibArgs() {
  static const std::vector<int64_t>* const args =
      new std::vector<int64_t>(FromEnv(kFibVariable, {25, 30}, 2, 40));
  return *args;
}

void ThreadArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("threads");
  for (int64_t count : ThreadCounts()) b->Arg(count);
}

std::string EnvError() {
  // Parse every variable, whether or not this binary registered with it, so
  // that a typo is reported by every binary.
  ThreadCounts();
  ProducerCounts();
  FibArgs();
  return FirstError();
}

}  // namespace bench
}  // namespace multirun
