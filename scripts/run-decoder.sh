#!/bin/sh
# Fresh machine to a verified decoder: install, build, run flows/decoder.yaml.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/bin/flowrun run flows/decoder.yaml "$@"
