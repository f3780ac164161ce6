#!/usr/bin/env bash
# stdtests.sh — run the standard library's own tests (and those of a few
# third-party modules) plain and instrumented, and compare.
#
#   scripts/stdtests.sh [PKG[@VERSION]...]
#
# Without arguments it runs the broad default lists below. An argument whose
# first path element contains a dot (gopkg.in/yaml.v3, golang.org/x/text/...)
# is a third-party package: it is fetched through the module proxy into a
# scratch module (at VERSION, default @latest) together with its test
# dependencies. Anything else is a standard library package.
#
# Each package is tested on its own, twice:
#   plain:        go test -short -count=1 -json PKG
#   instrumented: hotreload go test -short -count=1 -json PKG
# and the results are written to $OUT/results.md (a markdown table) and
# $OUT/results.tsv, with the full `go test -json` logs under $OUT/logs/.
#
# Environment:
#   OUT        output directory (default /tmp/stdtests/run-<date>)
#   HOTRELOAD  a prebuilt hotreload binary to use. Default: built from this
#              tree into $OUT/hotreload. Every rebuild of hotreload changes
#              its hash, which invalidates all instrumented build results
#              in GOCACHE (a cold instrumented std build takes minutes), so
#              pin one binary across runs.
#   MODES      "plain hot" (default), or just one of them.
#   TIMEOUT    go test -timeout per package (default 10m; runtime gets 20m).
#   GOCACHE_PLAIN, GOCACHE_HOT
#              build caches for the two modes (default: the go command's).
#   RESUME=1   skip runs whose log is already complete (after an
#              interruption; reuse the same OUT).
#
# Needs only go and the module proxy (for the third-party modules).
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/stdtests/run-$(date +%Y%m%d-%H%M%S)}
MODES=${MODES:-plain hot}
TIMEOUT=${TIMEOUT:-10m}
RESUME=${RESUME:-0}
mkdir -p "$OUT/logs/plain" "$OUT/logs/hot"
OUT=$(cd "$OUT" && pwd)

# The default lists. Keep them broad: std packages that instrumentation could
# plausibly disturb (allocation counts, reflection, stack walking, runtime,
# generics, unsafe tricks) and a few widely used third-party modules.
STD_DEFAULT=(
	# text, numbers, containers
	strings strconv sort bytes bufio errors fmt io math math/big math/bits
	math/cmplx math/rand math/rand/v2 unicode unicode/utf8 unicode/utf16 slices
	maps cmp iter unique weak structs container/list container/heap
	container/ring index/suffixarray text/tabwriter text/scanner
	# concurrency, time, context
	sync sync/atomic context time
	# encodings
	encoding/json encoding/binary encoding/base64 encoding/base32 encoding/hex
	encoding/csv encoding/xml encoding/gob encoding/pem encoding/asn1
	# regexps and templates
	regexp regexp/syntax text/template text/template/parse html/template html
	# files, paths, processes
	path path/filepath os os/exec os/signal io/fs io/ioutil embed flag
	testing/fstest
	# network
	net/url net/netip net/textproto net/mail net/http net/http/httptest mime
	mime/multipart mime/quotedprintable expvar
	# compression and archives
	compress/gzip compress/flate compress/zlib compress/bzip2 compress/lzw
	archive/tar archive/zip
	# crypto and hashes
	crypto/sha256 crypto/sha512 crypto/sha1 crypto/md5 crypto/aes
	crypto/cipher crypto/hmac crypto/rand crypto/subtle crypto/ed25519
	hash/crc32 hash/crc64 hash/adler32 hash/fnv hash/maphash
	# images
	image image/color image/png
	# logging, reflection, runtime, testing
	log log/slog reflect runtime runtime/debug testing testing/quick
	database/sql debug/dwarf debug/elf
	# go/...
	go/ast go/parser go/format go/token go/types go/scanner go/printer
	go/constant go/doc go/doc/comment go/build go/build/constraint
)

# Third-party packages, pinned.
TP_DEFAULT=(
	gopkg.in/yaml.v3@v3.0.1
	github.com/google/uuid@v1.6.0
	github.com/cespare/xxhash/v2@v2.3.0
	github.com/google/go-cmp/cmp@v0.7.0
	github.com/google/go-cmp/cmp/cmpopts@v0.7.0
	github.com/pkg/errors@v0.9.1
	golang.org/x/sync/errgroup@v0.25.0
	golang.org/x/text/unicode/norm@v0.44.0
	golang.org/x/text/language@v0.44.0
	golang.org/x/text/transform@v0.44.0
	golang.org/x/text/encoding/japanese@v0.44.0
)

std=() tp=()
if [ $# -eq 0 ]; then
	std=("${STD_DEFAULT[@]}")
	tp=("${TP_DEFAULT[@]}")
else
	for a in "$@"; do
		first=${a%%/*}
		if [[ $first == *.* ]]; then tp+=("$a"); else std+=("$a"); fi
	done
fi

# Extra go test flags for particular packages.
pkg_flags() {
	case $1 in
	runtime) echo "-timeout 20m" ;;
	*) echo "-timeout $TIMEOUT" ;;
	esac
}

log() { echo "stdtests: $*" >&2; }

# The hotreload binary, built once.
if [[ " $MODES " == *" hot "* ]]; then
	# shellcheck source=scripts/lib/hotreload.sh
	. "$here/scripts/lib/hotreload.sh"
	hotreload_use "$OUT/hotreload" || exit 1
	log "using $HOTRELOAD (sha256 $(sha256sum "$HOTRELOAD" | cut -c1-16))"
fi

# The scratch module: the working directory of every run, and the home of
# the third-party packages.
mod=$OUT/mod
mkdir -p "$mod"
if [ ! -f "$mod/go.mod" ]; then
	(cd "$mod" && go mod init stdtests.local/scratch >/dev/null 2>&1) || exit 1
fi
tp_pkgs=()
for a in "${tp[@]}"; do
	p=${a%@*} v=latest
	[[ $a == *@* ]] && v=${a##*@}
	log "go get -t $p@$v"
	if ! (cd "$mod" && go get -t "$p@$v" >>"$OUT/go-get.log" 2>&1); then
		log "go get $p@$v failed (see $OUT/go-get.log)"
	fi
	tp_pkgs+=("$p")
done
(cd "$mod" && go list -m all >"$OUT/modules.txt" 2>/dev/null)

# result LOGFILE PKG prints "RESULT<TAB>DETAIL": PASS, FAIL (with the failing
# test names), BUILD-FAIL, TIMEOUT, CRASH, NO-TESTS.
result() {
	local f=$1 p=$2 qp
	qp=$(printf '%s' "$p" | sed 's/[.[\*^$/]/\\&/g')
	if grep -Eq "\"Action\":\"fail\",\"Package\":\"$qp\"(,\"Elapsed\":[0-9.e+-]+)?,\"FailedBuild\"" "$f" ||
		grep -q '"Action":"build-fail"' "$f" || grep -q '^# .*\[build failed\]\|setup failed' "$f"; then
		local why
		why=$(grep '"Action":"build-output"' "$f" | sed 's/.*"Output":"\(.*\)"}$/\1/; s/\\n$//; s/\\t/ /g; s/\\"/"/g' | grep -v '^# ' | head -2 | paste -sd'|' -)
		printf 'BUILD-FAIL\t%s\n' "$why"
		return
	fi
	local tests
	tests=$(grep -E "\"Action\":\"fail\",\"Package\":\"$qp\",\"Test\":" "$f" |
		sed 's/.*"Test":"\([^"]*\)".*/\1/' | sort -u)
	if [ -n "$tests" ]; then
		# Report leaves: drop a test whose subtest is listed too.
		local leaves
		leaves=$(echo "$tests" | awk '{a[NR]=$0} END {for (i=1;i<=NR;i++) {leaf=1; for (j=1;j<=NR;j++) if (index(a[j], a[i]"/")==1) leaf=0; if (leaf) print a[i]}}' | paste -sd' ' -)
		if grep -q '"Output":"panic: test timed out' "$f"; then
			printf 'TIMEOUT\t%s\n' "$leaves"
		else
			printf 'FAIL\t%s\n' "$leaves"
		fi
		return
	fi
	if grep -Eq "\"Action\":\"fail\",\"Package\":\"$qp\"" "$f"; then
		if grep -q '"Output":"panic: test timed out' "$f"; then
			printf 'TIMEOUT\t\n'
		else
			printf 'CRASH\t%s\n' "$(grep -Eo '"Output":"(panic|fatal error|unexpected fault address|SIG[A-Z]+)[^"\\]*' "$f" | sed 's/"Output":"//' | head -2 | paste -sd'|' -)"
		fi
		return
	fi
	if grep -Eq "\"Action\":\"pass\",\"Package\":\"$qp\"(,\"Elapsed\"[^,]*)?}" "$f"; then
		if grep -q 'no test files' "$f"; then printf 'NO-TESTS\t\n'; else printf 'PASS\t\n'; fi
		return
	fi
	if grep -Eq "\"Action\":\"skip\",\"Package\":\"$qp\"" "$f"; then
		printf 'NO-TESTS\t\n'
		return
	fi
	printf 'ERROR\t%s\n' "$(grep -v '^{' "$f" | head -2 | paste -sd'|' -)"
}

# runone MODE PKG: runs the tests, leaves LOG and LOG.time (seconds).
runone() {
	local mode=$1 p=$2 f flags cache start end
	f=$OUT/logs/$mode/$(echo "$p" | tr / _).json
	if [ "$RESUME" = 1 ] && [ -s "$f.time" ]; then return; fi
	flags=$(pkg_flags "$p")
	start=$(date +%s.%N)
	if [ "$mode" = plain ]; then
		cache=${GOCACHE_PLAIN:-$(go env GOCACHE)}
		(cd "$mod" && GOCACHE=$cache go test -short -count=1 -json $flags "$p") >"$f" 2>&1
	else
		cache=${GOCACHE_HOT:-$(go env GOCACHE)}
		(cd "$mod" && GOCACHE=$cache "$HOTRELOAD" go test -short -count=1 -json $flags "$p") >"$f" 2>&1
	fi
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN {printf "%.1f\n", e-s}' >"$f.time"
}

all=("${std[@]}" "${tp_pkgs[@]}")
tsv=$OUT/results.tsv
printf 'package\tplain\tplain_s\thot\thot_s\tplain_detail\thot_detail\n' >"$tsv"
for p in "${all[@]}"; do
	for mode in $MODES; do
		log "$mode $p"
		runone "$mode" "$p"
	done
	res=() det=()
	for mode in plain hot; do
		f=$OUT/logs/$mode/$(echo "$p" | tr / _).json
		if [ -f "$f" ]; then
			r=$(result "$f" "$p")
			res+=("${r%%$'\t'*}" "$(cat "$f.time" 2>/dev/null)")
			det+=("${r#*$'\t'}")
		else
			res+=("-" "")
			det+=("")
		fi
	done
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "${res[0]}" "${res[1]}" "${res[2]}" "${res[3]}" "${det[0]}" "${det[1]}" >>"$tsv"
	log "  plain=${res[0]} (${res[1]}s) hot=${res[2]} (${res[3]}s) ${det[1]}"
done

# The markdown table and a summary.
md=$OUT/results.md
{
	echo "| package | plain | s | instrumented | s | instrumented failures |"
	echo "|---|---|---|---|---|---|"
	# (awk, not read: IFS=tab would merge empty fields)
	tail -n +2 "$tsv" | awk -F'\t' '{
		d = $7
		if ($2 != "PASS" && $2 != "NO-TESTS" && $6 != "") d = "plain: " $6 "; instrumented: " $7
		gsub(/\|/, "\\|", d)
		printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, d
	}'
	echo
	for col in 2 4; do
		name=plain
		[ $col = 4 ] && name=instrumented
		printf '%s: ' "$name"
		tail -n +2 "$tsv" | cut -f$col | sort | uniq -c | awk '{printf "%s %s  ", $1, $2}'
		echo
	done
	printf 'instrumented-only failures: '
	tail -n +2 "$tsv" | awk -F'\t' '($2=="PASS"||$2=="NO-TESTS") && $4!="PASS" && $4!="NO-TESTS" && $4!="-" {printf "%s ", $1}'
	echo
} >"$md"
cat "$md"
log "results: $md ($tsv); logs: $OUT/logs"
