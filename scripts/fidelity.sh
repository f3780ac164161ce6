#!/usr/bin/env bash
# The whole edit-fidelity corpus (tools/fidelity/corpus): every program,
# every edit, patched in a running process and compared with a fresh plain
# build. Writes the tables to docs/FIDELITY-RESULTS.md (and JSON beside it
# in bench/results/) and exits 1 if any result misses the oracle's targets.
#
#   bash scripts/fidelity.sh                 # all programs
#   bash scripts/fidelity.sh httpbin smtp    # some of them
#   FIDELITY_ARGS="-run const" bash scripts/fidelity.sh httpbin
#
# Modules come from the Go module proxy; the first run of each program
# builds its instrumented program and patch kit (minutes on two cores).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v gcc >/dev/null; then
	echo "[fidelity] installing gcc (hot builds and plugins need cgo)"
	apt-get update -qq && apt-get install -y -qq gcc >/dev/null
fi

work=${FIDELITY_WORK:-$(mktemp -d /tmp/fidelity.XXXXXX)}
out=bench/results/$(date -u +%F)
mkdir -p "$out"
echo "[fidelity] scratch: $work"
# shellcheck source=scripts/lib/hotreload.sh
. scripts/lib/hotreload.sh
hotreload_use "$work/bin/hotreload"
# shellcheck disable=SC2086
go run ./tools/fidelity/cmd/fidelity -hotreload "$HOTRELOAD" -work "$work" \
	-md docs/FIDELITY-RESULTS.md -json "$out/fidelity.json" ${FIDELITY_ARGS:-} "$@"
