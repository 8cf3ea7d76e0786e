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
