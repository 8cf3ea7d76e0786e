"""Compiler options for multirun's own code (not for the system libraries it uses).

No -Werror here: these options reach every consumer that compiles multirun's
targets. multirun's own builds turn warnings into errors in .bazelrc.
"""

MULTIRUN_COPTS = [
    "-std=c++20",
    "-Wall",
    "-Wextra",
]

# Tests and benchmarks: the same, plus what gtest/benchmark macros trip over.
MULTIRUN_TEST_COPTS = MULTIRUN_COPTS + [
    "-Wno-sign-compare",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
]
