"""multirun_dependencies(): every external repository multirun's targets use.

A consumer's WORKSPACE needs:

    local_repository(name = "multirun", path = "/path/to/multirun")  # or http_archive
    load("@multirun//bazel:repositories.bzl", "multirun_dependencies")
    multirun_dependencies()

Each repository is declared only if the WORKSPACE has not declared it already, so a
consumer that builds Abseil or GoogleTest from source keeps its own. The libraries come
from Debian's -dev packages (`tools/test` installs them); the labels match upstream's.
"""

load("//bazel:system_abseil.bzl", "system_abseil")

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

def _system_library(name, build_file):
    if not _declared(name):
        native.new_local_repository(
            name = name,
            path = "/usr/include",
            build_file = str(Label("//third_party:%s" % build_file)),
        )

# Where Debian's MPI packages put their headers (the multiarch directory is filled in),
# and the library each one links.
_MPI_FLAVOURS = {
    "openmpi": ("/usr/lib/{arch}/openmpi/include", ["-lmpi"]),
    "mpich": ("/usr/include/{arch}/mpich", ["-lmpich"]),
}

def _system_mpi_impl(ctx):
    arch = ctx.execute(["gcc", "-print-multiarch"]).stdout.strip() or "x86_64-linux-gnu"
    wanted = ctx.os.environ.get("MULTIRUN_MPI", "")
    if wanted and wanted not in _MPI_FLAVOURS:
        fail("MULTIRUN_MPI=%s: expected one of %s" % (wanted, ", ".join(_MPI_FLAVOURS)))
    for flavour in ([wanted] if wanted else ["openmpi", "mpich"]):
        include, linkopts = _MPI_FLAVOURS[flavour]
        include = include.format(arch = arch)
        if ctx.path(include + "/mpi.h").exists:
            ctx.symlink(include, "include")
            ctx.template("BUILD", ctx.attr.build_file, {
                "%{flavour}": flavour,
                "%{linkopts}": repr(linkopts),
            })
            return
    fail("no MPI found (looked for mpi.h of %s): install Debian's libopenmpi-dev " %
         ", ".join(_MPI_FLAVOURS) + "and openmpi-bin (tools/test does), or libmpich-dev")

# MPI from Debian's libopenmpi-dev, or libmpich-dev (MULTIRUN_MPI=mpich picks it when both
# are installed). Only //cluster depends on it, and Bazel fetches a repository only when
# a target being built needs it.
_system_mpi = repository_rule(
    implementation = _system_mpi_impl,
    attrs = {"build_file": attr.label(mandatory = True)},
    environ = ["MULTIRUN_MPI"],
    local = True,
)

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
    _system_library("com_google_googletest", "googletest.BUILD")
    _system_library("com_github_google_benchmark", "benchmark.BUILD")
    _system_library("com_googlesource_code_re2", "re2.BUILD")
    _system_library("mysqlclient", "mysqlclient.BUILD")
    _system_library("onetbb", "onetbb.BUILD")
    _system_library("boost", "boost.BUILD")
    _system_library("nlohmann_json", "nlohmann_json.BUILD")
    _system_library("libxlsxwriter", "libxlsxwriter.BUILD")
    _system_library("libzip", "libzip.BUILD")
    _system_library("expat", "expat.BUILD")
    if not _declared("mpi"):
        _system_mpi(name = "mpi", build_file = Label("//third_party:mpi.BUILD.tpl"))
