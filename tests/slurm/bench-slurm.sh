#!/bin/bash
# Per-stage overhead of the Slurm executor (submit -> result) against the
# local executor, on a private one-node cluster (cluster.sh) started for the
# benchmark and stopped afterwards. Prints numbers; asserts nothing.
#
#   tests/slurm/bench-slurm.sh [BUILD_DIR] [CHAIN_STAGES] [SWEEP_INSTANCES]
#
# BUILD_DIR defaults to build/ (it needs bin/flowrun and the demo test
# plugin); CHAIN_STAGES (default 10) trivial demo stages run one after the
# other; SWEEP_INSTANCES (default 8) instances of one swept stage run as one
# job array. Each flow runs with --no-cache through
#   local                 -j 2, in the flowrun process
#   slurm, poll 2 s       the site default poll_seconds
#   slurm, poll 0.2 s     what the tests use
# and, as the floor no executor can beat, the raw Slurm round trip of an
# empty job (sbatch --wrap=true, followed with scontrol every 50 ms).
# Needs root (slurmd starts jobs as the submitting user) and the Debian
# packages slurm-wlm and munge.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
chain=${2:-10}
sweep=${3:-8}
flowrun=$build/bin/flowrun
demo=$build/tests/plugins/libflowrun_demo.so
for f in "$flowrun" "$demo"; do
  if [ ! -e "$f" ]; then
    echo "bench-slurm: $f not found; build the flowrun and flowrun_test_plugins targets first" >&2
    exit 2
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/flowrun-slurm-bench.XXXXXX")
cluster=$work/cluster
cleanup() {
  "$here/tests/slurm/cluster.sh" stop "$cluster" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$here/tests/slurm/cluster.sh" start "$cluster" > /dev/null
export SLURM_CONF=$cluster/slurm.conf

# The flows: a chain of trivial stages, and one swept stage gathered at the end.
{
  echo "name: bench_chain"
  echo "plugins: [$demo]"
  echo "stages:"
  echo "  s0: {uses: demo.source, with: {text: bench, lines: 3}}"
  for i in $(seq 1 $((chain - 1))); do
    echo "  s$i: {uses: demo.transform, with: {mode: none, prefix: \"$i \"}, inputs: {text: s$((i - 1)).text}}"
  done
} > "$work/chain.yaml"
prefixes=$(seq -f "\"p%g\"" -s, 1 "$sweep")
cat > "$work/sweep.yaml" <<FLOW
name: bench_sweep
plugins: [$demo]
stages:
  src: {uses: demo.source, with: {text: bench, lines: 3}}
  sw: {uses: demo.transform, matrix: {prefix: [$prefixes]}, inputs: {text: src.text}}
  all: {uses: demo.concat, inputs: {parts: sw.text}}
FLOW
printf 'slurm:\n  poll_seconds: 2\n' > "$work/site-poll2.yaml"
printf 'slurm:\n  poll_seconds: 0.2\n' > "$work/site-poll02.yaml"

now() { date +%s.%N; }

# run NAME FLOW ARGS...: runs flowrun, prints "wall_seconds mean_stage_seconds".
run() {
  local name=$1 flow=$2
  shift 2
  local start end
  start=$(now)
  if ! "$flowrun" run "$flow" --run-dir "$work/runs/$name" --no-cache "$@" > "$work/$name.log" 2>&1; then
    cat "$work/$name.log" >&2
    echo "bench-slurm: the $name run failed" >&2
    exit 1
  fi
  end=$(now)
  python3 - "$work/runs/$name/report.json" "$start" "$end" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
stages = list(rep["stages"].values())
assert all(s["status"] == "ok" for s in stages), "a stage did not run"
mean = sum(s["seconds"] for s in stages) / len(stages)
print(f"{float(sys.argv[3]) - float(sys.argv[2]):.3f} {mean:.3f}")
PY
}

# The same outputs whichever executor ran them.
same_outputs() {
  local a=$work/runs/$1 b=$work/runs/$2
  (cd "$a" && find . -path '*/out/*' -type f | sort | xargs sha256sum) > "$work/a.sum"
  (cd "$b" && find . -path '*/out/*' -type f | sort | xargs sha256sum) > "$work/b.sum"
  cmp -s "$work/a.sum" "$work/b.sum" && echo "byte-identical" || echo "DIFFERENT"
}

# Raw Slurm round trip: submit an empty job, follow it until it completed.
raw_round_trip() {
  local total=0 n=5 id start end state
  for _ in $(seq $n); do
    start=$(now)
    id=$(sbatch --parsable --output=/dev/null --wrap=true)
    id=${id%%;*}
    for _ in $(seq 1200); do
      state=$(scontrol --oneliner show job "$id" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
      [ "$state" = COMPLETED ] && break
      sleep 0.05
    done
    end=$(now)
    total=$(awk -v t="$total" -v s="$start" -v e="$end" 'BEGIN { print t + e - s }')
  done
  awk -v t="$total" -v n="$n" 'BEGIN { printf "%.3f\n", t / n }'
}

echo "Slurm executor overhead: one-node test cluster on 127.0.0.1, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw Slurm round trip of an empty job (sbatch -> COMPLETED, 5 jobs): $(raw_round_trip) s"
echo
printf '%-26s %-20s %10s %16s %20s %s\n' flow executor "wall s" "per stage s" "stage submit->result" outputs
for flow in chain sweep; do
  if [ "$flow" = chain ]; then stages=$chain; else stages=$((sweep + 2)); fi
  read -r lw lm < <(run "$flow-local" "$work/$flow.yaml" -j 2)
  printf '%-26s %-20s %10.2f %16.3f %20.3f %s\n' "$flow ($stages stages)" "local -j 2" "$lw" \
    "$(awk -v w="$lw" -v n="$stages" 'BEGIN { print w / n }')" "$lm" "-"
  for poll in 2 02; do
    read -r sw sm < <(run "$flow-slurm$poll" "$work/$flow.yaml" --executor slurm --site "$work/site-poll$poll.yaml")
    label="slurm, poll $([ $poll = 2 ] && echo 2 || echo 0.2) s"
    printf '%-26s %-20s %10.2f %16.3f %20.3f %s\n' "$flow ($stages stages)" "$label" "$sw" \
      "$(awk -v w="$sw" -v n="$stages" 'BEGIN { print w / n }')" "$sm" "$(same_outputs "$flow-local" "$flow-slurm$poll")"
    # Chain: every stage waits for the one before, so (slurm - local) / stages
    # is what Slurm adds to each stage. Sweep: what the array adds to the flow.
    awk -v s="$sw" -v l="$lw" -v n="$stages" -v f="$flow" -v p="$label" 'BEGIN {
      if (f == "chain") printf "  -> %s adds %.3f s per chained stage\n", p, (s - l) / n;
      else printf "  -> %s adds %.3f s to the %d-stage sweep flow\n", p, s - l, n }'
  done
done
