#!/usr/bin/env bash
# buildtime.sh — cold build time of a hot build vs a plain build of the same
# program (bench/testdata/buildprog: an HTTP/JSON service using net/http,
# encoding/json, log/slog, html/template, compress/gzip and two packages of
# its own), each with a fresh, empty GOCACHE, plus the binary sizes.
#
#   bench/buildtime.sh                      # results in bench/results/<date>/buildtime.*
#   REPS=1 bench/buildtime.sh               # quick
#
# Variants, each timed REPS times in its own empty GOCACHE:
#   plain      go build                                   (default linking)
#   plainext   go build -ldflags=-linkmode=external       (what a plugin host
#                                                          needs, uninstrumented)
#   hot        hotreload build                            (instrumented, cgo,
#                                                          external linking)
# and after each host, in the same (now warm) GOCACHE, a trivial plugin
# (bench/testdata/buildprog/plugin) with -buildmode=plugin — plain `go build`
# after plain/plainext, `hotreload go build` after hot: the first patch's
# cold compile of std with -dynlink.
#
# Reported per variant: median wall time, median user+sys CPU time (all
# processes); binary sizes as built and stripped (relinked with
# -ldflags='-s -w' in the warm cache). Each host is started once to check
# that it serves.
#
# Environment:
#   REPS       repetitions per variant (default 3)
#   VARIANTS   subset of "plain plainext hot" (default all)
#   OUT        results directory (default bench/results/<YYYY-MM-DD>)
#   TOOLS, HOTRELOAD   as in instrumentation.sh
#   KEEP=1     keep the scratch directory (caches, binaries)
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
prog=$bench/testdata/buildprog
REPS=${REPS:-3}
VARIANTS=${VARIANTS:-plain plainext hot}
TOOLS=${TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/rules_go_hot/bench-tools}
OUT=${OUT:-$bench/results/$(date +%Y-%m-%d)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/gohot-buildtime-XXXXXX")
if [[ ${KEEP:-0} != 1 ]]; then trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT; fi

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck source=scripts/lib/hotreload.sh
. "$root/scripts/lib/hotreload.sh"
hotreload_use "$TOOLS/hotreload"

# timed NAME CMD...: runs CMD in $prog, appends "NAME wall user sys" (seconds)
# to $scratch/times, its output to $scratch/NAME.log.
timed() {
	local name=$1
	shift
	local t
	t=$( { TIMEFORMAT='%R %U %S'; time (cd "$prog" && "$@" >"$scratch/$name.log" 2>&1); } 2>&1 ) || {
		echo "$name failed:" >&2
		cat "$scratch/$name.log" >&2
		exit 1
	}
	echo "$name $t" >>"$scratch/times"
	log "$name: wall/user/sys $t"
}

# smoke BIN: the binary starts and serves.
smoke() {
	local bin=$1 pid ok=0
	"$bin" -addr 127.0.0.1:0 >"$scratch/smoke.log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		if grep -q 'msg=serving' "$scratch/smoke.log"; then ok=1; break; fi
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[[ $ok == 1 ]] || { echo "$bin did not start:" >&2; cat "$scratch/smoke.log" >&2; exit 1; }
}

{
	echo "date:       $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "go:         $(go version)"
	echo "cpu:        $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) CPUs)"
	echo "hotreload:  $("$HOTRELOAD" version)"
	echo "reps:       $REPS   variants: $VARIANTS"
	echo "load:       $(cat /proc/loadavg)  (at start)"
} >"$OUT/buildtime-meta.txt"
cat "$OUT/buildtime-meta.txt" >&2

: >"$scratch/times"
: >"$OUT/buildtime-load.txt"
for ((r = 1; r <= REPS; r++)); do
	for v in $VARIANTS; do
		echo "$v rep $r start $(date -u +%H:%M:%S) loadavg $(cat /proc/loadavg)" >>"$OUT/buildtime-load.txt"
		cache=$scratch/cache-$v-$r
		mkdir -p "$cache"
		export GOCACHE=$cache
		bin=$scratch/$v.bin so=$scratch/$v.so
		case $v in
		plain)
			timed "$v-host" go build -o "$bin" .
			timed "$v-plugin" go build -buildmode=plugin -o "$so" ./plugin
			;;
		plainext)
			timed "$v-host" go build -ldflags=-linkmode=external -o "$bin" .
			timed "$v-plugin" go build -buildmode=plugin -o "$so" ./plugin
			;;
		hot)
			timed "$v-host" "$HOTRELOAD" build -v -o "$bin" .
			timed "$v-plugin" "$HOTRELOAD" go build -buildmode=plugin -o "$so" ./plugin
			;;
		*) echo "unknown variant $v" >&2; exit 2 ;;
		esac
		if [[ $r == 1 ]]; then
			smoke "$bin"
			# Stripped: relink in the warm cache.
			case $v in
			plain) (cd "$prog" && go build -ldflags='-s -w' -o "$bin.stripped" .) ;;
			plainext) (cd "$prog" && go build -ldflags='-s -w -linkmode=external' -o "$bin.stripped" .) ;;
			hot) (cd "$prog" && "$HOTRELOAD" build -ldflags='-s -w' -o "$bin.stripped" . 2>"$scratch/strip.log") ;;
			esac
			echo "$v $(stat -c %s "$bin") $(stat -c %s "$bin.stripped") $(stat -c %s "$so")" >>"$scratch/sizes"
			if [[ $v == hot ]]; then
				grep -o 'instrumented [0-9]* packages' "$scratch/hot-host.log" >"$scratch/hot-count" || true
			fi
		fi
		# Cold caches are large (the instrumented one especially): drop them.
		chmod -R u+w "$cache" 2>/dev/null || true
		rm -rf "$cache"
	done
done
echo "end $(date -u +%H:%M:%S) loadavg $(cat /proc/loadavg)" >>"$OUT/buildtime-load.txt"
cp "$scratch/times" "$OUT/buildtime-raw.txt"

# Report: medians.
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b/1048576}'; }
{
	echo "Cold build of bench/testdata/buildprog (empty GOCACHE each time), median of $REPS:"
	echo
	echo "| step | wall s | user+sys s | vs plain (wall) | vs plain (cpu) |"
	echo "|---|---:|---:|---:|---:|"
	for step in host plugin; do
		pw="" pc=""
		for v in $VARIANTS; do
			w=$(awk -v n="$v-$step" '$1==n {print $2}' "$scratch/times" | median)
			c=$(awk -v n="$v-$step" '$1==n {print $3+$4}' "$scratch/times" | median)
			if [[ $v == plain ]]; then pw=$w pc=$c; fi
			rw="" rc=""
			if [[ -n $pw && $v != plain ]]; then
				rw=$(awk -v a="$w" -v b="$pw" 'BEGIN {printf "%+.0f%% (x%.2f)", (a/b-1)*100, a/b}')
				rc=$(awk -v a="$c" -v b="$pc" 'BEGIN {printf "%+.0f%% (x%.2f)", (a/b-1)*100, a/b}')
			fi
			printf '| %s %s | %.1f | %.1f | %s | %s |\n' "$v" "$step" "$w" "$c" "$rw" "$rc"
		done
	done
	echo
	echo "Packages in the host's build: $(cd "$prog" && go list -deps . | wc -l) (plugin: $(cd "$prog" && go list -deps ./plugin | wc -l))."
	if [[ -s $scratch/hot-count ]]; then echo "hotreload build -v: $(cat "$scratch/hot-count")."; fi
	echo
	echo "Binary sizes:"
	echo
	echo "| variant | host | host stripped (-s -w) | plugin .so |"
	echo "|---|---:|---:|---:|"
	ps="" pss=""
	while read -r v s ss so; do
		if [[ $v == plain ]]; then ps=$s pss=$ss; fi
		rel="" rels=""
		if [[ -n $ps && $v != plain ]]; then
			rel=$(awk -v a="$s" -v b="$ps" 'BEGIN {printf " (%+.0f%%)", (a/b-1)*100}')
			rels=$(awk -v a="$ss" -v b="$pss" 'BEGIN {printf " (%+.0f%%)", (a/b-1)*100}')
		fi
		echo "| $v | $(mib "$s")$rel | $(mib "$ss")$rels | $(mib "$so") |"
	done <"$scratch/sizes"
} | tee "$OUT/buildtime.md"
