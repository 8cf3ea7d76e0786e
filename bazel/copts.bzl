"""Compiler options for multirun's own code (not for the system libraries it uses)."""

MULTIRUN_COPTS = [
    "-std=c++20",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
]

# Tests and benchmarks: the same, plus what gtest/benchmark macros trip over.
MULTIRUN_TEST_COPTS = MULTIRUN_COPTS + [
    "-Wno-sign-compare",
]
