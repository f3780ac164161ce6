#!/usr/bin/env bash
# instrumentation.sh — steady-state cost of instrumentation on real code: a
# representative subset of the standard library's own benchmarks, run
#
#   plain     go test                                   (CGO_ENABLED=1)
#   stock     GOHOT_COMPILER=stock hotreload go test    (every package instrumented,
#                                                        compiled by the stock compiler:
#                                                        the default before the hot compiler)
#   keep      hotreload go test                         (a test's build: every package
#                                                        instrumented, compiled by the hot
#                                                        compiler; inlined copies keep their
#                                                        prologues, arguments escape)
#   hot       GOHOT_INLINED_PROLOGUES=drop              (the default hot build, as hotreload
#             GOHOT_NOESCAPE=1 hotreload go test         build/run and the hot SDK compile:
#                                                        inlined copies without prologues,
#                                                        arguments passed without escaping)
#   escaping  GOHOT_INLINED_PROLOGUES=drop              (the same, arguments escaping)
#             hotreload go test
#
# and compared with benchstat (time/op, B/op, allocs/op).
#
#   bench/instrumentation.sh            # full run, results in bench/results/<date>/
#   COUNT=1 BENCHTIME=100ms PKGS="strings sort" bench/instrumentation.sh   # quick
#   REPORT=bench/results/2026-01-02 bench/instrumentation.sh   # re-run benchstat only
#
# Each test binary is built once per mode (go test -c), then the runs are
# interleaved: COUNT rounds, each running every package's binary once per
# mode (-test.count=1), the order of the modes rotating from round to round,
# so that drift (thermal, other load) spreads evenly over the modes. Binaries
# run in their package's directory, as go test runs them.
#
# Environment:
#   COUNT      rounds, i.e. samples per benchmark and mode (default 6)
#   BENCHTIME  -test.benchtime (default 500ms)
#   MODES      subset of "plain stock keep hot escaping" (default: plain keep hot)
#   PKGS       subset of the packages below (default all)
#   OUT        results directory (default bench/results/<YYYY-MM-DD>)
#   WORK       directory for the test binaries (default: a temporary one)
#   TOOLS      where benchstat (and hotreload, if built here) go
#              (default ~/.cache/rules_go_hot/bench-tools)
#   HOTRELOAD  a prebuilt hotreload binary. Default: built from this tree into
#              $TOOLS/hotreload. Every new hotreload binary has a new cache
#              marker and forces a cold instrumented rebuild of std (minutes),
#              so pin one binary across runs.
#   BENCHSTAT  a benchstat binary (default: $TOOLS/benchstat, installed with
#              go install golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION if
#              missing)
#   REPORT     an existing results directory: only print/refresh its benchstat
#              comparisons.
#
# Needs only go (and the module proxy, to install benchstat).
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$bench/.." && pwd)
COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-500ms}
MODES=${MODES:-plain keep hot}
TOOLS=${TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/rules_go_hot/bench-tools}
BENCHSTAT_VERSION=${BENCHSTAT_VERSION:-v0.0.0-20260908200009-22c9c6c9d4da}

# "package|-bench regexp" entries (a package may appear more than once; each
# entry is one run of its test binary; "./dir" is a package of its own module
# under bench/). Picked for coverage of typical hot paths (small leaf
# functions, methods, generics, allocation-heavy code, reflection) while
# keeping the suite at ~160 benchmarks: one round of all three modes takes
# ~6 minutes at BENCHTIME=500ms.
#
# In Go 1.26 strconv's number conversions live in internal/strconv (one of
# the runtime's packages, which are always instrumented in NoEscape mode),
# whose benchmarks call the internal functions directly. What programs call
# is strconv's public API (instrumented like any other package, calling into
# internal/strconv), so workloads/strconvbench benchmarks ParseInt, Atoi,
# FormatInt, AppendFloat... through it; strconv's own benchmarks cover
# quoting.
SUITE=(
	"./workloads/strconvbench|^Benchmark(ParseInt|Atoi)$/^Pos$/^(7bit|63bit)$"
	"./workloads/strconvbench|^Benchmark(FormatFloat|AppendFloat|ParseFloat|FormatIntSmall)$/^(Decimal|Float|Exp|Big|64Fixed4|32Shortest|42)$"
	"./workloads/strconvbench|^Benchmark(FormatInt|AppendInt|Itoa|ParseBool)$"
	"strconv|^Benchmark(Quote|AppendQuote|UnquoteEasy|UnquoteHard)$"
	"sort|^Benchmark(SearchWrappers|SortInt1K|SortString1K|StableInt1K|SortStructs|SortFuncStructs|Sort1e4|Stable1e4)$"
	"strings|^Benchmark(Index|IndexRune|IndexByte|ReplaceAll|SplitSingleByteSeparator)$"
	"strings|^Benchmark(ToUpper|ToLower|BuildString_Builder|EqualFold|TrimSpace|Join|Repeat|IndexAnyASCII)$/^(abc|longStrinGwitHmixofsmaLLandcAps|3Write_Grow|ASCII|NoTrim|SomeNonASCII|2|10x2|4:4|16:16)$"
	"strings|^Benchmark(Map|Fields)$/^(change|ASCII)$/^(ASCII|4096)$"
	"bytes|^Benchmark(IndexByte|IndexRune|Equal|ToUpper|TrimSpace|BytesCompare)$/^(32|4K|abc|longStrinGwitHmixofsmaLLandcAps|NoTrim|SomeNonASCII|64)$"
	"bytes|^Benchmark(BufferNotEmptyWriteRead|BufferFullSmallReads|WriteByte|WriteRune|ReadString)$"
	"bytes|^BenchmarkFields$/^ASCII$/^4096$"
	"encoding/json|^Benchmark(CodeEncoder|CodeDecoder|CodeMarshal|CodeUnmarshal|UnmarshalString|UnmarshalInt64|UnmarshalMap|EncoderEncode|Issue10335|EncodeMarshaler)$"
	"encoding/json|^Benchmark(MarshalBytes|TypeFieldsCache)$/^(32|4096|MissTypeFieldsCache)$"
	"regexp|^Benchmark(Literal|NotLiteral|MatchClass|MatchClass_InRange|Find|FindString|FindSubmatch|ReplaceAll|AnchoredShortMatch|OnePassShortA|QuoteMetaAll)$"
	"regexp|^BenchmarkCompile$/^(Onepass|Medium)$"
	"regexp|^BenchmarkMatch$/^(Easy1|Medium|Hard)$/^1K$"
	"math/big|^Benchmark(Hilbert|Binomial|QuoRem|Exp|Sqrt|RatCmp)$"
	"math/big|^Benchmark(FloatSqrt|NatMul|FloatString|FloatAdd|GCD100x1000|ProbablyPrime)$/^(1000|100|WithXY|n=5)$"
	"math/big|^Benchmark(AddVV|String|Scan|Div)$/^(words=100|1000)$/^(impl=go|Base10|500)$"
	"unicode/utf8|^Benchmark(RuneCountTenASCIIChars|RuneCountTenJapaneseChars|ValidTenASCIIChars|ValidLongMostlyASCII|ValidStringTenJapaneseChars|EncodeASCIIRune|EncodeJapaneseRune|DecodeASCIIRune|DecodeJapaneseRune|AppendJapaneseRune)$"
	"unicode/utf8|^BenchmarkFullRune$/^(ASCII|Japanese)$"
	"slices|^Benchmark(BinarySearchFloats|BinarySearchFuncStruct|SortFuncStruct|Compact|Replace)$/^(Size64|Size1024|many|unsorted|optimized-fast)$"
	"slices|^Benchmark(Index_Large|IndexFunc_Large|EqualFunc_Large)$"
	"container/heap|^BenchmarkDup$"
	"fmt|^Benchmark(SprintfInt|SprintfString|SprintfFloat|SprintfStructure|SprintfQuoteString|ManyArgs|FprintInt|FprintfBytes|ScanInts)$"
	"time|^Benchmark(Now|Since|Format|FormatRFC3339|Parse|ParseRFC3339UTC|ParseDuration|Date|MarshalJSON)$"
)

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

# report DIR: benchstat comparisons of the recorded runs in DIR.
report() {
	local dir=$1 m
	ensure_benchstat
	local have=()
	for m in plain stock hot noescape; do [[ -s $dir/$m.txt ]] && have+=("$m")
	done
	[[ ${#have[@]} -ge 2 && ${have[0]} == plain ]] || { echo "need plain.txt and another mode in $dir" >&2; return 1; }
	for m in "${have[@]:1}"; do
		# One table per package and unit (time/op, B/op, allocs/op), each with
		# its geomean; then every benchmark of every package in one table per
		# unit, for the overall geomean.
		{
			echo "### plain vs $m, per package"
			echo
			(cd "$dir" && "$BENCHSTAT" plain.txt "$m.txt")
			echo
			echo "### plain vs $m, all packages (overall geomean)"
			echo
			(cd "$dir" && "$BENCHSTAT" -table goos -row pkg,.fullname plain.txt "$m.txt")
		} >"$dir/benchstat-$m.txt" 2>&1
		cat "$dir/benchstat-$m.txt"
		echo
	done
}

if [[ -n ${REPORT:-} ]]; then
	report "$REPORT"
	exit 0
fi

OUT=${OUT:-$bench/results/$(date +%Y-%m-%d)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/gohot-bench-XXXXXX")}
mkdir -p "$WORK"
ensure_benchstat

# shellcheck source=scripts/lib/hotreload.sh
. "$root/scripts/lib/hotreload.sh"
hotreload_use "$TOOLS/hotreload"

# The packages to run.
sel=()
for e in "${SUITE[@]}"; do
	p=${e%%|*}
	if [[ -z ${PKGS:-} || " $PKGS " == *" $p "* ]]; then sel+=("$e"); fi
done
[[ ${#sel[@]} -gt 0 ]] || { echo "no package selected (PKGS=$PKGS)" >&2; exit 2; }

{
	echo "date:       $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "go:         $(go version)"
	echo "cpu:        $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) CPUs)"
	echo "kernel:     $(uname -sr)"
	echo "hotreload:  $("$HOTRELOAD" version)"
	echo "benchstat:  golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"
	echo "count:      $COUNT   benchtime: $BENCHTIME   modes: $MODES"
	echo "load:       $(cat /proc/loadavg)  (at start)"
	echo "suite:"
	printf '  %s\n' "${sel[@]}"
} >"$OUT/meta.txt"
cat "$OUT/meta.txt" >&2

# Build phase: one test binary per package and mode.
bin() { local n=${2#./}; echo "$WORK/$1/${n//\//_}.test"; }
for m in $MODES; do
	mkdir -p "$WORK/$m"
	for e in "${sel[@]}"; do
		p=${e%%|*}
		b=$(bin "$m" "$p")
		[[ -x $b ]] && continue
		log "building $m $p"
		bdir=. bp=$p
		if [[ $p == ./* ]]; then bdir=$bench/${p#./} bp=.; fi
		case $m in
		plain) (cd "$bdir" && CGO_ENABLED=1 go test -c -o "$b" "$bp") ;;
		stock) (cd "$bdir" && env -u GOHOT_NOESCAPE GOHOT_COMPILER=stock "$HOTRELOAD" go test -c -o "$b" "$bp") ;;
		keep) (cd "$bdir" && env -u GOHOT_NOESCAPE -u GOHOT_COMPILER -u GOHOT_INLINED_PROLOGUES "$HOTRELOAD" go test -c -o "$b" "$bp") ;;
		hot) (cd "$bdir" && env -u GOHOT_COMPILER GOHOT_NOESCAPE=1 GOHOT_INLINED_PROLOGUES=drop "$HOTRELOAD" go test -c -o "$b" "$bp") ;;
		escaping) (cd "$bdir" && env -u GOHOT_NOESCAPE -u GOHOT_COMPILER GOHOT_INLINED_PROLOGUES=drop "$HOTRELOAD" go test -c -o "$b" "$bp") ;;
		*) echo "unknown mode $m" >&2; exit 2 ;;
		esac
		# A hot binary without slots would silently measure nothing.
		if [[ $m != plain ]]; then
			n=$(go tool nm "$b" | grep -c 'GoHotS_' || true)
			[[ $n -gt 0 ]] || { echo "$b: no GoHotS_ slots: not instrumented?" >&2; exit 1; }
		fi
	done
done

# Run phase, interleaved.
modes=($MODES)
for m in "${modes[@]}"; do : >"$OUT/$m.txt"; done
: >"$OUT/load.txt"
rm -f "$OUT"/failure*.txt
for ((r = 0; r < COUNT; r++)); do
	echo "round $((r + 1)) start $(date -u +%H:%M:%S) loadavg $(cat /proc/loadavg)" >>"$OUT/load.txt"
	log "round $((r + 1))/$COUNT (loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
	for e in "${sel[@]}"; do
		p=${e%%|*} re=${e#*|}
		if [[ $p == ./* ]]; then dir=$bench/${p#./}; else dir=$(go list -f '{{.Dir}}' "$p"); fi
		for ((k = 0; k < ${#modes[@]}; k++)); do
			m=${modes[$(((r + k) % ${#modes[@]}))]}
			rc=0
			(cd "$dir" && "$(bin "$m" "$p")" -test.run='^$' -test.bench="$re" -test.benchmem \
				-test.count=1 -test.benchtime="$BENCHTIME" -test.timeout=30m) >"$WORK/run.out" 2>"$WORK/run.err" || rc=$?
			if [[ $rc != 0 ]]; then
				# Keep the benchmarks that completed, and the failure.
				f=$OUT/failure-$m-${p//[\/.]/_}-round$((r + 1)).txt
				{ echo "$m $p round $((r + 1)): exit status $rc"; cat "$WORK/run.out" "$WORK/run.err"; } >"$f"
				echo "$m $p round $((r + 1)) failed: see $(basename "$f")" >>"$OUT/failures.txt"
				log "FAILED: $m $p (round $((r + 1))), see $f"
				grep -E '^(goos|goarch|pkg|cpu):|^Benchmark.*ns/op' "$WORK/run.out" >>"$OUT/$m.txt" || true
				continue
			fi
			cat "$WORK/run.out" >>"$OUT/$m.txt"
			cat "$WORK/run.err" >&2
		done
	done
done
echo "end $(date -u +%H:%M:%S) loadavg $(cat /proc/loadavg)" >>"$OUT/load.txt"
log "done; raw results in $OUT"

report "$OUT"
