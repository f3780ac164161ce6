#!/usr/bin/env bash
# The main demo: build the hotreload tool, build examples/redirect as a hot
# binary (every package instrumented, the standard library included), build a
# patch plugin against the same build, and run the program: it loads the
# patch and runs again with functions replaced and its state intact.
#
# Needs only Go (1.26) and a C compiler for cgo; installs gcc with apt if it
# is missing. The first run builds the instrumented standard library (a
# minute or two on a small machine, with progress); later runs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if ! command -v gcc >/dev/null; then
	echo "[demo] installing gcc (plugins need cgo)"
	apt-get update -qq && apt-get install -y -qq gcc >/dev/null
fi
command -v go >/dev/null || { echo "[demo] Go 1.26 is required (https://go.dev/dl/)" >&2; exit 1; }

bin=$root/.cache/bin
mkdir -p "$bin"
echo "[demo] building the hotreload tool"
go build -o "$bin/hotreload" ./hotreload

cd examples/redirect
out=$root/.cache/demo
mkdir -p "$out"
echo "[demo] hotreload build: the program, every package instrumented"
"$bin/hotreload" build -o "$out/redirect" .
echo "[demo] hotreload go build -buildmode=plugin: a patch against the same build"
"$bin/hotreload" go build -buildmode=plugin -o "$out/patch.so" ./patch
echo "[demo] running the program; it loads the patch half-way:"
echo
"$out/redirect" "$out/patch.so"
