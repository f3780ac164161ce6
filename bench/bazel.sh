#!/usr/bin/env bash
# bazel.sh — go_hot_binary vs go_binary under real Bazel (4.2.3 + rules_go
# v0.62, from scripts/bazel/setup.sh), on examples/visits in this workspace:
#
#   cold   `bazel build` of the target in a fresh output base with no disk
#          cache: server start, builder, standard library(ies), program.
#          go_binary: one std; go_hot_binary: the -dynlink hot std of the kit
#          (linked as libstd.so, the program against it), the private linker,
#          plus the hot SDK's builder.
#   warm   after touching examples/visits/store/store.go (a comment line
#          appended, then removed): the incremental rebuild.
#   reload edit → applied under `bazel run //examples/visits:visits_hot`:
#          total_ms of the JSON `applied` event (change noticed → patch live),
#          over N edits of (*counter).add, and its build/load split.
#
#   bench/bazel.sh                       # results in bench/results/<date>/bazel.txt
#   N=10 SKIP_COLD=1 bench/bazel.sh      # only warm + reload
#
# Run on a quiet machine: it takes ~15 minutes cold on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
N=${N:-10}
OUT=${OUT:-bench/results/$(date +%F)}
mkdir -p "$OUT"
res=$OUT/bazel.txt

bash scripts/bazel/setup.sh --link . >/dev/null
# shellcheck disable=SC1091
. "${RULES_GO_HOT_BAZEL_ROOT:-$HOME/.cache/rules_go_hot/bazel}/env.sh"
# shellcheck source=scripts/lib/hotreload.sh
. scripts/lib/hotreload.sh
hotreload_for_bazel

store=examples/visits/store/store.go
cp "$store" "$OUT/.store.go.orig"
trap 'set +e; cp "$OUT/.store.go.orig" "$store"; rm -f "$OUT/.store.go.orig"; [ -n "${pid:-}" ] && kill -INT -- "-$pid" 2>/dev/null; true' EXIT

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
{
	echo "# bench/bazel.sh $(date -u +%FT%TZ) on $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
	echo "# $(go version); bazel 4.2.3 (Debian), rules_go v0.62.0"
} | tee "$res"

if [ -z "${SKIP_COLD:-}" ]; then
	for target in //examples/visits:visits //examples/visits:visits_hot; do
		ob=$(mktemp -d /tmp/gohot-bench-ob.XXXX)
		t=$(now)
		bazel --output_user_root="$ob" build --disk_cache= "$target" >/tmp/gohot-bench-cold.log 2>&1
		echo "cold build $target: $(since "$t") s" | tee -a "$res"
		bazel --output_user_root="$ob" shutdown >/dev/null 2>&1 || true
		chmod -R u+w "$ob" 2>/dev/null; rm -rf "$ob"
	done
fi

B() { bazel --output_user_root="$RULES_GO_HOT_BAZEL_ROOT/output_user_root" "$@"; }
for target in //examples/visits:visits //examples/visits:visits_hot; do
	B build "$target" >/dev/null 2>&1
	for i in 1 2 3; do
		echo "// bench $i" >>"$store"
		t=$(now); B build "$target" >/dev/null 2>&1; a=$(since "$t")
		cp "$OUT/.store.go.orig" "$store"
		t=$(now); B build "$target" >/dev/null 2>&1; b=$(since "$t")
		echo "warm rebuild $target after an edit: $a s, after undoing it: $b s" | tee -a "$res"
	done
done

ev=$OUT/bazel-run.events
# In a process group of its own (set -m), so that SIGINT reaches the launcher
# through the shell function and bazel's client.
set -m
HOTRELOAD_EVENTS=json B run //examples/visits:visits_hot -- -addr 127.0.0.1:0 >/dev/null 2>"$ev" &
pid=$!
set +m
for ((i = 0; i < 600; i++)); do grep -q '"event":"ready"' "$ev" && break; sleep 0.5; done
for ((i = 1; i <= N; i++)); do
	sed -i -E "s/^\tc\.hits\[page\](\+\+| \+= [0-9]+)$/\tc.hits[page] += $i/" "$store"
	for ((j = 0; j < 200; j++)); do [ "$(grep -c '"event":"applied"' "$ev")" -ge "$i" ] && break; sleep 0.1; done
	sleep 0.5
done
kill -INT -- "-$pid"; wait "$pid" 2>/dev/null || true; pid=
# Median and p90 of each duration over the applied events.
for f in total_ms build_ms load_ms; do
	grep '"event":"applied"' "$ev" | grep -o "\"$f\":[0-9.]*" | cut -d: -f2 | sort -n |
		awk -v f="$f" '{v[NR]=$1} END {if (NR) printf "reload %s over %d edits: median %.0f ms, p90 %.0f ms\n", f, NR, v[int((NR+1)/2)], v[int(NR*0.9+0.5)]}'
done | tee -a "$res"
