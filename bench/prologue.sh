#!/usr/bin/env bash
# prologue.sh — micro-benchmarks of the instrumentation prologue itself
# (bench/prologue: getters, setters, small leaf functions, value methods,
# generic functions, pointer and variadic arguments, larger functions),
# built five ways:
#
#   plain      go test
#   hot        hotreload go test -tags gohot
#   noescape   GOHOT_NOESCAPE=1 hotreload go test -tags gohot
#   raceplain  go test -race
#   racehot    hotreload go test -race -tags gohot   (slots read through
#                                                      //go:norace loaders)
#
# The gohot tag adds BenchmarkRedirected*: the same loops with the slot set
# to an equivalent func literal, i.e. the cost of running patched code.
# Runs are interleaved (-test.count=1 per round, mode order rotating).
#
#   bench/prologue.sh                      # results in bench/results/<date>/prologue-*
#   COUNT=3 MODES="plain hot" bench/prologue.sh
#
# Environment: COUNT (rounds, default 10), BENCHTIME (default 300ms), MODES
# (default all five), OUT, WORK, TOOLS, HOTRELOAD, BENCHSTAT, REPORT — as in
# instrumentation.sh.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
pkgdir=$bench/prologue
COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-300ms}
MODES=${MODES:-plain hot noescape raceplain racehot}
TOOLS=${TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/rules_go_hot/bench-tools}
BENCHSTAT_VERSION=${BENCHSTAT_VERSION:-v0.0.0-20260908200009-22c9c6c9d4da}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

ensure_benchstat() {
	if [[ -n ${BENCHSTAT:-} ]]; then return; fi
	BENCHSTAT=$TOOLS/benchstat
	if [[ ! -x $BENCHSTAT ]]; then
		log "installing benchstat@$BENCHSTAT_VERSION into $TOOLS"
		mkdir -p "$TOOLS"
		GOBIN=$TOOLS GOFLAGS=-mod=mod go install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"
	fi
}

report() {
	local dir=$1 f=()
	ensure_benchstat
	local notred='-.name:/^Redirected/'
	{
		for m in plain hot noescape; do [[ -s $dir/prologue-$m.txt ]] && f+=("$m=prologue-$m.txt"); done
		if [[ ${#f[@]} -ge 2 ]]; then
			echo "### plain vs hot vs noescape"
			echo
			(cd "$dir" && "$BENCHSTAT" -filter "$notred" "${f[@]}")
			echo
		fi
		f=()
		for m in raceplain racehot; do [[ -s $dir/prologue-$m.txt ]] && f+=("$m=prologue-$m.txt"); done
		if [[ ${#f[@]} -ge 2 ]]; then
			echo "### -race: plain vs hot"
			echo
			(cd "$dir" && "$BENCHSTAT" -filter "$notred" "${f[@]}")
			echo
		fi
		for m in hot noescape racehot; do
			[[ -s $dir/prologue-$m.txt ]] || continue
			echo "### $m: calls with the slot unset vs set (Redirected*: running patched code)"
			echo
			(cd "$dir" && "$BENCHSTAT" -filter '.name:/^(Redirected|LeafAdd1000|Getter1000|GenericMaxInt1000)/' "$m=prologue-$m.txt")
			echo
		done
	} >"$dir/benchstat-prologue.txt" 2>&1
	cat "$dir/benchstat-prologue.txt"
}

if [[ -n ${REPORT:-} ]]; then
	report "$REPORT"
	exit 0
fi

OUT=${OUT:-$bench/results/$(date +%Y-%m-%d)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/gohot-prologue-XXXXXX")}
mkdir -p "$WORK"
ensure_benchstat
# shellcheck source=scripts/lib/hotreload.sh
. "$root/scripts/lib/hotreload.sh"
hotreload_use "$TOOLS/hotreload"

{
	echo "date:       $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "go:         $(go version)"
	echo "cpu:        $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) CPUs)"
	echo "hotreload:  $("$HOTRELOAD" version)"
	echo "count:      $COUNT   benchtime: $BENCHTIME   modes: $MODES"
	echo "load:       $(cat /proc/loadavg)  (at start)"
} >"$OUT/prologue-meta.txt"
cat "$OUT/prologue-meta.txt" >&2

for m in $MODES; do
	b=$WORK/prologue-$m.test
	[[ -x $b ]] && continue
	log "building $m"
	case $m in
	plain) (cd "$pkgdir" && CGO_ENABLED=1 go test -c -o "$b" .) ;;
	hot) (cd "$pkgdir" && env -u GOHOT_NOESCAPE "$HOTRELOAD" go test -tags gohot -c -o "$b" .) ;;
	noescape) (cd "$pkgdir" && GOHOT_NOESCAPE=1 "$HOTRELOAD" go test -tags gohot -c -o "$b" .) ;;
	raceplain) (cd "$pkgdir" && CGO_ENABLED=1 go test -race -c -o "$b" .) ;;
	racehot) (cd "$pkgdir" && env -u GOHOT_NOESCAPE "$HOTRELOAD" go test -race -tags gohot -c -o "$b" .) ;;
	*) echo "unknown mode $m" >&2; exit 2 ;;
	esac
done

modes=($MODES)
for m in "${modes[@]}"; do : >"$OUT/prologue-$m.txt"; done
: >"$OUT/prologue-load.txt"
for ((r = 0; r < COUNT; r++)); do
	echo "round $((r + 1)) start $(date -u +%H:%M:%S) loadavg $(cat /proc/loadavg)" >>"$OUT/prologue-load.txt"
	log "round $((r + 1))/$COUNT (loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
	for ((k = 0; k < ${#modes[@]}; k++)); do
		m=${modes[$(((r + k) % ${#modes[@]}))]}
		(cd "$pkgdir" && "$WORK/prologue-$m.test" -test.run='^$' -test.bench=. -test.benchmem \
			-test.count=1 -test.benchtime="$BENCHTIME") >>"$OUT/prologue-$m.txt"
	done
done
echo "end $(date -u +%H:%M:%S) loadavg $(cat /proc/loadavg)" >>"$OUT/prologue-load.txt"
report "$OUT"
