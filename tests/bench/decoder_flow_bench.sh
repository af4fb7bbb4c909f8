#!/bin/sh
# Times the full default decoder flow (flows/decoder.yaml, every stage run,
# nothing from the cache) and prints the wall-clock seconds of the whole run
# and of each stage. Target: the whole flow in under 60 s.
#
#   tests/bench/decoder_flow_bench.sh [BUILD_DIR] [extra flowrun args...]
#
# BUILD_DIR defaults to build/. Extra args go to `flowrun run`, e.g.
# `--set rtl.mac_units=0` to time the fully parallel datapath.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
[ $# -gt 0 ] && shift
flowrun=$build/bin/flowrun
if [ ! -x "$flowrun" ]; then
  echo "decoder_flow_bench: $flowrun not found; build first (scripts/build.sh)" >&2
  exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/flowrun-decoder-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

start=$(date +%s.%N)
status=0
"$flowrun" run "$here/flows/decoder.yaml" --run-dir "$work/run" --no-cache "$@" > "$work/output.txt" 2>&1 || status=$?
end=$(date +%s.%N)
if [ ! -f "$work/run/report.json" ]; then
  cat "$work/output.txt" >&2
  echo "decoder_flow_bench: flowrun exited with $status and wrote no report" >&2
  exit "$status"
fi

echo "decoder flow (flows/decoder.yaml, defaults, no cache, $(nproc) cores)"
# Per-stage times and the headline numbers from report.json.
if command -v python3 > /dev/null 2>&1; then
  python3 - "$work/run/report.json" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
for name, s in rep["stages"].items():
    print(f"  {name:<16} {s['seconds']:8.2f} s  {s['status']}")
m = lambda st, k: rep["stages"][st]["metrics"].get(k, float("nan"))
print(f"  eval accuracy float {m('train','eval_accuracy'):.4f} fixed {m('quantize','eval_accuracy'):.4f}; "
      f"gate-level vectors {m('sim_gates','vectors'):.0f} mismatches {m('sim_gates','mismatches'):.0f}; "
      f"area {m('synth','area'):.0f}; fmax {m('sta','fmax_mhz'):.1f} MHz")
print(f"  flowrun's own total: {rep['seconds']:.2f} s")
PY
fi
awk -v s="$start" -v e="$end" 'BEGIN { printf "total_seconds %.2f\n", e - s }'
if [ "$status" -ne 0 ]; then
  echo "decoder_flow_bench: the flow FAILED (flowrun exit code $status); see the stage errors:" >&2
  grep -i "failed" "$work/output.txt" | head -5 >&2
  exit "$status"
fi
