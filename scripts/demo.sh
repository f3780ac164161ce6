#!/usr/bin/env bash
# The main demo: `bazel run //examples/visits:visits_hot`, live reload of a
# running HTTP service with its state intact.
#
# Sets up Bazel offline (scripts/bazel/setup.sh: Bazel 4.2.3 from apt, rules_go
# and Gazelle from the Go module proxy), runs the example service under
# `bazel run`, builds some state over HTTP, then edits the service's code the
# way an editor saves and shows the running process serving the new code with
# its counters and sessions intact; then a rude edit (refused, the old code
# keeps serving). The edited files are restored on exit.
#
# Needs Go 1.26 and apt. The first run compiles the instrumented standard
# library twice (the program, and the -dynlink archives patches link with):
# several minutes on a small machine, with Bazel's progress. Later runs take
# seconds. `scripts/demo-go.sh` is the same demo without Bazel.
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

echo "[demo] Bazel setup (scripts/bazel/setup.sh)"
bash scripts/bazel/setup.sh --link .
# shellcheck disable=SC1091
. "${RULES_GO_HOT_BAZEL_ROOT:-$HOME/.cache/rules_go_hot/bazel}/env.sh"
bazel() { command bazel --output_user_root="$RULES_GO_HOT_BAZEL_ROOT/output_user_root" "$@"; }

# hotreload for the hot SDK, named by its content (the same one the tests
# use: a warm cache is shared). Without RULES_GO_HOT_HOTRELOAD the hot SDK's
# repository rule builds it itself, as it does for users.
# shellcheck source=scripts/lib/hotreload.sh
. scripts/lib/hotreload.sh
hotreload_for_bazel

work=$(mktemp -d)
log=$work/hotreload.log
cp examples/visits/main.go examples/visits/store/store.go "$work/"
cleanup() {
	set +e # a failing step here must not skip the others (errexit applies in traps)
	cp "$work/main.go" examples/visits/main.go
	cp "$work/store.go" examples/visits/store/store.go
	if [ -n "${pid:-}" ]; then
		kill -INT -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$work"
	return 0
}
trap cleanup EXIT

echo "[demo] bazel build //examples/visits:visits_hot (cold: several minutes)"
bazel build //examples/visits:visits_hot
echo "[demo] bazel run //examples/visits:visits_hot"
# In a process group of its own (set -m), so that the SIGINT of the cleanup
# reaches the launcher through the shell function and bazel's client.
set -m
bazel run //examples/visits:visits_hot -- -addr 127.0.0.1:0 >"$work/out.log" 2>"$log" &
pid=$!
set +m

wait_for() { # pattern file [timeout seconds]
	local t=${3:-900} shown=0
	for ((i = 0; i < t * 5; i++)); do
		grep -q -- "$1" "$2" && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "[demo] bazel run stopped" >&2; exit 1; }
		local n; n=$(grep -c '^hotreload' "$log" || true)
		if [ "$n" -gt "$shown" ]; then grep '^hotreload\|^    ' "$log" | sed -n "$((shown + 1)),\$p"; shown=$n; fi
		sleep 0.2
	done
	echo "[demo] timed out waiting for: $1" >&2; exit 1
}
lines() { wc -l <"$log"; }
show_since() { sed -n "$(($1 + 1)),\$p" "$log"; }

wait_for "listening on" "$work/out.log"
addr=$(grep -o '127.0.0.1:[0-9]*' "$work/out.log" | head -1)
get() { echo "  GET $1 -> $(curl -s "http://$addr$1")"; }

echo
echo "[demo] the service runs; build some state:"
get "/hit?page=home"; get "/hit?page=home"
sid=$(curl -s "http://$addr/login?user=ann"); echo "  GET /login?user=ann -> $sid"
get "/me?sid=$sid"

echo
echo "[demo] edit examples/visits/store/store.go: (*counter).add counts 10 per hit, and save"
n=$(lines)
sed -i 's/\tc.hits\[page\]++/\tc.hits[page] += 10/' examples/visits/store/store.go
wait_for "patched" "$log" 120 >/dev/null; show_since "$n"
get "/hit?page=home"
get "/me?sid=$sid"
echo "  (new code; the counter and the session survived)"

echo
echo "[demo] edit examples/visits/main.go: the /health handler of package main"
n=$(lines)
sed -i 's/fmt.Fprintln(w, "ok")/fmt.Fprintln(w, "ok, and patched live")/' examples/visits/main.go
wait_for "gen 2" "$log" 120 >/dev/null; show_since "$n"
get "/health"

echo
echo "[demo] a rude edit: add a field to the counter struct"
n=$(lines)
sed -i 's/^\ttotal int$/\ttotal int\n\tlast  string/' examples/visits/store/store.go
wait_for "refused" "$log" 120 >/dev/null; show_since "$n"
get "/hit?page=home"
echo "  (refused: the process keeps serving its last good code)"

echo
echo "[demo] done (the edits are undone). Try it yourself:"
echo "  cd $root && bazel run //examples/visits:visits_hot"
