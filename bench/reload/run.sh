#!/usr/bin/env bash
# run.sh — the reload benchmark behind docs/RELOAD-PERFORMANCE.md: edit →
# applied latency of `hotreload run` (median of 20 edits) on examples/visits
# and on a generated ~100-package program, against rebuild+restart of the
# same program, and RSS growth per applied patch — in one run.
#
#   bench/reload/run.sh                              # results in bench/reload/results/<date>.json
#   HOTRELOAD=/tmp/reloadbench/hotreload bench/reload/run.sh
#   EDITS=3 RESTARTS=3 HOT_RESTARTS=1 HANDLER_EDITS=2 LINK_REPS=1 bench/reload/run.sh   # quick
#
# Steps: build the driver (bench/reload/driver) and, unless HOTRELOAD names
# one, the hotreload CLI; copy examples/visits and generate the big program
# (bench/reload/gen.go) into a scratch directory; wait for a quiet machine;
# run the driver, which prints the tables and writes the raw numbers.
#
# Environment:
#   HOTRELOAD      hotreload binary to use. Build it once and keep it: each
#                  new binary has a new build-cache marker, i.e. one cold
#                  instrumented build of the standard library (minutes).
#                  Default: built from this tree into $WORK.
#   HOTRELOAD_COMMIT  the commit a given HOTRELOAD was built from (recorded)
#   OUT            results file (default bench/reload/results/<YYYY-MM-DD>.json)
#   WORK           scratch directory (default: a new /tmp/reloadbench-XXXXXX;
#                  removed at the end unless KEEP=1)
#   LOAD_MAX       start only when the 1-minute load average is below this
#                  (default 1.5)...
#   WAIT_QUIET     ...waiting at most this many minutes (default 30); then
#                  the run starts anyway, and the load is on record.
#   EDITS          hot edits per target (default 20)
#   HANDLER_EDITS  hot edits of the bigapp-handler target (default 10)
#   RESTARTS       plain go build + restart rounds per target (default 20)
#   HOT_RESTARTS   hotreload build + restart rounds per target (default 5)
#   LINK_REPS      repetitions of each compile/link variant (default 5)
#   TARGETS        default visits,bigapp,bigapp-handler
#   PKGS           packages of the generated program (default 100)
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/../.." && pwd)
LOAD_MAX=${LOAD_MAX:-1.5}
WAIT_QUIET=${WAIT_QUIET:-30}
OUT=${OUT:-$bench/results/$(date +%Y-%m-%d).json}
mkdir -p "$(dirname "$OUT")"
if [[ -z ${WORK:-} ]]; then
	WORK=$(mktemp -d /tmp/reloadbench-XXXXXX)
	if [[ ${KEEP:-0} != 1 ]]; then
		trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
	fi
fi
mkdir -p "$WORK"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

command -v gcc >/dev/null || { echo "hot programs need cgo: install gcc" >&2; exit 1; }

log "building the driver"
(cd "$root" && go build -o "$WORK/driver" ./bench/reload/driver)
# shellcheck source=scripts/lib/hotreload.sh
. "$root/scripts/lib/hotreload.sh"
if [[ -z ${HOTRELOAD:-} ]]; then # built here: from this commit
	HOTRELOAD_COMMIT=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if ! git -C "$root" diff --quiet HEAD -- hotreload runtime tools 2>/dev/null; then HOTRELOAD_COMMIT="$HOTRELOAD_COMMIT+dirty"; fi
fi
hotreload_use "$WORK/hotreload"

log "copying examples/visits and generating the big program into $WORK"
rm -rf "$WORK/visits" "$WORK/bigapp"
cp -r "$root/examples/visits" "$WORK/visits"
(cd "$root" && go run ./bench/reload -o "$WORK/bigapp" -n "${PKGS:-100}")

waited=0
while :; do
	load=$(cut -d' ' -f1 /proc/loadavg)
	if awk -v l="$load" -v m="$LOAD_MAX" 'BEGIN { exit !(l < m) }'; then
		break
	fi
	if (( waited >= WAIT_QUIET * 60 )); then
		log "load $load is still >= $LOAD_MAX after $WAIT_QUIET min: measuring anyway (on record)"
		break
	fi
	log "load $load >= $LOAD_MAX: waiting (${waited}s of $((WAIT_QUIET * 60))s)"
	sleep 30
	waited=$((waited + 30))
done

log "running (load $(cut -d' ' -f1-3 /proc/loadavg))"
BENCH_COMMIT=${HOTRELOAD_COMMIT:-unknown} "$WORK/driver" \
	-hotreload "$HOTRELOAD" -work "$WORK" -out "$OUT" \
	-visits "$WORK/visits" -bigapp "$WORK/bigapp" \
	-targets "${TARGETS:-visits,bigapp,bigapp-handler}" \
	-edits "${EDITS:-20}" -handler-edits "${HANDLER_EDITS:-10}" \
	-restarts "${RESTARTS:-20}" -hot-restarts "${HOT_RESTARTS:-5}" -link-reps "${LINK_REPS:-5}" \
	2>&1 | tee "${OUT%.json}.log"
exit "${PIPESTATUS[0]}"
