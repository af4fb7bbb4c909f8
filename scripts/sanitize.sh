#!/bin/sh
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer:
#   scripts/sanitize.sh [BUILD_DIR] [ctest arguments...]
# BUILD_DIR defaults to build-sanitize. Any finding fails its test (UBSan
# does not recover; ASan stops at the first error). Takes several times the
# normal build and test time, so it is not part of CI: run it before a
# release and after changing a reader or the engine.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-sanitize}
[ $# -gt 0 ] && shift
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFLOWRUN_SANITIZE=address,undefined
cmake --build "$build" -j "$(nproc)"
# Plugins are loaded with dlopen and never unloaded: their memory is not a
# leak. halt_on_error makes UBSan findings fail the test that hit them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
cd "$build"
exec ctest --output-on-failure -j "$(nproc)" "$@"
