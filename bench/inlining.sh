#!/usr/bin/env bash
# inlining.sh — how many functions the compiler can inline, plain vs
# instrumented (compiled by the stock compiler, by the hot compiler — the
# default — and by the hot compiler with arguments not escaping, GOHOT_NOESCAPE=1),
# per package, from the
# compiler's own -m=2 diagnostics ("can inline F with cost N"). Counted: the
# package's own declared functions and methods (and instantiations of its
# own generic ones); not counted: generated declarations (GoHot*, init),
# function literals and defer wrappers (never instrumented), instantiations
# of other packages' generic functions. This is the mechanism behind most of
# the steady-state overhead: the prologue's call costs the inliner ~60-80 of
# its budget of 80.
#
#   bench/inlining.sh [PKG...]        (default: the packages of instrumentation.sh)
#
# Environment: TOOLS, HOTRELOAD as in instrumentation.sh; OUT (optional):
# also write the table to $OUT/inlining.md.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
TOOLS=${TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/rules_go_hot/bench-tools}
# shellcheck source=scripts/lib/hotreload.sh
. "$root/scripts/lib/hotreload.sh"
hotreload_use "$TOOLS/hotreload"
pkgs=("$@")
if [[ ${#pkgs[@]} -eq 0 ]]; then
	pkgs=(strconv sort strings bytes encoding/json regexp math/big unicode/utf8 slices container/heap fmt time)
fi
dest=/dev/null
if [[ -n ${OUT:-} ]]; then mkdir -p "$OUT" && dest=$OUT/inlining.md; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gohot-inlining-XXXXXX")
trap 'rm -rf "$work"' EXIT

# count MODE PKG: "can inline" count and the sum of their costs, and the
# names, for PKG's own functions.
count() {
	local m=$1 p=$2 f
	f=$work/$m-${p//\//_}
	case $m in
	plain) go build -gcflags="$p=-m=2" "$p" 2>"$f.log" || true ;;
	stock) env -u GOHOT_NOESCAPE GOHOT_COMPILER=stock "$HOTRELOAD" go build -gcflags="$p=-m=2" "$p" 2>"$f.log" || true ;;
	hot) env -u GOHOT_NOESCAPE -u GOHOT_COMPILER "$HOTRELOAD" go build -gcflags="$p=-m=2" "$p" 2>"$f.log" || true ;;
	noescape) env -u GOHOT_COMPILER GOHOT_NOESCAPE=1 "$HOTRELOAD" go build -gcflags="$p=-m=2" "$p" 2>"$f.log" || true ;;
	esac
	# "file:line:col: can inline Name with cost N as: ..."
	grep -E ': can inline [^ ]+ with cost [0-9]+' "$f.log" |
		sed -E 's/^.*: can inline ([^ ]+) with cost ([0-9]+).*$/\1 \2/' |
		grep -vE '^(\(\*?)?GoHot|^[^ ]*\.GoHot|^goHot|^init\.[0-9]+ |\.func[0-9]|deferwrap[0-9]|^[a-z][a-z0-9_]*\.[^ ]*\[' |
		sort -u >"$f.inl" || true
	wc -l <"$f.inl"
}

{
	echo "| package | inlinable plain | hot, stock compiler | hot (default: hot compiler) | hot compiler, no-escape (GOHOT_NOESCAPE=1) | same costs as plain (hot) |"
	echo "|---|---:|---:|---:|---:|---:|"
	tp=0 ts=0 th=0 tn=0 tc=0
	for p in "${pkgs[@]}"; do
		np=$(count plain "$p") ns=$(count stock "$p") nh=$(count hot "$p") nn=$(count noescape "$p")
		# The same functions with the same costs as plain.
		nc=$(comm -12 "$work/plain-${p//\//_}.inl" "$work/hot-${p//\//_}.inl" | wc -l)
		tp=$((tp + np)) ts=$((ts + ns)) th=$((th + nh)) tn=$((tn + nn)) tc=$((tc + nc))
		printf '| %s | %d | %d (%d%%) | %d (%d%%) | %d (%d%%) | %d |\n' "$p" "$np" "$ns" $((np ? 100 * ns / np : 0)) "$nh" $((np ? 100 * nh / np : 0)) "$nn" $((np ? 100 * nn / np : 0)) "$nc"
	done
	printf '| **total** | %d | %d (%d%%) | %d (%d%%) | %d (%d%%) | %d |\n' "$tp" "$ts" $((tp ? 100 * ts / tp : 0)) "$th" $((tp ? 100 * th / tp : 0)) "$tn" $((tp ? 100 * tn / tp : 0)) "$tc"
	echo
	echo "Still inlinable when instrumented and compiled by the stock compiler, with cost:"
	echo
	for p in "${pkgs[@]}"; do
		f=$work/stock-${p//\//_}.inl
		if [[ -s $f ]]; then echo "- $p: $(awk '{printf "%s%s (%s)", (NR > 1 ? ", " : ""), $1, $2}' "$f")"; fi
	done
	echo
	echo "Inlining cost of the functions of bench/prologue (budget 80):"
	echo
	for m in plain stock hot noescape; do
		case $m in
		plain) (cd "$bench/prologue" && go test -c -o /dev/null -gcflags=-m=2 . 2>&1) ;;
		stock) (cd "$bench/prologue" && env -u GOHOT_NOESCAPE GOHOT_COMPILER=stock "$HOTRELOAD" go test -c -o /dev/null -gcflags=-m=2 . 2>&1) ;;
		hot) (cd "$bench/prologue" && env -u GOHOT_NOESCAPE -u GOHOT_COMPILER "$HOTRELOAD" go test -c -o /dev/null -gcflags=-m=2 . 2>&1) ;;
		noescape) (cd "$bench/prologue" && env -u GOHOT_COMPILER GOHOT_NOESCAPE=1 "$HOTRELOAD" go test -c -o /dev/null -gcflags=-m=2 . 2>&1) ;;
		esac | sed -nE 's/^[^ ]*prologue\.go:.*: (can inline|cannot inline) ([^ :]+)(:| with).* cost ([0-9]+).*$/\2 \4/p' |
			grep -vE 'GoHot|^init|\.func[0-9]|^fib |\[[a-z0-9]+\]|shape\.(float64|string)' | sort -u >"$work/prologue-$m.cost"
	done
	echo "| function | plain | hot, stock compiler | hot (default) | hot, no-escape |"
	echo "|---|---:|---:|---:|---:|"
	join "$work/prologue-plain.cost" "$work/prologue-stock.cost" | join - "$work/prologue-hot.cost" | join - "$work/prologue-noescape.cost" |
		awk '{printf "| %s | %s | %s%s | %s%s | %s%s |\n", $1, $2, $3, ($3 > 80 ? " ✗" : ""), $4, ($4 > 80 ? " ✗" : ""), $5, ($5 > 80 ? " ✗" : "")}'
	echo
	echo "✗: over budget, not inlined."
} | tee "$dest"
