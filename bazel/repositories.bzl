"""multirun_dependencies(): every external repository multirun's targets use.

A consumer's WORKSPACE needs:

    local_repository(name = "multirun", path = "/path/to/multirun")  # or http_archive
    load("@multirun//bazel:repositories.bzl", "multirun_dependencies")
    multirun_dependencies()

Each repository is declared only if the WORKSPACE has not declared it already, so a
consumer that builds Abseil or GoogleTest from source keeps its own. The libraries come
from Debian's -dev packages (`tools/test` installs them); the labels match upstream's.
The table of them is bazel/system_libraries.bzl, shared with the Bzlmod extension.
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

def _repository_root():
    # The directory of multirun's WORKSPACE, wherever the consumer put it.
    return Label("//:WORKSPACE")

def _offline_stand_in_impl(ctx):
    root = ctx.path(_repository_root()).dirname
    source = root.get_child("third_party").get_child(ctx.attr.directory)
    for entry in source.readdir():
        ctx.symlink(entry, entry.basename)

# Bazel's own rule repositories (rules_cc, rules_java, remote_coverage_tools) are
# fetched from the network by default; these stand-ins make a consumer's build offline.
_offline_stand_in = repository_rule(
    implementation = _offline_stand_in_impl,
    attrs = {"directory": attr.string(mandatory = True)},
    local = True,
)

def _declared(name):
    return native.existing_rule(name) != None

def multirun_dependencies():
    """Declares the repositories multirun needs that the WORKSPACE does not have yet."""
    for name in ["rules_cc", "rules_java", "remote_coverage_tools"]:
        if not _declared(name):
            _offline_stand_in(name = name, directory = name)
    for name, directory in [("platforms", "platforms"), ("bazel_skylib", "skylib")]:
        if not _declared(name):
            native.local_repository(name = name, path = "/usr/share/bazel/tools/" + directory)
    if not _declared("com_google_absl"):
        system_abseil(name = "com_google_absl")
    for name, build_file in SYSTEM_LIBRARIES.items():
        if not _declared(name):
            system_library(name = name, build_file = system_library_build_file(build_file))
    if not _declared("mpi"):
        system_mpi(name = "mpi", build_file = system_library_build_file(MPI_BUILD_FILE))
