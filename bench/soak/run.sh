#!/usr/bin/env bash
# run.sh — the soak benchmark of `hotreload run` (docs/RELOAD-PERFORMANCE.md,
# "Soak"): N successive edits (default 500) of go-httpbin, a real program of
# the fidelity corpus (tools/fidelity/corpus/httpbin.txtar: the module as
# published on the Go module proxy, unmodified), each applied live, with per
# generation: the program's RSS (/proc/PID/status of the program, not the
# launcher), the patch .so size, du of the launcher's state dir, the applied
# event's build/compile/link/load/apply ms, save → applied, and one request
# checking that the new code serves (the /deny handler's string becomes
# "... soak-<gen>"). Interleaved in the same run (before the
# first edit, every RESTART_EVERY edits, after the last): the baseline, a
# rebuild + restart of the same program (warm `go build`, start, until it
# serves the edit). Results: soak.json, soak.csv, restarts.csv,
# events.jsonl, summary.md and PNG charts in bench/results/<date>/soak-<program>[-<mode>]/.
#
#   bench/soak/run.sh                                   # 500 edits, hotreload run's default link mode
#   HOTRELOAD=/tmp/hr N=60 RESTART_EVERY=10 RESTART_REPS=2 bench/soak/run.sh -hotreload-flag=--link=plugin   # the plugin run of the doc
#   HOTRELOAD=/tmp/hr N=500 bench/soak/run.sh -hotreload-flag=--link=shared   # the shared run of the doc
#   bench/soak/run.sh -env HOTRELOAD_LINK=plugin -max-rss 8G           # extra args go to the soak command
#   . ~/.cache/rules_go_hot/bazel/env.sh; HOTRELOAD=/tmp/hr N=500 bench/soak/run.sh -bazel   # under Bazel: bazel run of the
#                  go_hot_binary Gazelle declares, against bazel build of the go_binary + start (bench/soak/bazel.go)
#   (cd bench/soak && go run . -plot ../results/DATE/soak-httpbin/soak.json)   # redraw the charts
#
# Guards (flags of the soak command, defaults): -max-rss 12G (the program's
# RSS), -max-disk 30G (du of the state dir plus the deleted plugin copies the
# program still maps), -min-free 5G (free disk): the run stops early with a
# "soak: stopped early" line and still writes results and charts. Plugin mode
# grows about 14 MB RSS and 37 MB of disk per patch of go-httpbin (500
# patches: ~7 GB, ~19 GB); --link=shared about 0.5 and 0.8 MB.
#
# Environment:
#   HOTRELOAD      hotreload binary (default: built from this tree into the
#                  scratch dir). Build it once and keep it: a new binary can
#                  mean a cold instrumented build of the standard library.
#   N              edits (default 500)
#   PROGRAM        corpus program (default httpbin)
#   OUT            results directory (default bench/results/<date>/soak-<program>[-<mode>])
#   RESTART_EVERY  baseline round every this many edits (default 50)
#   RESTART_REPS   rebuild + restart repetitions per round (default 3)
#   LOAD_MAX       start only when the 1-minute load average is below this (default 1.5)...
#   WAIT_QUIET     ...waiting at most this many minutes (default 10); the load is on record.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
LOAD_MAX=${LOAD_MAX:-1.5}
WAIT_QUIET=${WAIT_QUIET:-10}
scratch=$(mktemp -d /tmp/soak-run-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v gcc >/dev/null || { echo "hot programs need cgo: install gcc" >&2; exit 1; }

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -z ${HOTRELOAD:-} ]]; then
	log "building hotreload from this tree"
	(cd "$root" && go build -o "$scratch/hotreload" ./hotreload)
	HOTRELOAD=$scratch/hotreload
	if ! git -C "$root" diff --quiet HEAD -- hotreload runtime 2>/dev/null; then commit="$commit+dirty"; fi
else
	commit=${HOTRELOAD_COMMIT:-unknown}
fi
log "building the soak command"
(cd "$here" && go build -o "$scratch/soak" .)

waited=0
while :; do
	load=$(cut -d' ' -f1 /proc/loadavg)
	if awk -v l="$load" -v m="$LOAD_MAX" 'BEGIN { exit !(l < m) }'; then break; fi
	if ((waited >= WAIT_QUIET * 60)); then
		log "load $load is still >= $LOAD_MAX after $WAIT_QUIET min: measuring anyway (on record)"
		break
	fi
	log "load $load >= $LOAD_MAX: waiting (${waited}s of $((WAIT_QUIET * 60))s)"
	sleep 30
	waited=$((waited + 30))
done

args=(-hotreload "$HOTRELOAD" -n "${N:-500}" -program "${PROGRAM:-httpbin}"
	-restart-every "${RESTART_EVERY:-50}" -restart-reps "${RESTART_REPS:-3}"
	-corpus "$root/tools/fidelity/corpus")
if [[ -n ${OUT:-} ]]; then args+=(-out "$OUT"); fi
cd "$root"
BENCH_COMMIT=$commit "$scratch/soak" "${args[@]}" "$@"
