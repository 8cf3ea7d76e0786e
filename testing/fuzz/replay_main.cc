// Copyright 2026 The multirun Authors.
//
// The main() of a fuzz target's replay test: calls the target's
// LLVMFuzzerTestOneInput() once with each file of the corpus directories
// (and files) named on the command line, in name order, so that every build
// configuration checks the corpus without libFuzzer. A crash, a sanitizer
// report or a failed oracle (the target aborts) fails the test; so does a
// corpus with no file, which would check nothing.
//
// Usage: <target>_replay_test DIR_OR_FILE...

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional, as in libFuzzer.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
    __attribute__((weak));

namespace {

// Appends `path` if it is a file, or the files directly in it if it is a
// directory; false when it is neither.
bool CollectFiles(const std::string& path, std::vector<std::string>* files) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return false;
  if (S_ISREG(info.st_mode)) {
    files->push_back(path);
    return true;
  }
  if (!S_ISDIR(info.st_mode)) return false;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return false;
  std::vector<std::string> found;
  while (const struct dirent* entry = readdir(dir)) {
    const std::string child = path + "/" + entry->d_name;
    if (stat(child.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
      found.push_back(child);
    }
  }
  closedir(dir);
  std::sort(found.begin(), found.end());
  files->insert(files->end(), found.begin(), found.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (!CollectFiles(argv[i], &files)) {
      std::fprintf(stderr, "replay: %s is neither a file nor a directory\n",
                   argv[i]);
      return 1;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no input to replay (corpus empty?)\n");
    return 1;
  }
  size_t bytes = 0;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string input((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 1;
    }
    bytes += input.size();
    // A copy of exactly the input's size, so that an overread is caught
    // by the sanitizers as it would be under libFuzzer.
    std::vector<uint8_t> copy(input.begin(), input.end());
    LLVMFuzzerTestOneInput(copy.data(), copy.size());
  }
  std::printf("replay: %zu inputs (%zu bytes) passed\n", files.size(), bytes);
  return 0;
}
