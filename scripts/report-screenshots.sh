#!/bin/sh
# Regenerates docs/report-<flow>.png, one picture of report.html per flow in
# flows/: runs the browser tests of tests/report (each runs its flow with
# reduced params, or reads the run its flow's e2e test keeps) and copies each
# page they screenshot, at half size (up to 9000 page pixels), into docs/.
#
#   scripts/report-screenshots.sh [BUILD_DIR]     (default: build)
#
# BUILD_DIR must be configured and built (scripts/build.sh). Takes a few
# minutes on two cores; the full-page screenshots stay in
# BUILD_DIR/test-artifacts/report/.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
artifacts="$build/test-artifacts/report"

# flows/<flow>.yaml -> the test's screenshot name
flows="approx_mult approx_sweep approx_cnn decoder decoder_history fashion_cnn cnn_banking"
for flow in $(cd "$root/flows" && ls *.yaml | sed 's/\.yaml$//'); do
  case " $flows " in
    *" $flow "*) ;;
    *) echo "report-screenshots.sh: flows/$flow.yaml has no browser test in tests/report" >&2; exit 2 ;;
  esac
done

for flow in $flows; do rm -f "$artifacts/$flow-small.png"; done
(cd "$build" && ctest -R "^ReportInBrowser" -E ShortSweep -j 2 --output-on-failure)
for flow in $flows; do
  shot="$artifacts/$flow-small.png"
  if [ ! -s "$shot" ]; then
    echo "report-screenshots.sh: no screenshot $shot (did its test run?)" >&2
    exit 1
  fi
  cp "$shot" "$root/docs/report-$flow.png"
  echo "docs/report-$flow.png"
done
