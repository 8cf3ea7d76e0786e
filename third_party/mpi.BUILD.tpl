# MPI from Debian's %{flavour} packages: the C API only (the C++ bindings that mpi.h
# would otherwise pull in are deprecated and not used).
package(default_visibility = ["//visibility:public"])

cc_library(
    name = "mpi",
    hdrs = glob(["include/**/*.h"]),
    defines = [
        "OMPI_SKIP_MPICXX=1",
        "MPICH_SKIP_MPICXX=1",
    ],
    includes = ["include"],
    linkopts = %{linkopts},
)
