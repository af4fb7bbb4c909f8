#!/bin/sh
# Installs flowrun into a temporary prefix, builds the out-of-tree example
# plugin (docs/examples/hello-plugin) against the installed CMake package,
# installs it beside flowrun's own plugins and runs a flow that uses it.
# usage: install_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
test -x "$prefix/bin/flowrun"
test -f "$prefix/include/flowrun/sdk.hpp"
test -f "$prefix/lib/cmake/flowrun/flowrunConfig.cmake"
test -f "$prefix/share/flowrun/cells/flowrun_cells.lib"

cmake -S "$src/docs/examples/hello-plugin" -B "$work/hello" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/hello" > "$work/build.log"
cmake --install "$work/hello" --prefix "$prefix" > /dev/null
test -f "$prefix/lib/flowrun/plugins/libhello.so"
# The installed bash completion offers the installed plugins' stage kinds.
completion=$prefix/share/bash-completion/completions/flowrun
test -f "$completion"
kinds=$(bash -c '. "$1"; COMP_WORDS=("$2" describe hello.); COMP_CWORD=2; _flowrun; printf "%s\n" "${COMPREPLY[@]}"' \
  sh "$completion" "$prefix/bin/flowrun")
[ "$kinds" = "hello.greet" ] || { echo "completion offered: $kinds"; exit 1; }

cat > "$work/hello.yaml" <<'YAML'
name: hello
stages:
  greet:
    uses: hello.greet
    with: {names: [Ada, Grace], greeting: Hi}
YAML
cd "$work"
"$prefix/bin/flowrun" describe hello.greet | grep -q "Greet everybody"
"$prefix/bin/flowrun" run hello.yaml --run-dir "$work/run" --cache-dir "$work/cache" > "$work/run.log"
expected="Hi, Ada!
Hi, Grace!"
actual=$(cat "$work/run/greet/out/greetings.txt")
if [ "$actual" != "$expected" ]; then
  echo "unexpected greetings: $actual"; cat "$work/run.log"; exit 1
fi
grep -q '"greeted": 2' "$work/run/report.json"
echo "install test ok"
