#!/bin/sh
# Installs the Debian 12 packages flowrun needs to build, test and run its
# flows (as root). Does nothing when everything is already installed.
set -eu
packages="cmake g++ make pkg-config
  libboost-dev libboost-program-options-dev libyaml-cpp-dev libeigen3-dev
  nlohmann-json3-dev libgtest-dev libssl-dev libspdlog-dev zlib1g-dev
  yosys iverilog opensta verilator
  dataset-fashion-mnist
  libjs-chart.js chromium
  slurm-wlm munge
  clang-14 libfuzzer-14-dev"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "error: run as root (or install these packages):$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
