"""The module extension that wires Debian's system libraries for Bzlmod.

MODULE.bazel uses it:

    system_libraries = use_extension("//bazel:extensions.bzl", "system_libraries")
    use_repo(system_libraries, "com_google_absl", "com_google_googletest", ...)

It declares the same repositories, with the same names and labels, as
`multirun_dependencies()` does for a WORKSPACE, from the one table in
bazel/system_libraries.bzl. Declaring is cheap: Bazel fetches (links) a repository only
when a target being built needs it, so MySQL, MPI, oneTBB, Boost and the file-format
libraries are touched only by the targets that use them.

A consumer's module may import repositories of it too (its tests may want
`@com_google_googletest//:gtest_main` from the same system GoogleTest multirun uses):

    system_libraries = use_extension("@multirun//bazel:extensions.bzl", "system_libraries")
    use_repo(system_libraries, "com_google_googletest")
"""

load("//bazel:system_abseil.bzl", "system_abseil")
load(
    "//bazel:system_libraries.bzl",
    "MPI_BUILD_FILE",
    "SYSTEM_LIBRARIES",
    "system_library",
    "system_library_build_file",
    "system_mpi",
)

def _system_libraries_impl(module_ctx):
    system_abseil(name = "com_google_absl")
    for name, build_file in SYSTEM_LIBRARIES.items():
        system_library(name = name, build_file = system_library_build_file(build_file))
    system_mpi(name = "mpi", build_file = system_library_build_file(MPI_BUILD_FILE))

    # When multirun is the root module it imports every repository, and `bazel mod tidy`
    # keeps its use_repo in step with the table.
    root = [module for module in module_ctx.modules if module.is_root]
    if root and root[0].name == "multirun":
        return module_ctx.extension_metadata(
            root_module_direct_deps = "all",
            root_module_direct_dev_deps = [],
        )
    return None

system_libraries = module_extension(implementation = _system_libraries_impl)
