// Copyright 2026 The multirun Authors.

#include "multirun/testing/python_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace multirun {
namespace testing_internal {

namespace {

// Debian's interpreter (the python3 package tools/lib.sh installs) when it is
// there, so that the peer is the same on every machine whatever PATH holds
// (a pyenv or venv build measures differently); else python3 from PATH.
constexpr char kDebianPython[] = "/usr/bin/python3";

const char* PythonInterpreter() {
  return access(kDebianPython, X_OK) == 0 ? kDebianPython : "python3";
}

}  // namespace

absl::StatusOr<std::string> RunPython(absl::string_view script,
                                      const std::vector<std::string>& args) {
  const char* python = PythonInterpreter();
  std::vector<std::string> argv_strings = {python, "-c", std::string(script)};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerrordesc_np(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  pid_t pid;
  const int spawned =
      posix_spawnp(&pid, python, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    return absl::UnavailableError(
        absl::StrCat("cannot run ", python, ": ", strerrordesc_np(spawned)));
  }
  std::string output;
  char buffer[4096];
  ssize_t got;
  while ((got = read(out[0], buffer, sizeof(buffer))) != 0) {
    if (got < 0) {
      if (errno == EINTR) continue;
      break;
    }
    output.append(buffer, static_cast<size_t>(got));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat(python, " failed (wait status ", status, "): ", output));
  }
  return output;
}

absl::StatusOr<double> RunPythonPeer(absl::string_view script,
                                     const std::vector<std::string>& args) {
  absl::StatusOr<std::string> output = RunPython(script, args);
  if (!output.ok()) return output.status();
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::StripTrailingAsciiWhitespace(*output), '\n');
  double seconds;
  if (lines.empty() || !absl::SimpleAtod(lines.back(), &seconds)) {
    return absl::InternalError(
        absl::StrCat("the python peer printed no time: ", *output));
  }
  return seconds;
}

}  // namespace testing_internal
}  // namespace multirun
