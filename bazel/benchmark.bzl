"""multirun_benchmark: a Google Benchmark binary and its smoke test."""

load("//bazel:copts.bzl", "MULTIRUN_TEST_COPTS")

def multirun_benchmark(name, srcs, deps, size = "small", smoke_filter = None, smoke_tags = []):
    """Declares `name` (the benchmark, run by tools/bench and benchmarks/gate)
    and `name + "_smoke_test"`, which runs every benchmark of it once, briefly,
    in `bazel test //...`, so that none rots unnoticed.

    Args:
      name: the binary's name, conventionally "<concept>_benchmark".
      srcs: its sources.
      deps: its dependencies (//benchmarks:benchmark_main included).
      size: the smoke test's size.
      smoke_filter: a --benchmark_filter for the smoke test, for a binary
        whose largest arguments are too slow for a test in an unoptimized
        build; None runs every benchmark.
      smoke_tags: more tags for the smoke test (e.g. "exclusive" for a
        binary that starts an MPI job).
    """

    # One compile of the sources serves both: the binary and the smoke test link
    # the same objects (alwayslink keeps the benchmarks' registrations and main).
    native.cc_library(
        name = name + "_objects",
        testonly = True,
        srcs = srcs,
        copts = MULTIRUN_TEST_COPTS,
        tags = ["benchmark"],
        alwayslink = True,
        deps = deps,
    )
    native.cc_binary(
        name = name,
        testonly = True,
        tags = ["benchmark"],
        deps = [":" + name + "_objects"],
    )
    native.cc_test(
        name = name + "_smoke_test",
        size = size,
        args = ["--benchmark_min_time=0.001"] + (
            ["--benchmark_filter=" + smoke_filter] if smoke_filter else []
        ),
        tags = ["benchmark"] + smoke_tags,
        deps = [":" + name + "_objects"],
    )
