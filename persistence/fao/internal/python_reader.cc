// Copyright 2026 The multirun Authors.

#include "multirun/persistence/fao/internal/python_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace multirun {
namespace fao_internal {

absl::StatusOr<std::string> RunPython(absl::string_view script,
                                      const std::vector<std::string>& args) {
  std::vector<std::string> strings = {"/usr/bin/python3", "-c",
                                      std::string(script)};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerrordesc_np(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  pid_t pid;
  const int spawned = posix_spawn(&pid, "/usr/bin/python3", &actions, nullptr,
                                  argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    return absl::InternalError(absl::StrCat("cannot run /usr/bin/python3: ",
                                            strerrordesc_np(spawned)));
  }
  std::string output;
  char buffer[1 << 16];
  while (true) {
    const ssize_t got = read(out[0], buffer, sizeof(buffer));
    if (got == 0) break;
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
        absl::StrCat("python failed (wait status ", status, "): ", output));
  }
  return output;
}

}  // namespace fao_internal
}  // namespace multirun
