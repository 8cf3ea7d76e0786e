"""multirun's cc rules: the standard ones with its copts and include path said once.

Every library header is included as "multirun/<package>/<file>.h", whatever the
workspace that builds it. The copts carry warnings but never -Werror: a consumer
compiles these targets with its own compiler, and a warning that a newer compiler
adds must not break its build. multirun's own builds add -Werror (.bazelrc).
"""

load("//bazel:copts.bzl", "MULTIRUN_COPTS", "MULTIRUN_TEST_COPTS")

def _include_prefix():
    return "multirun/" + native.package_name()

def multirun_cc_library(name, copts = [], testonly = False, **kwargs):
    """A cc_library whose headers are included as "multirun/<package>/<file>.h".

    Args:
      name: the target's name.
      copts: options added after multirun's own.
      testonly: whether only tests and benchmarks may depend on it.
      **kwargs: passed to cc_library.
    """
    native.cc_library(
        name = name,
        copts = (MULTIRUN_TEST_COPTS if testonly else MULTIRUN_COPTS) + copts,
        include_prefix = _include_prefix(),
        testonly = testonly,
        **kwargs
    )

def multirun_cc_test(name, copts = [], **kwargs):
    """A cc_test with multirun's test copts.

    Args:
      name: the test's name.
      copts: options added after multirun's own.
      **kwargs: passed to cc_test.
    """
    native.cc_test(
        name = name,
        copts = MULTIRUN_TEST_COPTS + copts,
        **kwargs
    )

def multirun_cc_binary(name, copts = [], **kwargs):
    """A cc_binary with multirun's test copts (examples and tools).

    Args:
      name: the binary's name.
      copts: options added after multirun's own.
      **kwargs: passed to cc_binary.
    """
    native.cc_binary(
        name = name,
        copts = MULTIRUN_TEST_COPTS + copts,
        **kwargs
    )

def multirun_cc_fuzzer(name, srcs, corpus, deps = [], copts = [], size = "small", **kwargs):
    """A libFuzzer target and a test that replays its corpus.

    Defines two targets:
      - `name`: the libFuzzer binary, tagged "fuzzer" and "manual" (only
        clang links -fsanitize=fuzzer, so `bazel build //...` skips it). Build
        it with `--config=fuzz` under CC=clang; tools/fuzz does.
      - `name + "_replay_test"`: a cc_test that calls the target's
        LLVMFuzzerTestOneInput() with each file of `corpus`, in every
        configuration (GCC, clang, the sanitizers).

    Args:
      name: the fuzzer's name (its source is usually `<name>.cc`).
      srcs: the sources; one defines LLVMFuzzerTestOneInput.
      corpus: the directory of the seed corpus, relative to the package.
      deps: the dependencies of the sources.
      copts: options added after multirun's own.
      size: the replay test's size.
      **kwargs: passed to both rules.
    """
    corpus_files = native.glob([corpus + "/**"])
    native.cc_binary(
        name = name,
        srcs = srcs,
        copts = MULTIRUN_TEST_COPTS + copts,
        linkopts = ["-fsanitize=fuzzer"],
        testonly = True,
        tags = ["fuzzer", "manual"],
        deps = deps,
        **kwargs
    )
    native.cc_test(
        name = name + "_replay_test",
        size = size,
        srcs = srcs,
        copts = MULTIRUN_TEST_COPTS + copts,
        args = [native.package_name() + "/" + corpus],
        data = corpus_files,
        deps = deps + ["//testing/fuzz:replay_main"],
        **kwargs
    )
