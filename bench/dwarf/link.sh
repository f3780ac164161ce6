#!/usr/bin/env bash
# Times a plugin-mode patch link (the command of
# hotreload/internal/patcher/build.go) with and without DWARF, and with mold
# as the external linker, interleaved.
#
#   bash bench/dwarf/link.sh PATCHDIR [ROUNDS]
#
# PATCHDIR is a patch directory a `hotreload run` session left
# (<state>/patches/<id>/: importcfg.link and patch.a; the kit's archives it
# names must still exist; the launcher keeps the sources of the five newest
# patches, so copy the directory first). Variants: dwarf (the link as
# hotreload does it), w (-w), sw (-s -w), and, when mold is installed, mold
# and mold-w (-extldflags=-fuse-ld=mold). Each is linked once to warm up,
# then ROUNDS times (default 5) round robin. Prints one line per link:
# variant, round, wall s, CPU s (user + sys, gcc and ld included), .so
# bytes, and from the linker's -benchmark=cpu the DWARF generation
# (DwarfGenerateDebugInfo + DwarfGenerateDebugSyms), the output writing
# (Asmb + Asmb2) and the external link (Hostlink) in s; then the medians.
# Note: sw and mold-w links have no .symtab, which the agent refuses
# (docs/PATCH-LINKING.md, "External linker").
set -euo pipefail
dir=$(cd "$1" && pwd)
rounds=${2:-5}
tooldir=$(go env GOTOOLDIR)
export GOROOT=$(go env GOROOT)
id=$(sed -n '1s/^packagefile \([^=]*\)=.*/\1/p' "$dir/importcfg.link")
base=(-importcfg importcfg.link -installsuffix dynlink -pluginpath "$id"
	-buildmode=plugin -compressdwarf=false -extld=gcc)
declare -A flags=(
	[dwarf]=""
	[w]="-w"
	[sw]="-s -w"
	[mold]="-extldflags=-fuse-ld=mold"
	[mold-w]="-w -extldflags=-fuse-ld=mold"
)
variants=(dwarf w sw)
if command -v mold >/dev/null; then variants+=(mold mold-w); fi
cd "$dir"
results=$(mktemp)
phases=$(mktemp)
for v in "${variants[@]}"; do # warm-up
	# shellcheck disable=SC2086
	"$tooldir/link" -o "x-$v.so" "${base[@]}" ${flags[$v]} patch.a
done
echo "variant round wall_s cpu_s bytes dwarf_s asmb_s hostlink_s"
TIMEFORMAT='%R %U %S'
for r in $(seq "$rounds"); do
	for v in "${variants[@]}"; do
		# shellcheck disable=SC2086
		tm=$( { time "$tooldir/link" -o "x-$v.so" "${base[@]}" ${flags[$v]} -benchmark=cpu patch.a >"$phases" 2>&1; } 2>&1 )
		tm=$(echo "$tm" | awk '{printf "%.3f %.3f", $1, $2+$3}')
		ph=$(awk '/^BenchmarkDwarfGenerateDebug/{d+=$3} /^BenchmarkAsmb/{a+=$3} /^BenchmarkHostlink/{h+=$3}
			END{printf "%.3f %.3f %.3f", d/1e9, a/1e9, h/1e9}' "$phases")
		printf '%s %d %s %d %s\n' "$v" "$r" "$tm" "$(stat -c %s "x-$v.so")" "$ph" | tee -a "$results"
	done
done
echo "medians: variant wall_s (min-max) cpu_s bytes dwarf_s asmb_s hostlink_s"
med() { awk -v v="$1" -v c="$2" '$1==v{print $c}' "$results" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
for v in "${variants[@]}"; do
	lo=$(awk -v v="$v" '$1==v{print $3}' "$results" | sort -n | head -1)
	hi=$(awk -v v="$v" '$1==v{print $3}' "$results" | sort -n | tail -1)
	printf '%s %s (%s-%s) %s %s %s %s %s\n' "$v" "$(med "$v" 3)" "$lo" "$hi" "$(med "$v" 4)" "$(med "$v" 5)" "$(med "$v" 6)" "$(med "$v" 7)" "$(med "$v" 8)"
done
rm -f "$results" "$phases" x-*.so
