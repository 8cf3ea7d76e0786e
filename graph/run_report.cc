// Copyright 2026 The multirun Authors.

#include "multirun/graph/run_report.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "multirun/base/status_message.h"

namespace multirun {
namespace {

void AppendJsonString(std::string& out, absl::string_view text) {
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

absl::string_view NodeStateName(GraphNodeState state) {
  switch (state) {
    case GraphNodeState::kNotRun:
      return "not run";
    case GraphNodeState::kSucceeded:
      return "succeeded";
    case GraphNodeState::kFailed:
      return "failed";
    case GraphNodeState::kSkipped:
      return "skipped";
    case GraphNodeState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string GraphRunReport::name(size_t index) const {
  if (names_ != nullptr && index < names_->size() &&
      !(*names_)[index].empty()) {
    return (*names_)[index];
  }
  return absl::StrCat("#", index);
}

bool GraphRunReport::has_result(size_t index) const {
  return states_[index] == GraphNodeState::kSucceeded &&
         index < typed_.size() && typed_[index];
}

GraphNodeReport GraphRunReport::node(size_t index) const {
  GraphNodeReport report;
  report.name = name(index);
  report.state = states_[index];
  report.status = statuses_[index];
  report.has_result = has_result(index);
  if (index < timeline_.size()) report.timing = timeline_[index];
  return report;
}

std::optional<size_t> GraphRunReport::Find(absl::string_view wanted) const {
  if (names_ == nullptr) return std::nullopt;
  for (size_t i = 0; i < names_->size() && i < size(); ++i) {
    if ((*names_)[i] == wanted) return i;
  }
  return std::nullopt;
}

absl::Status GraphRunReport::status() const {
  for (size_t i = 0; i < size(); ++i) {
    if (states_[i] == GraphNodeState::kFailed) {
      const size_t more = Count(GraphNodeState::kFailed) - 1;
      return base_internal::WithMessage(
          statuses_[i],
          absl::StrCat(
              "node '", name(i), "' failed: ",
              statuses_[i].ToString(absl::StatusToStringMode::kWithNoExtraData),
              more > 0 ? absl::StrCat(" (and ", more, " more failed nodes)")
                       : ""));
    }
  }
  if (!cancel_reason_.ok()) return cancel_reason_;
  for (size_t i = 0; i < size(); ++i) {
    if (states_[i] != GraphNodeState::kSucceeded) {
      return absl::InternalError(
          absl::StrCat("node '", name(i), "' is ", NodeStateName(states_[i])));
    }
  }
  return absl::OkStatus();
}

size_t GraphRunReport::Count(GraphNodeState state) const {
  size_t count = 0;
  for (GraphNodeState s : states_) count += s == state;
  return count;
}

std::string GraphRunReport::ToChromeTrace() const {
  std::string out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
  bool first = true;
  for (size_t i = 0; i < timeline_.size(); ++i) {
    const GraphNodeTiming& t = timeline_[i];
    if (t.start_ns < 0) continue;
    if (!first) out.push_back(',');
    first = false;
    out += "\n{\"name\":";
    AppendJsonString(out, name(i));
    absl::StrAppendFormat(
        &out,
        ",\"cat\":\"graph\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,"
        "\"pid\":%d,\"tid\":%u,\"args\":{\"index\":%d,\"state\":",
        static_cast<double>(t.start_ns) / 1000.0,
        static_cast<double>(t.end_ns - t.start_ns) / 1000.0,
        static_cast<int>(t.pid), t.thread_id, static_cast<int>(i));
    AppendJsonString(out, NodeStateName(states_[i]));
    out += ",\"status\":";
    AppendJsonString(out, statuses_[i].ToString());
    absl::StrAppendFormat(&out, ",\"worker\":%d}}", t.worker);
  }
  out += "\n]}\n";
  return out;
}

std::string GraphRunReport::ToString() const {
  std::string out;
  for (size_t i = 0; i < size(); ++i) {
    absl::StrAppend(&out, name(i), ": ", NodeStateName(states_[i]));
    if (!statuses_[i].ok()) absl::StrAppend(&out, " ", statuses_[i].ToString());
    out.push_back('\n');
  }
  return out;
}

}  // namespace multirun
