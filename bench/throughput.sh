#!/usr/bin/env bash
# throughput.sh — requests per second of a real HTTP/JSON service, plain vs
# hot, side by side in one interleaved run (issue 15's service target): the
# corpus's go-httpbin (tools/fidelity/corpus/httpbin.txtar: the module from
# the Go module proxy, unmodified) built by `go build` (plain) and run under
# `hotreload run` with each link mode (hot shared: the program linked
# against the instrumented standard library as a shared library, the
# default; hot plugin: an ordinary executable), and hot shared compiled by
# the stock compiler (GOHOT_COMPILER=stock). All four serve at once;
# `hey` (github.com/rakyll/hey, installed into $TOOLS) loads one at a time,
# the order rotating each round, on loopback.
#
#   bench/throughput.sh                      # results in bench/results/<date>/throughput.txt
#   ROUNDS=5 DURATION=10s CONC=16 PATHS="/get /json" bench/throughput.sh
#
# Environment: HOTRELOAD (default: built from this tree), TOOLS (where hey
# goes; default ~/.cache/rules_go_hot/bench-tools), ROUNDS (3), DURATION
# (10s per hey run), CONC (16), PATHS ("/get /json": GET /get echoes the
# request as JSON, /json is a fixed JSON document), OUT (results dir).
# Run on a quiet machine: 2 cores are shared by the server and hey.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/rules_go_hot/bench-tools}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONC=${CONC:-16}
PATHS=${PATHS:-/get /json}
OUT=${OUT:-$root/bench/results/$(date +%F)}
module=github.com/mccutchen/go-httpbin/v2@v2.26.0
mkdir -p "$OUT" "$TOOLS"
res=$OUT/throughput.txt
work=$(mktemp -d "${TMPDIR:-/tmp}/gohot-throughput-XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -INT -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
	sleep 1
	chmod -R u+w "$work" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

[[ -x $TOOLS/hey ]] || GOBIN=$TOOLS go install github.com/rakyll/hey@v0.1.4
if [[ -z ${HOTRELOAD:-} ]]; then
	(cd "$root" && go build -o "$work/hotreload" ./hotreload)
	HOTRELOAD=$work/hotreload
fi

src=$(go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
cp -rL --no-preserve=mode "$src" "$work/src"
(cd "$work/src" && go build -o "$work/plain" ./cmd/go-httpbin)

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
declare -A port
start() { # name, command...
	local name=$1
	shift
	port[$name]=$(freeport)
	setsid "$@" -host 127.0.0.1 -port "${port[$name]}" -log-level OFF >"$work/$name.log" 2>&1 &
	pids+=("$!")
}
cd "$work/src"
start plain "$work/plain"
start hot-shared "$HOTRELOAD" run --events=json --link=shared --state-dir "$work/state-shared" ./cmd/go-httpbin --
start hot-plugin "$HOTRELOAD" run --events=json --link=plugin --state-dir "$work/state-plugin" ./cmd/go-httpbin --
# The same as hot-shared, compiled by the stock compiler (the default
# before the hot compiler; see docs/PERFORMANCE.md): the baseline of the
# same run.
start hot-shared-stock env GOHOT_COMPILER=stock "$HOTRELOAD" run --events=json --link=shared --state-dir "$work/state-shared-stock" ./cmd/go-httpbin --
names=(plain hot-shared hot-plugin hot-shared-stock)
for name in "${names[@]}"; do
	for _ in $(seq 1200); do
		curl -sf "http://127.0.0.1:${port[$name]}/get" >/dev/null && break
		sleep 0.5
	done
	curl -sf "http://127.0.0.1:${port[$name]}/get" >/dev/null || { echo "$name does not serve: $(tail -5 "$work/$name.log")" >&2; exit 1; }
done
# The launchers build their patch kits after the program starts: measure
# after that, on a quiet machine (at most 5 minutes' wait).
for name in "${names[@]:1}"; do
	for _ in $(seq 1200); do
		grep -q '"event":"kit"' "$work/$name.log" && break
		sleep 0.5
	done
done
for _ in $(seq 60); do
	awk '{exit !($1 < 1.0)}' /proc/loadavg && break
	sleep 5
done

{
	echo "# bench/throughput.sh $(date -u +%FT%TZ) on $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); $(go version)"
	echo "# $module ./cmd/go-httpbin; hey -z $DURATION -c $CONC; rounds $ROUNDS, order rotating"
	echo "# hotreload $(sha256sum "$HOTRELOAD" | cut -c1-16)"
} | tee "$res"
for round in $(seq "$ROUNDS"); do
	for path in $PATHS; do
		for i in "${!names[@]}"; do
			name=${names[$(((i + round) % ${#names[@]}))]}
			curl -sf "http://127.0.0.1:${port[$name]}$path" >/dev/null # warm
			rps=$("$TOOLS/hey" -z "$DURATION" -c "$CONC" "http://127.0.0.1:${port[$name]}$path" | sed -n 's/^ *Requests\/sec: *//p')
			echo "round $round $path $name $rps" | tee -a "$res"
		done
	done
done
echo "# medians (requests/s), and the median of each round's ratio to plain (the machine drifts between rounds)" | tee -a "$res"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for path in $PATHS; do
	for name in "${names[@]}"; do
		m=$(awk -v p="$path" -v n="$name" '$1 == "round" && $3 == p && $4 == n {print $5}' "$res" | median)
		r=$(awk -v p="$path" -v n="$name" '$1 == "round" && $3 == p {v[$2, $4] = $5; rounds[$2] = 1}
			END {for (r in rounds) if (v[r, "plain"] > 0) printf "%.3f\n", v[r, n] / v[r, "plain"]}' "$res" | median)
		echo "median $path $name $m ${r}x" | tee -a "$res"
	done
done
