#!/usr/bin/env bash
# Issue 14, deliverable 1: can a patch be linked against the running
# program instead of carrying a copy of everything it imports? This script
# measures one candidate, -linkshared plugins, side by side with today's
# plugins, on a small program (the standard library's net/http and
# encoding/json, one package of its own):
#
#   - libstd.so: go install -buildmode=shared std;
#   - a private linker: cmd/link built from this Go's own sources with two
#     fixes (overlay, see linker/): with the stock linker a -linkshared
#     plugin dies in dlopen (SIGTRAP) and, fixed that, is refused for
#     "a different version of package runtime";
#   - the same linker with three more changes that make such a link
#     faster (the "lazy" linker);
#   - the host linked -linkshared, the patch -buildmode=plugin -linkshared,
#     against all of libstd.so and against a shared library of only the
#     standard packages the program uses ("small");
#   - against: the host and the patch as go build makes them today.
#
# It prints sizes, link times (the link alone, as the patcher runs it) and
# what loading N patches costs the host (RSS, time). Results: docs/PATCH-LINKING.md.
#
# Usage: bash bench/linkshared/run.sh [WORKDIR]   (needs gcc, python3; ~4 min cold)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
cd "$work"
goroot="$(go env GOROOT)"
n=5
export GOFLAGS= GOTOOLCHAIN=local CGO_ENABLED=1

echo "[linkshared] work dir $work ($(go version))"

# 1. The shared standard library.
if [ ! -f pkg/libstd.so ]; then
	s=$(date +%s.%N)
	go install -buildmode=shared -pkgdir "$work/pkg" std
	printf '[linkshared] libstd.so: %.1f s, %s bytes\n' "$(echo "$(date +%s.%N) - $s" | bc)" "$(stat -c %s pkg/libstd.so)"
fi

# 2. The private linkers: this Go's cmd/link with the two fixes that make
# -linkshared plugins work (hotlink), and with the three that make their
# link faster too (hotlink-lazy). See linker/fix.py.
ld="$goroot/src/cmd/link/internal/ld"
for f in ld.go symtab.go; do
	python3 "$here/linker/fix.py" "$f" "$ld/$f" "$work/$f"
done
python3 "$here/linker/fix.py" lib.go-lazy "$ld/lib.go" "$work/lib.go"
printf '{"Replace":{"%s":"%s","%s":"%s"}}\n' "$ld/ld.go" "$work/ld.go" "$ld/symtab.go" "$work/symtab.go" >overlay.json
printf '{"Replace":{"%s":"%s","%s":"%s","%s":"%s"}}\n' "$ld/ld.go" "$work/ld.go" "$ld/symtab.go" "$work/symtab.go" "$ld/lib.go" "$work/lib.go" >overlay-lazy.json
# Named link: go asks a tool for its version (-V=full) by its name.
rm -rf hotlink hotlink-lazy && mkdir hotlink hotlink-lazy
go build -overlay overlay.json -o hotlink/link cmd/link
go build -overlay overlay-lazy.json -o hotlink-lazy/link cmd/link
cat >toolexec.sh <<EOT
#!/bin/sh
tool="\$1"; shift
case "\$tool" in */link) exec "\${HOTLINK:-$work/hotlink/link}" "\$@" ;; esac
exec "\$tool" "\$@"
EOT
chmod +x toolexec.sh

# A shared library of only the standard packages the program uses.
if [ ! -d pkg-small ]; then
	go install -buildmode=shared -pkgdir "$work/pkg-small" runtime net/http encoding/json strings
fi
printf '[linkshared] the program'"'"'s standard packages as one shared library: %s bytes\n' "$(stat -c %s pkg-small/*.so)"

# 3. The program: a host that loads patches given as arguments and reports
# what each cost, and n patches of its package lib.
rm -rf m && mkdir -p m/lib m/host
cp "$here/testdata/go.mod" m/
cp "$here/testdata/lib.go" m/lib/
cp "$here/testdata/host.go" m/host/main.go
for i in $(seq 1 $n); do
	mkdir -p "m/p$i"
	sed "s/PATCH/$i/" "$here/testdata/patch.go" >"m/p$i/p.go"
done
cd m
go build -o ../host.plain ./host
go build -toolexec="$work/toolexec.sh" -linkshared -pkgdir "$work/pkg" -o ../host.shared ./host
go build -toolexec="$work/toolexec.sh" -linkshared -pkgdir "$work/pkg-small" -o ../host.small ./host

# 4. The patches.
plugin_flags() { # mode
	case $1 in
	plain) echo -buildmode=plugin ;;
	shared) echo -buildmode=plugin -toolexec="$work/toolexec.sh" -linkshared -pkgdir "$work/pkg" ;;
	small | small-lazy) echo -buildmode=plugin -toolexec="$work/toolexec.sh" -linkshared -pkgdir "$work/pkg-small" ;;
	esac
}
for mode in plain shared small small-lazy; do
	linker=$work/hotlink/link
	[ $mode = small-lazy ] && linker=$work/hotlink-lazy/link
	for i in $(seq 1 $n); do
		# shellcheck disable=SC2046
		HOTLINK=$linker go build $(plugin_flags $mode) -o "../$mode.p$i.so" "./p$i"
	done
	printf '[linkshared] %s patch: %s bytes\n' "$mode" "$(stat -c %s "../$mode.p1.so")"
done

# The link alone, three times each: the command go build ran, by the
# linker named (what the patcher would run; go build -toolexec also
# relinks libstd.so each time).
time_link() { # label mode linker
	local label=$1 mode=$2 linker=$3 w args
	echo "// relink $label" >>p1/p.go
	# shellcheck disable=SC2046
	w=$(go build -work -x $(plugin_flags "$mode") -o /dev/null ./p1 2>&1 | tee ../build.log | sed -n 's/^WORK=//p')
	args=$(grep -E 'link .*-buildmode=plugin' ../build.log | tail -1 | sed -e 's/.*\/link //' -e "s|\\\$WORK|$w|g")
	for r in 1 2 3; do
		(cd "$w/b001" && eval /usr/bin/time -f "'[linkshared] $label link alone: %e s, max RSS %M KB'" "$linker" "$args" 2>&1 >/dev/null | tail -1)
	done
	rm -rf "$w"
}
time_link plain plain "$goroot/pkg/tool/$(go env GOOS)_$(go env GOARCH)/link"
time_link shared shared "$work/hotlink/link"
time_link shared-lazy shared "$work/hotlink-lazy/link"
time_link small small "$work/hotlink/link"
time_link small-lazy small "$work/hotlink-lazy/link"
cd ..

# 5. What loading the patches costs the host.
for mode in plain shared small small-lazy; do
	host=$mode
	[ $mode = small-lazy ] && host=small
	# shellcheck disable=SC2046
	./host.$host $(for i in $(seq 1 $n); do echo "$work/$mode.p$i.so"; done) | sed "s/^/[linkshared] $mode patches: /"
done
