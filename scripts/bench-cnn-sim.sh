#!/bin/bash
# RTL simulation speed of the F = 16 CNN accelerator (docs/cnn-flow.md,
# "RTL simulation"): runs plugins/cnn/tests/rtl/bench_sim.yaml (the
# fashion_cnn stages up to sim_rtl, reduced training) without the cache and
# prints sim_rtl's compile_seconds, sim_seconds and mismatches with the
# machine's load average before and after. With -c it then runs the stage's
# own simulation binary again, one process per shard as the stage does,
# under /usr/bin/time, and prints each shard's CPU and wall seconds and the
# CPU nanoseconds per simulated cycle: the measure that does not depend on
# what else the machine runs (each shard's CPU includes reading the
# testbench data with $readmemh, about 1 s).
#
#   scripts/bench-cnn-sim.sh [-b BUILD_DIR] [-d RUN_DIR] [-c] [-- extra flowrun args]
#
# e.g. -- --set data.test_subset=200 for a quick check. Builds nothing:
# BUILD_DIR (default: build) must hold bin/flowrun and the cnn and eda
# plugins. Not part of ctest: it simulates 10,000 images (minutes).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
run=/tmp/flowrun-bench-cnn-sim
cpu=0
while getopts "b:d:ch" opt; do
  case $opt in
    b) build=$OPTARG ;;
    d) run=$OPTARG ;;
    c) cpu=1 ;;
    *) sed -n '2,17p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
flowrun="$build/bin/flowrun"
[ -x "$flowrun" ] || { echo "error: $flowrun not found; build first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "error: python3 is needed to read report.json" >&2; exit 1; }
[ "$cpu" = 0 ] || [ -x /usr/bin/time ] || { echo "error: -c needs /usr/bin/time (Debian package time)" >&2; exit 1; }

echo "load before: $(uptime)"
"$flowrun" run "$here/plugins/cnn/tests/rtl/bench_sim.yaml" --run-dir "$run" -j 2 --no-cache "$@" >/dev/null
echo "load after:  $(uptime)"
python3 - "$run/report.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["stages"]["sim_rtl"]["metrics"]
print("sim_rtl: %d images in %d shards, %d mismatches, %d cycles/image; compile %.1f s, simulation %.1f s" % (
    m["vectors"], m["shards"], m["mismatches"], m["cycles_per_image"], m["compile_seconds"], m["sim_seconds"]))
PY

[ "$cpu" = 1 ] || exit 0
top=$(python3 -c "import json; print(json.load(open('$run/testbench/out/testbench/testbench.json'))['top'])")
binary="$run/sim_rtl/work/obj_dir/V$top"
[ -x "$binary" ] || { echo "error: $binary not found (sim_rtl's work folder)" >&2; exit 1; }
shards=$(python3 -c "import json; print(json.load(open('$run/report.json'))['stages']['sim_rtl']['metrics']['shards'])")
echo "rerunning $binary as $shards shards under /usr/bin/time"
echo "load before: $(uptime)"
for ((i = 0; i < shards; i++)); do
  mkdir -p "$run/cpu/shard$i"
  (cd "$run/cpu/shard$i" && /usr/bin/time -f "%U %S %e" -o time.txt "$binary" +flowrun_shard=$i +flowrun_shards=$shards > out.txt) &
done
wait
echo "load after:  $(uptime)"
for ((i = 0; i < shards; i++)); do
  python3 - "$run/cpu/shard$i" $i <<'PY'
import json, sys
d, i = sys.argv[1], sys.argv[2]
line = [l for l in open(d + "/out.txt") if l.startswith("FLOWRUN_RESULT ")][-1]
r = json.loads(line[len("FLOWRUN_RESULT "):])
user, system, wall = map(float, open(d + "/time.txt").read().split()[-3:])
print("shard %s: %d images, %d mismatches, %s; CPU %.1f s user + %.1f s sys, wall %.1f s; %.0f ns CPU per cycle" % (
    i, r["vectors"], r["mismatches"], r["status"], user, system, wall, (user + system) / r["cycles"] * 1e9))
PY
done
