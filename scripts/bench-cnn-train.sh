#!/bin/bash
# trainer.cnn against the PyTorch CPU peer (/work/shared/peers/torch_cnn.py
# or $TORCH_PEER), side by side in the same session: same net (the default
# trainer.cnn net), Adam 1e-3, batch 64, all 60000 Fashion-MNIST training
# images, 2 threads each. Both time the training loop only (shuffle,
# forward, backward, optimizer step), not data loading or evaluation.
#
#   scripts/bench-cnn-train.sh [-b BUILD_DIR] [-e EPOCHS] [-r REPEATS]
#
# Builds nothing: BUILD_DIR (default: build) must hold bin/flowrun and the
# cnn plugin. The peer runs with OpenBLAS from $OPENBLAS_DIR (default: the
# unpacked libopenblas0-pthread under /opt/openblas), OPENBLAS_NUM_THREADS=1
# and torch's 2 threads. The machine may be shared: the runs alternate
# (flowrun, torch, flowrun, torch, ...) and every pair's ratio is printed.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
epochs=1
repeats=1
while getopts "b:e:r:h" opt; do
  case $opt in
    b) build=$OPTARG ;;
    e) epochs=$OPTARG ;;
    r) repeats=$OPTARG ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
peer=${TORCH_PEER:-/work/shared/peers/torch_cnn.py}
openblas=${OPENBLAS_DIR:-/opt/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread}
flowrun="$build/bin/flowrun"
flow="$here/plugins/cnn/tests/train/bench_train.yaml"

[ -x "$flowrun" ] || { echo "error: $flowrun not found; build first (cmake --build $build --target flowrun flowrun_cnn)" >&2; exit 1; }
[ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] ||
  { echo "error: Fashion-MNIST missing: install the Debian package dataset-fashion-mnist" >&2; exit 1; }

torch_ok=1
if [ ! -r "$peer" ]; then
  echo "NOTE: the torch peer $peer is missing (set TORCH_PEER); timing flowrun only" >&2; torch_ok=0
elif ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "NOTE: PyTorch is not installed (apt-get install python3-torch); timing flowrun only" >&2; torch_ok=0
fi
blas_env=()
if [ $torch_ok = 1 ]; then
  if ls "$openblas"/libblas.so.3 >/dev/null 2>&1 || ls "$openblas"/libopenblas*.so* >/dev/null 2>&1; then
    blas_env=(env OPENBLAS_NUM_THREADS=1 LD_LIBRARY_PATH="$openblas")
  else
    echo "NOTE: OpenBLAS not found in $openblas (set OPENBLAS_DIR; see /work/shared/peers/README.md:" >&2
    echo "      apt-get download libopenblas0-pthread && dpkg-deb -x libopenblas0-pthread_*.deb root)." >&2
    echo "      torch runs with the system BLAS instead (the slow reference BLAS unless OpenBLAS is installed)." >&2
    blas_env=(env)
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

printf "%-4s %-8s %12s %10s %s\n" run who "s/epoch" accuracy note
for r in $(seq 1 "$repeats"); do
  "$flowrun" run "$flow" --run-dir "$tmp/fr$r" --no-cache -j2 --set train.epochs="$epochs" >"$tmp/fr$r.log" 2>&1 ||
    { cat "$tmp/fr$r.log" >&2; exit 1; }
  rep="$tmp/fr$r/report.json"
  fs=$(field "$rep" "d['stages']['train']['metrics']['seconds_per_epoch']")
  fa=$(field "$rep" "d['stages']['train']['metrics']['test_accuracy']")
  printf "%-4s %-8s %12.3f %10.4f %s\n" "$r" flowrun "$fs" "$fa" "threads=$(field "$rep" "d['stages']['train']['metrics']['threads']")"
  if [ $torch_ok = 1 ]; then
    "${blas_env[@]}" /usr/bin/python3 "$peer" --epochs "$epochs" >"$tmp/torch$r.out" 2>"$tmp/torch$r.err" ||
      { cat "$tmp/torch$r.err" >&2; exit 1; }
    tail -n 1 "$tmp/torch$r.out" >"$tmp/torch$r.json"
    ts=$(field "$tmp/torch$r.json" "d['seconds_per_epoch']")
    ta=$(field "$tmp/torch$r.json" "d['test_accuracy']")
    note="blas=$(basename "$(field "$tmp/torch$r.json" "d['blas']")") other_cpu_s=$(field "$tmp/torch$r.json" "d['train_cpu']['other_cpu_seconds']")"
    printf "%-4s %-8s %12.3f %10.4f %s\n" "$r" torch "$ts" "$ta" "$note"
    python3 -c "import sys; f,t=float(sys.argv[1]),float(sys.argv[2]); print(f'{sys.argv[3]:<4} ratio    torch/flowrun = {t/f:.2f}x  (accuracy flowrun - torch = {float(sys.argv[4])-float(sys.argv[5]):+.4f})')" \
      "$fs" "$ts" "$r" "$fa" "$ta"
  fi
done
