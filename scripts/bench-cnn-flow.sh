#!/bin/bash
# The CNN accelerator flows at full size, with the numbers issue 12 asks
# for printed from report.json:
#   flows/fashion_cnn.yaml: accuracy (float, int8, agreement), all 10,000
#     test images in Verilator (compile and simulation seconds, mismatches),
#     Icarus and gate-level subsets, logic/macro area, fmax, power;
#   flows/cnn_banking.yaml (with -s): the banking sweep F = 1..16 and its
#     table.csv.
#
#   scripts/bench-cnn-flow.sh [-b BUILD_DIR] [-d RUN_DIR] [-s] [-- extra flowrun args]
#
# Builds nothing: BUILD_DIR (default: build) must hold bin/flowrun and the
# cnn and eda plugins. Runs use flowrun's cache, so a second run only
# re-simulates what changed (pass --no-cache after -- to time everything).
# Not part of ctest: the full flow takes tens of minutes on 2 cores.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
runs=/tmp/flowrun-bench-cnn
sweep=0
while getopts "b:d:sh" opt; do
  case $opt in
    b) build=$OPTARG ;;
    d) runs=$OPTARG ;;
    s) sweep=1 ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
flowrun="$build/bin/flowrun"
[ -x "$flowrun" ] || { echo "error: $flowrun not found; build first" >&2; exit 1; }
command -v python3 >/dev/null || { echo "error: python3 is needed to print the tables" >&2; exit 1; }

start=$(date +%s)
"$flowrun" run "$here/flows/fashion_cnn.yaml" --run-dir "$runs/fashion_cnn" -j 2 "$@"
echo "fashion_cnn: $(( $(date +%s) - start )) s wall"

python3 - "$runs/fashion_cnn/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["stages"]
def m(stage, key):
    v = r.get(stage, {}).get("metrics", {}).get(key)
    return "-" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v))
print("accuracy   float %s  int8 %s  agreement %s  loss %s points" % (
    m("quantize", "float_test_accuracy"), m("quantize", "int8_test_accuracy"),
    m("quantize", "agreement"), m("quantize", "accuracy_loss_points")))
print("train      %s s/epoch, test accuracy %s" % (m("train", "seconds_per_epoch"), m("train", "test_accuracy")))
print("rtl        latency %s cycles/image, %s MAC units, %s memory bits in %s banks" % (
    m("rtl", "latency_cycles"), m("rtl", "mac_units"), m("rtl", "memory_bits"), m("rtl", "memory_banks")))
for s in ("sim_rtl", "sim_icarus", "sim_gates"):
    print("%-10s %s images, %s mismatches, %s correct, %s cycles/image; compile %s s, simulation %s s (%s shards)" % (
        s, m(s, "vectors"), m(s, "mismatches"), m(s, "correct"), m(s, "cycles_per_image"),
        m(s, "compile_seconds"), m(s, "sim_seconds"), m(s, "shards")))
print("synth      logic area %s, macro area %s (%s macros), %s cells; %s s" % (
    m("synth", "logic_area"), m("synth", "macro_area"), m("synth", "macros"), m("synth", "cells"),
    r.get("synth", {}).get("seconds", "-")))
print("sta        fmax %s MHz, power %s mW at %s ns" % (m("sta", "fmax_mhz"), m("sta", "power_mw"),
    m("sta", "clock_period_ns")))
PY

if [ "$sweep" = 1 ]; then
  start=$(date +%s)
  "$flowrun" run "$here/flows/cnn_banking.yaml" --run-dir "$runs/cnn_banking" -j 2 "$@"
  echo "cnn_banking: $(( $(date +%s) - start )) s wall"
  column -s, -t < "$runs/cnn_banking/table/out/table.csv"
fi
