#!/usr/bin/env bash
# run-all.sh — the recorded run behind docs/PERFORMANCE.md: waits until the
# machine is quiet, then runs instrumentation.sh, prologue.sh and
# buildtime.sh into one results directory and writes summary.md
# (bench/summarize.go) there.
#
#   bench/run-all.sh
#
# Environment:
#   LOAD_MAX    start a step only when the 1-minute load average is below
#               this (default 1.0)...
#   WAIT_QUIET  ...waiting at most this many minutes per step, polling every
#               60 s (default 60); then the step runs anyway and the load is
#               on record in the step's *load.txt.
#   OUT, TOOLS, HOTRELOAD, WORK and the scripts' own variables (COUNT,
#   BENCHTIME, REPS...) are passed through. HOTRELOAD defaults to one binary
#   built from this tree into $TOOLS, shared by all three steps.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
LOAD_MAX=${LOAD_MAX:-1.0}
WAIT_QUIET=${WAIT_QUIET:-60}
export TOOLS=${TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/rules_go_hot/bench-tools}
export OUT=${OUT:-$bench/results/$(date +%Y-%m-%d)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck source=scripts/lib/hotreload.sh
. "$root/scripts/lib/hotreload.sh"
hotreload_use "$TOOLS/hotreload"
export HOTRELOAD

wait_quiet() {
	local step=$1 waited=0 l
	while :; do
		l=$(cut -d' ' -f1 /proc/loadavg)
		if awk -v l="$l" -v m="$LOAD_MAX" 'BEGIN {exit !(l < m)}'; then
			log "$step: load $l < $LOAD_MAX, starting"
			echo "$step: started $(date -u +%H:%M:%S) after waiting $waited min, loadavg $(cat /proc/loadavg)" >>"$OUT/quiet.txt"
			return
		fi
		if ((waited >= WAIT_QUIET)); then
			log "$step: load $l still >= $LOAD_MAX after $waited min, starting anyway"
			echo "$step: started $(date -u +%H:%M:%S) NOT QUIET after waiting $waited min, loadavg $(cat /proc/loadavg)" >>"$OUT/quiet.txt"
			return
		fi
		log "$step: load $l >= $LOAD_MAX, waiting ($waited/$WAIT_QUIET min)"
		sleep 60
		waited=$((waited + 1))
	done
}

wait_quiet instrumentation
"$bench/instrumentation.sh"
wait_quiet prologue
"$bench/prologue.sh"
wait_quiet buildtime
"$bench/buildtime.sh"

{
	echo "# Summary of $(basename "$OUT")"
	echo
	echo "## Standard library benchmarks"
	echo
	(cd "$root" && go run bench/summarize.go plain="$OUT/plain.txt" hot="$OUT/hot.txt" noescape="$OUT/noescape.txt")
	echo "## Prologue micro-benchmarks"
	echo
	(cd "$root" && go run bench/summarize.go -top 20 plain="$OUT/prologue-plain.txt" hot="$OUT/prologue-hot.txt" noescape="$OUT/prologue-noescape.txt")
	if [[ -s $OUT/prologue-racehot.txt ]]; then
		(cd "$root" && go run bench/summarize.go -top 20 raceplain="$OUT/prologue-raceplain.txt" racehot="$OUT/prologue-racehot.txt")
	fi
	echo "## Cold build"
	echo
	cat "$OUT/buildtime.md"
} >"$OUT/summary.md"
log "done: $OUT/summary.md"
