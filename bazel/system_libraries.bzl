"""Debian's system libraries that multirun links, and the repository rules that wire them.

One table, SYSTEM_LIBRARIES, feeds both ways of depending on multirun:
`multirun_dependencies()` in bazel/repositories.bzl (WORKSPACE) and the module extension
in bazel/extensions.bzl (Bzlmod). Bazel fetches a repository only when a target being
built needs it, so a consumer that uses //sync:lock never touches MySQL or MPI.
"""

# Repository name -> the BUILD file under third_party/ that presents the library's
# headers (found under /usr/include) with upstream's labels. Adding a library is one
# line here (and, for Bzlmod, its name in MODULE.bazel's use_repo, which
# //bazel:module_repos_test checks).
SYSTEM_LIBRARIES = {
    "com_google_googletest": "googletest.BUILD",
    "com_github_google_benchmark": "benchmark.BUILD",
    "com_googlesource_code_re2": "re2.BUILD",
    "mysqlclient": "mysqlclient.BUILD",
    "onetbb": "onetbb.BUILD",
    "boost": "boost.BUILD",
    "nlohmann_json": "nlohmann_json.BUILD",
    "libxlsxwriter": "libxlsxwriter.BUILD",
    "libzip": "libzip.BUILD",
    "expat": "expat.BUILD",
}

# The repositories with rules of their own: Abseil (system_abseil.bzl) and MPI (below).
SPECIAL_REPOSITORIES = ["com_google_absl", "mpi"]

def _system_library_impl(ctx):
    # What new_local_repository does: each entry of the directory linked in, then the
    # BUILD file.
    for entry in ctx.path(ctx.attr.path).readdir():
        ctx.symlink(entry, entry.basename)
    ctx.symlink(ctx.attr.build_file, "BUILD")
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)

# A library from a Debian -dev package: its headers under `path`, its BUILD file from
# third_party/.
system_library = repository_rule(
    implementation = _system_library_impl,
    attrs = {
        "build_file": attr.label(mandatory = True, allow_single_file = True),
        "path": attr.string(default = "/usr/include"),
    },
    local = True,
)

# Where Debian's MPI packages put their headers (the multiarch directory is filled in),
# the library each one links, and the libraries it links too where they exist (Open MPI
# 6 keeps the objects that mpi.h's constants name in libopen_mpi, which libmpi only
# loads).
_MPI_FLAVOURS = {
    "openmpi": ("/usr/lib/{arch}/openmpi/include", ["-lmpi"], ["open_mpi"]),
    "mpich": ("/usr/include/{arch}/mpich", ["-lmpich"], []),
}

def _system_mpi_impl(ctx):
    arch = ctx.execute(["gcc", "-print-multiarch"]).stdout.strip() or "x86_64-linux-gnu"
    wanted = ctx.os.environ.get("MULTIRUN_MPI", "")
    if wanted and wanted not in _MPI_FLAVOURS:
        fail("MULTIRUN_MPI=%s: expected one of %s" % (wanted, ", ".join(_MPI_FLAVOURS)))
    for flavour in ([wanted] if wanted else ["openmpi", "mpich"]):
        include, linkopts, optional = _MPI_FLAVOURS[flavour]
        include = include.format(arch = arch)
        if ctx.path(include + "/mpi.h").exists:
            linkopts = linkopts + [
                "-l" + library
                for library in optional
                if ctx.path("/usr/lib/%s/lib%s.so" % (arch, library)).exists
            ]
            ctx.symlink(include, "include")
            ctx.template("BUILD", ctx.attr.build_file, {
                "%{flavour}": flavour,
                "%{linkopts}": repr(linkopts),
            })
            ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
            return
    fail("no MPI found (looked for mpi.h of %s): install Debian's libopenmpi-dev " %
         ", ".join(_MPI_FLAVOURS) + "and openmpi-bin (tools/test does), or libmpich-dev")

# MPI from Debian's libopenmpi-dev, or libmpich-dev (MULTIRUN_MPI=mpich picks it when both
# are installed). Only //cluster depends on it.
system_mpi = repository_rule(
    implementation = _system_mpi_impl,
    attrs = {"build_file": attr.label(mandatory = True)},
    environ = ["MULTIRUN_MPI"],
    local = True,
)

def system_library_build_file(build_file):
    return Label("//third_party:" + build_file)

MPI_BUILD_FILE = "mpi.BUILD.tpl"
