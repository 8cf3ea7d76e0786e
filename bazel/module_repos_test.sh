#!/usr/bin/env bash
# Checks that MODULE.bazel imports (use_repo) exactly the repositories that
# bazel/system_libraries.bzl declares, so a library added to the table is seen in both
# WORKSPACE and Bzlmod mode.
set -euo pipefail

table="$1"
module="$2"

declared="$(
  {
    sed -n '/^SYSTEM_LIBRARIES = {/,/^}/p' "${table}" | sed -nE 's/^ *"([^"]+)": .*/\1/p'
    sed -nE 's/^SPECIAL_REPOSITORIES = \[(.*)\]/\1/p' "${table}" | tr -d '" ' | tr ',' '\n'
  } | sort
)"
imported="$(sed -n '/^use_repo(/,/^)/p' "${module}" | sed -nE 's/^ *"([^"]+)",?$/\1/p' | sort)"

if [[ -z "${declared}" || -z "${imported}" ]]; then
  echo "error: found no repository in ${table} or ${module}; the check is void" >&2
  exit 1
fi
if [[ "${declared}" != "${imported}" ]]; then
  echo "error: MODULE.bazel's use_repo differs from bazel/system_libraries.bzl:" >&2
  diff <(echo "${declared}") <(echo "${imported}") >&2 || true
  exit 1
fi
echo "$(wc -l <<<"${declared}") repositories, declared and imported alike"
