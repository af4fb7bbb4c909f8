#!/bin/sh
# Fresh machine to a green test suite: install, build, run every test.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
exec ctest --output-on-failure -j "$(nproc)" "$@"
