#!/bin/sh
# Configures and builds flowrun in build/ (Release), using every core.
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
