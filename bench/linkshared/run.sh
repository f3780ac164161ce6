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
#   - the host linked -linkshared, the patch -buildmode=plugin -linkshared;
#   - against: the host and the patch as go build makes them today.
#
# It prints sizes, link times (the link alone, as the patcher runs it) and
# what loading N patches costs the host (RSS, time). Results: docs/PATCH-LINKING.md.
#
# Usage: bash bench/linkshared/run.sh [WORKDIR]   (needs gcc; ~3 min cold)
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

# 2. The private linker: this Go's cmd/link with the two fixes.
for f in ld.go symtab.go; do
	python3 "$here/linker/fix.py" "$f" "$goroot/src/cmd/link/internal/ld/$f" "$work/$f"
done
printf '{"Replace":{"%s":"%s","%s":"%s"}}\n' \
	"$goroot/src/cmd/link/internal/ld/ld.go" "$work/ld.go" \
	"$goroot/src/cmd/link/internal/ld/symtab.go" "$work/symtab.go" >overlay.json
rm -rf hotlink && mkdir hotlink && go build -overlay overlay.json -o hotlink/link cmd/link # named link: go asks it -V=full
cat >toolexec.sh <<EOT
#!/bin/sh
tool="\$1"; shift
case "\$tool" in */link) exec "$work/hotlink/link" "\$@" ;; esac
exec "\$tool" "\$@"
EOT
chmod +x toolexec.sh

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

# 4. The patches, and the link alone timed (what the patcher would run).
for mode in plain shared; do
	for i in $(seq 1 $n); do
		flags=(-buildmode=plugin)
		[ "$mode" = shared ] && flags+=(-toolexec="$work/toolexec.sh" -linkshared -pkgdir "$work/pkg")
		go build "${flags[@]}" -o "../$mode.p$i.so" "./p$i"
	done
	printf '[linkshared] %s patch: %s bytes\n' "$mode" "$(stat -c %s "../$mode.p1.so")"
done

# The link alone, three times each: the same command go build ran.
for mode in plain shared; do
	flags=(-buildmode=plugin)
	linker="$goroot/pkg/tool/$(go env GOOS)_$(go env GOARCH)/link"
	if [ "$mode" = shared ]; then
		flags+=(-toolexec="$work/toolexec.sh" -linkshared -pkgdir "$work/pkg")
		linker="$work/hotlink/link"
	fi
	echo "// relink" >>p1/p.go
	w=$(go build -work -x "${flags[@]}" -o /dev/null ./p1 2>&1 | tee ../build.log | sed -n 's/^WORK=//p')
	args=$(grep -E 'link .*-buildmode=plugin' ../build.log | tail -1 | sed -e 's/.*\/link //' -e "s|\\\$WORK|$w|g")
	for r in 1 2 3; do
		(cd "$w/b001" && eval /usr/bin/time -f "'[linkshared] $mode patch link alone: %e s, max RSS %M KB'" "$linker" "$args" 2>&1 >/dev/null | tail -1)
	done
	rm -rf "$w"
done
cd ..

# 5. What loading the patches costs the host.
for mode in plain shared; do
	./host.$mode $(for i in $(seq 1 $n); do echo "$work/$mode.p$i.so"; done) | sed "s/^/[linkshared] $mode host: /"
done
