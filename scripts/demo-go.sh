#!/usr/bin/env bash
# The hotreload-only demo (no Bazel): live reload of a running HTTP service
# with its state intact, on a plain Go module. The main demo (scripts/demo.sh)
# does the same with Bazel.
#
# Builds the hotreload tool, runs a copy of examples/visits under
# `hotreload run`, builds some state over HTTP, then edits the service's
# code the way you would in an editor and shows the running process serving
# the new code with its counters and sessions intact; then a rude edit
# (refused, old code keeps serving) and a revert.
#
# Needs Go 1.26; installs gcc and curl with apt if missing. The first run
# builds the instrumented standard library twice (the program, and the
# -dynlink archives patches link with): a few minutes on a small machine,
# with progress. Later runs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

need=()
command -v gcc >/dev/null || need+=(gcc)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
	echo "[demo] installing ${need[*]}"
	apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "[demo] Go 1.26 is required (https://go.dev/dl/)" >&2; exit 1; }

bin=$root/.cache/bin
echo "[demo] building the hotreload tool"
# shellcheck source=scripts/lib/hotreload.sh
. scripts/lib/hotreload.sh
hotreload_build "$bin/hotreload"

work=$(mktemp -d)
log=$work/hotreload.log
cp -r examples/visits "$work/visits"
cd "$work/visits"
cleanup() {
	set +e # errexit applies in traps: a killed run's status must not end the cleanup
	if [ -n "${pid:-}" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$work"
	return 0
}
trap cleanup EXIT

echo "[demo] hotreload run examples/visits (a copy in $work)"
"$bin/hotreload" run . -- -addr 127.0.0.1:0 >"$work/out.log" 2>"$log" &
pid=$!

wait_for() { # pattern file [timeout seconds]
	local t=${3:-900} shown=0
	for ((i = 0; i < t * 5; i++)); do
		grep -q -- "$1" "$2" && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "[demo] hotreload run stopped" >&2; exit 1; }
		local n; n=$(wc -l <"$log")
		if [ "$n" -gt "$shown" ]; then sed -n "$((shown + 1)),${n}p" "$log"; shown=$n; fi
		sleep 0.2
	done
	echo "[demo] timed out waiting for: $1" >&2; exit 1
}
lines() { wc -l <"$log"; }
show_since() { sed -n "$(($1 + 1)),\$p" "$log"; }

wait_for "listening on" "$work/out.log"
addr=$(grep -o '127.0.0.1:[0-9]*' "$work/out.log" | head -1)
wait_for "patch kit ready" "$log"
get() { echo "  GET $1 -> $(curl -s "http://$addr$1")"; }

echo
echo "[demo] the service runs; build some state:"
get "/hit?page=home"; get "/hit?page=home"
sid=$(curl -s "http://$addr/login?user=ann"); echo "  GET /login?user=ann -> $sid"
get "/me?sid=$sid"

echo
echo "[demo] edit store/store.go: (*counter).add counts 10 per hit, and save"
n=$(lines)
sed -i 's/\tc.hits\[page\]++/\tc.hits[page] += 10/' store/store.go
wait_for "patched" "$log" 120 >/dev/null; show_since "$n"
get "/hit?page=home"
get "/me?sid=$sid"
echo "  (new code; the counter and the session survived)"

echo
echo "[demo] edit main.go: the /health handler of package main"
n=$(lines)
sed -i 's/fmt.Fprintln(w, "ok")/fmt.Fprintln(w, "ok, and patched live")/' main.go
wait_for "gen 2" "$log" 120 >/dev/null; show_since "$n"
get "/health"

echo
echo "[demo] a rude edit: add a field to the counter struct"
n=$(lines)
sed -i 's/^\ttotal int$/\ttotal int\n\tlast  string/' store/store.go
wait_for "refused" "$log" 120 >/dev/null; show_since "$n"
get "/hit?page=home"
echo "  (refused: the process keeps serving its last good code)"
sed -i '/^\tlast  string$/d' store/store.go

echo
echo "[demo] hotreload status, then revert to the original code"
sleep 1
"$bin/hotreload" status --pid "$(pgrep -P "$pid" visits | head -1)" || true
"$bin/hotreload" revert --pid "$(pgrep -P "$pid" visits | head -1)" 0
get "/hit?page=home"
get "/health"
echo
echo "[demo] done. Try it yourself: cd $root/examples/visits && $bin/hotreload run ."
