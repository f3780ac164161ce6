#!/usr/bin/env bash
# Issue 14, deliverable 1, the next step after run.sh: the program's own
# (non-standard) packages in a shared library too, so that a patch carries
# only its own package. The go command in module mode builds no shared
# library of non-standard packages (go install -buildmode=shared writes
# nothing for them, -o is refused), so this drives the linker itself, as
# the patcher already does for patches:
#
#   libexample.com-m-lib.so  link -buildmode=shared -linkshared of the
#                            program's package lib (compiled -dynlink
#                            -linkshared by go build), against the small
#                            standard library of run.sh;
#   host.app                 the host linked -linkshared against both;
#   app.p1.so                patch 1 linked against both: lib's symbols are
#                            undefined in it (nm -D: U), resolved in the
#                            process at dlopen.
#
# Usage: bash bench/linkshared/appshlib.sh WORKDIR   (the WORKDIR run.sh used)
set -euo pipefail
work="$(cd "${1:?usage: appshlib.sh WORKDIR (run bench/linkshared/run.sh WORKDIR first)}" && pwd)"
small="$work/pkg-small"
linker="$work/hotlink-lazy/link"
out="$work/app"
rm -rf "$out" && mkdir -p "$out"
export GOFLAGS= GOTOOLCHAIN=local CGO_ENABLED=1
cd "$work/m"

# What go build links the host from (its importcfg names lib's archive).
w=$(go build -work -x -toolexec="$work/toolexec.sh" -linkshared -pkgdir "$small" -o "$out/host.tmp" ./host 2>&1 | sed -n 's/^WORK=//p')
cfg="$w/b001/importcfg.link"
lib_a=$(sed -n 's/^packagefile example.com\/m\/lib=//p' "$cfg")
host_a=$(sed -n 's/^packagefile example.com\/m\/host=//p' "$cfg")
lib_so="$out/libexample.com-m-lib.so"

grep -v '^packagefile example.com/m/host=\|^modinfo' "$cfg" >"$out/cfg.lib"
"$linker" -L "$small" -o "$lib_so" -importcfg "$out/cfg.lib" -installsuffix dynlink \
	-buildmode=shared -linkshared -w -extld=gcc "example.com/m/lib=$lib_a"
{ cat "$cfg"; echo "packageshlib example.com/m/lib=$lib_so"; } >"$out/cfg.host"
"$linker" -L "$small" -o "$out/host.app" -importcfg "$out/cfg.host" -installsuffix dynlink \
	-buildmode=exe -linkshared -w -extld=gcc "$host_a"
rm -rf "$w"
printf '[appshlib] %s: %s bytes; host.app: %s bytes\n' "$(basename "$lib_so")" "$(stat -c %s "$lib_so")" "$(stat -c %s "$out/host.app")"

# Patch 1, compiled by go build, linked against both libraries.
echo "// appshlib" >>p1/p.go
w=$(go build -work -x -buildmode=plugin -toolexec="$work/toolexec.sh" -linkshared -pkgdir "$small" -o /dev/null ./p1 2>&1 | sed -n 's/^WORK=//p')
cp "$w/b001/_pkg_.a" "$out/p1.a"
sed "s|$w/b001/_pkg_.a|$out/p1.a|" "$w/b001/importcfg.link" >"$out/cfg.p1"
echo "packageshlib example.com/m/lib=$lib_so" >>"$out/cfg.p1"
rm -rf "$w"
for r in 1 2 3; do
	/usr/bin/time -f "[appshlib] patch link alone: %e s, max RSS %M KB" "$linker" -L "$small" -L "$out" -o "$out/app.p1.so" \
		-importcfg "$out/cfg.p1" -installsuffix dynlink -pluginpath example.com/m/p1 -buildmode=plugin -linkshared -w -extld=gcc "$out/p1.a"
done
printf '[appshlib] patch: %s bytes; lib symbols in it: %s\n' "$(stat -c %s "$out/app.p1.so")" \
	"$(nm -D "$out/app.p1.so" | grep ' example.com/m/lib\.' | tr -s ' ' | tr '\n' ';')"
LD_LIBRARY_PATH="$out" "$out/host.app" "$out/app.p1.so" | sed 's/^/[appshlib] host.app: /'
