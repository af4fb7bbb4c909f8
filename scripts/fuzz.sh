#!/bin/sh
# Builds the libFuzzer targets of every reader of outside data with clang-14
# (-fsanitize=fuzzer,address,undefined) and fuzzes each for a while:
#   scripts/fuzz.sh [-t SECONDS] [-j JOBS] [-s SEED] [TARGET...]
# SECONDS per target (default 60); JOBS for the build (default: every core);
# SEED for libFuzzer's random choices (default: a new one each run; CI fixes
# it so that its short run is repeatable). TARGETs default to all: flow site liberty
# netlist csv idx model qmodel. The build folder is build-fuzz-clang (or
# $FUZZ_BUILD_DIR). Seeds come from tests/fuzz/corpus/<target> and
# tests/fuzz/regressions/<target>; what the fuzzer learns goes to
# <build>/corpus/<target> (kept between runs), findings to
# <build>/findings/<target>/ (crash-*, timeout-*, oom-*). Exit status 1 when
# any target found something: add the input to tests/fuzz/regressions/<target>/
# and fix the reader (docs/security.md).
set -eu
cd "$(dirname "$0")/.."
seconds=60
jobs=$(nproc)
seed=0
while getopts t:j:s: opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    s) seed=$OPTARG ;;
    *) echo "usage: $0 [-t SECONDS] [-j JOBS] [-s SEED] [TARGET...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=${*:-flow site liberty netlist csv idx model qmodel}
build=${FUZZ_BUILD_DIR:-build-fuzz-clang}

# Everything is instrumented for coverage and checked by ASan+UBSan; only
# the fuzz executables link libFuzzer's main (tests/fuzz/CMakeLists.txt).
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
generator=""
command -v ninja >/dev/null && generator="-G Ninja"
if [ ! -f "$build/CMakeCache.txt" ]; then
  # shellcheck disable=SC2086
  cmake -S . -B "$build" $generator $launcher -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_CXX_FLAGS="$flags" -DFLOWRUN_FUZZ=ON -DFLOWRUN_PLUGINS="neuro;cnn" \
    -DFLOWRUN_CNN_NATIVE=OFF >/dev/null
fi
exes=""
for t in $targets; do exes="$exes fuzz_$t"; done
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $exes

# Plugins are dlopen'ed and never unloaded: not leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
summary=""
for t in $targets; do
  work="$build/corpus/$t"
  findings="$build/findings/$t"
  mkdir -p "$work" "$findings"
  log="$build/findings/$t.log"
  echo "== fuzz_$t for ${seconds}s, seed $seed (log: $log)"
  # -timeout: one input taking > 10 s is a hang; -rss_limit_mb: the
  # readers must reject huge inputs without allocating gigabytes.
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -seed="$seed" -print_final_stats=1 -artifact_prefix="$findings/" \
      "$work" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" >"$log" 2>&1; then
    result=ok
  else
    result="FINDING (see $findings/)"
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  line="fuzz_$t: ${runs:-?} executions, ${rate:-?} exec/s, $result"
  echo "$line"
  summary="$summary$line
"
done
printf '\n%s' "$summary"
exit $status
