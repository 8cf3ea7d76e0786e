# shellcheck shell=bash
# Shared by tools/test and tools/bench (source it, do not run it): the Debian packages
# multirun needs, the step that installs the missing ones, and the flags every Bazel
# invocation of the scripts uses.

# Everything a fresh Debian 12 machine needs to build, test and benchmark multirun:
# Bazel and its offline rule repositories, the system libraries the targets link, the
# MariaDB server the MySQL tests start, the benchmark peers (oneTBB, Boost, Python and
# PyMySQL), the independent readers of the file tests (Python's openpyxl), clang for
# the thread-safety analysis of the headers, and Open MPI for the cluster package.
MULTIRUN_PACKAGES=(
  bazel-bootstrap
  bazel-platforms
  bazel-skylib
  libabsl-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libre2-dev
  default-libmysqlclient-dev
  libtbb-dev
  libboost-dev
  nlohmann-json3-dev
  libxlsxwriter-dev
  libzip-dev
  libexpat1-dev
  mariadb-server
  python3
  python3-openpyxl
  python3-pymysql
  clang
  libopenmpi-dev
  openmpi-bin
)

# Plain output: CI has no terminal, and the summary lines are parsed.
# shellcheck disable=SC2034  # used by the scripts that source this file
BAZEL_UI_FLAGS=(--color=no --curses=no)

# Prints the packages of MULTIRUN_PACKAGES that dpkg does not report as installed.
missing_packages() {
  local package status
  for package in "${MULTIRUN_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "${package}" 2>/dev/null || true)"
    if [[ "${status}" != "install ok installed" ]]; then
      echo "${package}"
    fi
  done
}

# Runs its arguments as root: directly when we are root, else through sudo.
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "error: installing packages needs root, and sudo is not available" >&2
    return 1
  fi
}

# Installs the missing packages (one apt-get update, one apt-get install); does nothing,
# and needs no root, when everything is installed already.
install_missing_packages() {
  if ! command -v dpkg-query >/dev/null; then
    echo "error: dpkg-query not found; these scripts set up a Debian 12 machine" >&2
    return 1
  fi
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  echo "installing missing packages: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}
