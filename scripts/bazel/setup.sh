#!/usr/bin/env bash
# scripts/bazel/setup.sh — install an OFFLINE Bazel + rules_go + Gazelle setup for rules_go_hot.
#
# Only Debian apt and the Go module proxy are used; Bazel itself never downloads anything.
# Everything goes into a cache dir outside the git tree:
#     ROOT = ${RULES_GO_HOT_BAZEL_ROOT:-$HOME/.cache/rules_go_hot/bazel}
#
# What it installs (see docs/BAZEL-SETUP.md):
#   - Debian bazel-bootstrap 4.2.3 (WORKSPACE mode only) + Debian skylib/platforms/rules_cc/
#     rules_java/rules_proto, gcc                                           (apt)
#   - rules_go v0.62.0 and bazel-gazelle v0.53.0 (+ its nested v2 module) from the Go module
#     proxy, patched for Bazel 4.2.3 and Go >= 1.24                          ($ROOT/repos/...)
#   - local stand-ins for what Bazel/rules_go would download: rules_cc (shimmed), platforms
#     (extra constraints), rules_shell and remote_coverage_tools (stubs)      ($ROOT/repos/...)
#   - a generated repository @rules_go_hot_bazel_env: defs.bzl with HOST_GOROOT (go env GOROOT),
#     HOST_GO_VERSION, RULES_GO_HOT_BAZEL_ROOT, for BUILD/.bzl files that need them
#   - ibazel and buildifier                                                  ($ROOT/bin)
#
# Contract (how a workspace consumes it). Wiring chosen: --override_repository lines in a
# generated rc that the workspace try-imports, so no committed file holds a machine path.
#   $ROOT/env.sh   `source` it: exports RULES_GO_HOT_BAZEL_ROOT, RULES_GO_HOT_BAZELRC and puts
#                  $ROOT/bin (ibazel, buildifier) first on PATH.
#   $ROOT/bazelrc  startup --output_user_root=$ROOT/output_user_root (the output base the tests,
#                  the smoke test and the demo name on their command lines, so that a plain
#                  `bazel run ...` in a linked workspace finds it warm),
#                  build --nosandbox_debug (+ the flags Bazel 4 needs for rules_go v0.62),
#                  --disk_cache and --repository_cache under $ROOT, and for build/query/fetch/sync
#                  one --override_repository=NAME=PATH for each of: io_bazel_rules_go,
#                  bazel_gazelle, bazel_skylib, platforms, rules_cc, rules_java, rules_proto,
#                  rules_shell, remote_coverage_tools, rules_go_hot_bazel_env.
#   An override replaces whatever the WORKSPACE (or go_rules_dependencies(), Bazel's own
#   defaults, ...) declares under that name; nothing is fetched for it. Bazel 4 still wants a
#   repository that is load()ed *in the WORKSPACE* to be declared before that load, so a WORKSPACE
#   declares io_bazel_rules_go and bazel_gazelle as usual (http_archive of the upstream release);
#   the other names need no declaration (loads from BUILD/.bzl files of an undeclared overridden
#   repository work).
#   A workspace's .bazelrc says:   try-import %workspace%/.rules_go_hot.bazelrc
#   and `setup.sh --link DIR` makes DIR/.rules_go_hot.bazelrc a symlink to $ROOT/bazelrc (keep
#   that name in .gitignore). Without the link: `bazel --bazelrc="$RULES_GO_HOT_BAZELRC" ...`.
#   Go SDK: `go_host_sdk(name = "go_sdk")` — the SDK at `go env GOROOT` of the go on PATH (or
#   $GOROOT), the same thing as go_local_sdk(path = <go env GOROOT>) without a path in the
#   WORKSPACE. Example: scripts/bazel/testdata/hello/WORKSPACE; run scripts/bazel/smoke_test.sh.

# Usage: scripts/bazel/setup.sh [--link WORKSPACE_DIR]...
# Idempotent: each step leaves a stamp keyed by this script's sha256 (+ its inputs); a re-run
# with nothing to do takes about a second. Editing this script redoes every step.
# Step output goes to $ROOT/logs/<step>.log; on failure the step is named and its log tail shown.
set -euo pipefail

RULES_GO_VERSION=v0.62.0          # v0.63+ needs Bazel 8 APIs
GAZELLE_VERSION=v0.53.0           # v0.54.0's module zip does not build
IBAZEL_VERSION=v0.33.0
# buildtools has no Go-module release tags; this is the commit bazel-gazelle v0.53.0 requires.
BUILDTOOLS_VERSION=v0.0.0-20250930140053-2eb4fccefb52
APT_PACKAGES=(bazel-bootstrap bazel-skylib bazel-platforms bazel-rules-cc bazel-rules-java bazel-rules-proto gcc)

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
LINK_DIRS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --link) [ $# -ge 2 ] || { echo "setup.sh: --link needs a directory" >&2; exit 2; }; LINK_DIRS+=("$2"); shift 2 ;;
    --link=*) LINK_DIRS+=("${1#--link=}"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
SCRIPT_HASH=$(sha256sum "$SCRIPT" | cut -c1-16)
ROOT=${RULES_GO_HOT_BAZEL_ROOT:-$HOME/.cache/rules_go_hot/bazel}
ROOT=$(realpath -m "$ROOT")

# Never inside the git tree this script lives in.
REPO_TOP=$(git -C "$(dirname "$SCRIPT")" rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$REPO_TOP" ]; then
  case "$ROOT/" in "$(realpath -m "$REPO_TOP")/"*)
    echo "setup.sh: RULES_GO_HOT_BAZEL_ROOT=$ROOT is inside the git tree $REPO_TOP; use a dir outside it" >&2; exit 2 ;;
  esac
fi
mkdir -p "$ROOT"

for i in "${!LINK_DIRS[@]}"; do
  [ -d "${LINK_DIRS[$i]}" ] || { echo "setup.sh: --link ${LINK_DIRS[$i]}: not a directory" >&2; exit 2; }
  LINK_DIRS[$i]=$(cd "${LINK_DIRS[$i]}" && pwd -P)
done

REPOS=$ROOT/repos
mkdir -p "$REPOS" "$ROOT/bin" "$ROOT/stamps" "$ROOT/logs" "$ROOT/tmp"

# One setup at a time per ROOT (CI jobs sharing a cache).
if command -v flock >/dev/null; then
  exec 9>"$ROOT/.lock"
  flock 9
fi

# Go environment for every go command below: private module cache, no workspace, no toolchain
# switching, run outside any module.
export GOMODCACHE=$ROOT/gomod GOFLAGS="-modcacherw -buildvcs=false" GOBIN=$ROOT/bin GOWORK=off GOTOOLCHAIN=local
cd "$ROOT/tmp"

# ------------------------------------------------------------------------------ helpers
T0=${EPOCHREALTIME:-$(date +%s.%N)}
elapsed() { awk -v a="$T0" -v b="${EPOCHREALTIME:-$(date +%s.%N)}" 'BEGIN { printf "%.1fs", b - a }'; }
STEP_TOTAL=8
STEP_NO=0
STEP_NAME="startup"
STEP_LOG=""
on_exit() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "[setup] FAILED at step $STEP_NO/$STEP_TOTAL: $STEP_NAME (exit $rc, $(elapsed))" >&2
    if [ -n "$STEP_LOG" ] && [ -s "$STEP_LOG" ]; then
      echo "[setup] last lines of $STEP_LOG:" >&2
      tail -n 30 "$STEP_LOG" | sed 's/^/    /' >&2
    fi
  fi
}
trap on_exit EXIT

# run_step NAME STAMP_KEY FUNCTION [MUST_EXIST]: runs FUNCTION (output to $ROOT/logs/FUNCTION.log)
# unless its stamp holds "<script hash> STAMP_KEY" and MUST_EXIST (a path) exists.
# STAMP_KEY "" means: no stamp, always run (FUNCTION must then be cheap and idempotent).
run_step() {
  local name=$1 key=$2 fn=$3 must=${4:-} stamp="$ROOT/stamps/$3"
  STEP_NO=$((STEP_NO + 1)); STEP_NAME=$name; STEP_LOG="$ROOT/logs/$fn.log"
  if [ -n "$key" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$SCRIPT_HASH $key" ] && { [ -z "$must" ] || [ -e "$must" ]; }; then
    echo "[setup] step $STEP_NO/$STEP_TOTAL: $name: up to date ($(elapsed))"
    return 0
  fi
  [ -z "$key" ] || echo "[setup] step $STEP_NO/$STEP_TOTAL: $name ... ($(elapsed))"
  rm -f "$stamp"
  # The subshell is not in a condition context, so `set -e` stays effective inside FUNCTION.
  set +e
  ( set -euo pipefail; "$fn" ) >"$STEP_LOG" 2>&1
  local rc=$?
  set -e
  [ $rc -eq 0 ] || exit $rc
  [ -z "$key" ] || echo "$SCRIPT_HASH $key" >"$stamp"
  echo "[setup] step $STEP_NO/$STEP_TOTAL: $name: $([ -n "$key" ] && echo done || echo ok) ($(elapsed))"
}

die() { echo "ERROR: $*" >&2; exit 1; }

# module_dir MODULE@VERSION: download through the Go proxy, print the extracted dir.
module_dir() {
  go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit("no Dir: %s" % d.get("Error")))'
}

# write_if_changed FILE: stdin -> FILE, leaving FILE (and its mtime) alone when unchanged.
write_if_changed() {
  local tmp; tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  chmod 644 "$tmp"
  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; [ -r "$1" ] && [ "$(stat -c %a "$1")" = 644 ] || chmod 644 "$1"; else mv -f "$tmp" "$1"; fi
}

# must_not_grep DIR PATTERN WHAT: fail if a patch left PATTERN in DIR's .bzl files.
must_not_grep() {
  local hits
  hits=$(grep -rnE --include='*.bzl' "$2" "$1" | grep -v 'bazel4_compat.bzl' || true)
  [ -z "$hits" ] || { echo "$hits" >&2; die "patch incomplete: $3 still present"; }
}

# install_tree SRC_TMP DEST: atomically replace DEST with SRC_TMP.
install_tree() { rm -rf "$2"; mv "$1" "$2"; }

# ------------------------------------------------------------------------------ patch helpers
write_patch_helpers() {
  mkdir -p "$ROOT/patches"
  cat >"$ROOT/patches/patch_merge_all.py" <<'PYEOF'
#!/usr/bin/env python3
"""Rewrite `X.merge_all(list)` (runfiles API from Bazel 5) into a helper that
falls back to repeated .merge() on Bazel 4.2.3."""
import re, sys, pathlib
root = pathlib.Path(sys.argv[1])
helper = root / "go/private/bazel4_compat.bzl"
helper.write_text('''# Added by rules_go_hot scripts/bazel/setup.sh for Bazel 4.2.3 compatibility.
def merge_all_runfiles(runfiles, others):
    if hasattr(runfiles, "merge_all"):
        return runfiles.merge_all(others)
    for o in others:
        runfiles = runfiles.merge(o)
    return runfiles
''')
pat = re.compile(r'([A-Za-z_][\w.]*(?:\([^()]*\))?)\.merge_all\(')
LOAD = 'load("@io_bazel_rules_go//go/private:bazel4_compat.bzl", "merge_all_runfiles")\n'
for f in root.glob("go/**/*.bzl"):
    if f == helper:
        continue
    s = f.read_text()
    s2, k = pat.subn(r'merge_all_runfiles(\1, ', s)
    if not k:
        continue
    i = s2.find("\nload(")
    if s2.startswith("load("):
        s2 = LOAD + s2
    elif i >= 0:
        s2 = s2[:i+1] + LOAD + s2[i+1:]
    else:
        s2 = LOAD + s2
    f.write_text(s2)
    print("merge_all patched", f.relative_to(root), k)
PYEOF
  cat >"$ROOT/patches/patch_dict_union.py" <<'PYEOF'
#!/usr/bin/env python3
"""Rewrite Starlark dict union `{...} | NAME` / `NAME | {...}` (Bazel 6+) into dict(...) calls."""
import re, sys, pathlib
root = pathlib.Path(sys.argv[1])

def match_back(s, close):
    depth = 0
    i = close
    while i >= 0:
        c = s[i]
        if c in '"\'':
            j = i - 1
            while j >= 0 and not (s[j] == c and s[j-1] != '\\'):
                j -= 1
            i = j - 1
            continue
        if c == '}':
            depth += 1
        elif c == '{':
            depth -= 1
            if depth == 0:
                return i
        i -= 1
    raise ValueError("no match")

def match_fwd(s, open_):
    depth = 0
    i = open_
    while i < len(s):
        c = s[i]
        if c in '"\'':
            j = i + 1
            while j < len(s) and not (s[j] == c and s[j-1] != '\\'):
                j += 1
            i = j + 1
            continue
        if c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("no match")

for f in root.glob(sys.argv[2] if len(sys.argv) > 2 else "go/**/*.bzl"):
    s = f.read_text()
    n = 0
    while True:
        m = re.search(r'\}\s*\|\s*([A-Z_][A-Z0-9_]*)', s)
        if not m:
            break
        close = m.start()
        open_ = match_back(s, close)
        s = s[:open_] + 'dict(' + s[open_:close+1] + ', **' + m.group(1) + ')' + s[m.end():]
        n += 1
    while True:
        m = re.search(r'([A-Z_][A-Z0-9_]*)\s*\|\s*\{', s)
        if not m:
            break
        open_ = m.end() - 1
        close = match_fwd(s, open_)
        s = s[:m.start()] + 'dict(' + m.group(1) + ', **' + s[open_:close+1] + ')' + s[close+1:]
        n += 1
    if n:
        f.write_text(s)
        print("dict-union patched", f.relative_to(root), n)
PYEOF
}

# ------------------------------------------------------------------------------ step 1: apt
step_apt() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  command -v python3 >/dev/null || missing+=(python3)
  [ ${#missing[@]} -gt 0 ] || { echo "all packages installed"; return 0; }
  command -v apt-get >/dev/null || die "apt-get not found: this setup needs Debian/Ubuntu (missing: ${missing[*]})"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}
apt_check() {
  # Cheap check run every time (no stamp): dpkg-query is fast.
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
  command -v python3 >/dev/null
}

# ------------------------------------------------------------------------------ step 2: rules_go
step_rules_go() {
  write_patch_helpers
  local src RG="$REPOS/io_bazel_rules_go.tmp"
  src=$(module_dir "github.com/bazelbuild/rules_go@$RULES_GO_VERSION")
  rm -rf "$RG"; cp -r "$src" "$RG"; chmod -R u+w "$RG"
  cd "$RG"
  # RunEnvironmentInfo is Bazel 5.3+; testing.TestEnvironment is the Bazel 4 equivalent (env_inherit is lost).
  grep -rl 'RunEnvironmentInfo(' go | xargs -r sed -i \
    -e 's/RunEnvironmentInfo(environment = env)/testing.TestEnvironment(env)/' \
    -e 's/RunEnvironmentInfo(env, ctx.attr.env_inherit)/testing.TestEnvironment(env)/'
  # configuration_field(fragment = "coverage") is Bazel 5+: no coverage merging.
  grep -rl 'configuration_field(fragment = "coverage"' go | xargs -r sed -i \
    -e 's/default = configuration_field(fragment = "coverage", name = "output_generator"),/default = None,/'
  # repository_ctx.os.arch is Bazel 5.1+.
  grep -rl 'ctx\.os\.arch' go | xargs -r sed -i -E 's/\b(r?ctx)\.os\.arch\b/\1.execute(["uname", "-m"]).stdout.strip()/'
  # Go >= 1.21 VERSION files have a second "time ..." line.
  sed -i 's|version = ctx.read(version_file_path)\[2:\]$|version = ctx.read(version_file_path)[2:].splitlines()[0].strip()|' go/private/sdk.bzl
  grep -q 'splitlines()\[0\]' go/private/sdk.bzl || die "VERSION-file patch did not apply to go/private/sdk.bzl"
  # runfiles.merge_all is Bazel 5+.
  python3 "$ROOT/patches/patch_merge_all.py" "$RG"
  # GOEXPERIMENT=nocoverageredesign is rejected by Go >= 1.25.
  sed -i -E 's/if pv != None and pv\[1\] >= 20:/if pv != None and pv[1] >= 20 and pv[1] < 24:/' go/private/sdk.bzl
  # Bazel 4 resolves repo-relative labels in transitions against the main repo.
  grep -rl --include='*.bzl' "transition(" go | xargs -r sed -i -E 's#"//go/#"@io_bazel_rules_go//go/#g'
  # read_user_netrc/use_netrc are Bazel 5+ (only used for SDK downloads).
  sed -i -E 's#load\("@bazel_tools//tools/build_defs/repo:utils.bzl", "patch", "read_user_netrc", "use_netrc"\)#load("@bazel_tools//tools/build_defs/repo:utils.bzl", "patch")#' go/private/sdk.bzl
  sed -i -E 's#auth = use_netrc\(read_user_netrc\(ctx\), urls, \{\}\)#auth = {}#' go/private/sdk.bzl
  # actions.run(toolchain = ...) is Bazel 6+.
  grep -rlE "^\s*toolchain = (GO_TOOLCHAIN_LABEL|GO_TOOLCHAIN|None),$" go | xargs -r sed -i -E "/^\s*toolchain = (GO_TOOLCHAIN_LABEL|GO_TOOLCHAIN|None),$/d"
  # Debian's Bazel reports no version; make the bazel_features polyfill assume 4.2.3.
  if [ -f go/private/polyfill_bazel_features.bzl ]; then
    sed -i 's/native.bazel_version or "999999.999999.999999"/native.bazel_version or "4.2.3"/' go/private/polyfill_bazel_features.bzl
  fi
  # config_common.toolchain_type(..., mandatory = False) is Bazel 6+.
  grep -rl --include='*.bzl' "config_common.toolchain_type(" go | xargs -r sed -i -E 's/config_common\.toolchain_type\(([^,()]+), mandatory = False\)/\1/g'
  # find_c*_toolchain(mandatory=) and :optional_current_cc_toolchain are Bazel 6.1+.
  grep -rl --include='*.bzl' "find_cp*c*_toolchain(ctx, mandatory = False)\|optional_current_cc_toolchain" go | xargs -r sed -i \
    -e "s/find_cpp_toolchain(ctx, mandatory = False)/find_cpp_toolchain(ctx)/" -e "s/find_cc_toolchain(ctx, mandatory = False)/find_cc_toolchain(ctx)/" \
    -e 's#"@bazel_tools//tools/cpp:optional_current_cc_toolchain" if bazel_features.cc.find_cpp_toolchain_has_mandatory_param else ##' \
    -e 's#@bazel_tools//tools/cpp:optional_current_cc_toolchain#@bazel_tools//tools/cpp:current_cc_toolchain#'
  # Label.repo_name is Bazel 7.1+.
  grep -rl --include='*.bzl' "\.repo_name\b" go | xargs -r sed -i -E "s/\b(label|scope)\.repo_name\b/\1.workspace_name/g"
  # dict union (a | b) is Bazel 6+ Starlark.
  python3 "$ROOT/patches/patch_dict_union.py" "$RG"
  # Toolchain types must be strings on Bazel 4.
  sed -i -E 's#^CPP_TOOLCHAIN_TYPE = Label\("@bazel_tools//tools/cpp:toolchain_type"\)#CPP_TOOLCHAIN_TYPE = "@bazel_tools//tools/cpp:toolchain_type"#' go/private/context.bzl
  # build-setting "scope" attribute is Bazel 7+.
  grep -rlE --include='BUILD*' '^\s*scope = "(universal|project)",$' . | xargs -r sed -i -E '/^\s*scope = "(universal|project)",$/d'
  # Go module zips drop the executable bit.
  find . -name '*.sh' -exec chmod +x {} +
  # Sanity checks: the Bazel-5+ constructs must be gone.
  must_not_grep go 'RunEnvironmentInfo\(' "RunEnvironmentInfo"
  must_not_grep go '\.merge_all\(' "runfiles.merge_all"
  must_not_grep go 'ctx\.os\.arch' "repository_ctx.os.arch"
  must_not_grep go 'read_user_netrc' "read_user_netrc"
  cd "$ROOT/tmp"
  install_tree "$RG" "$REPOS/io_bazel_rules_go"
}

# ------------------------------------------------------------------------------ step 3: gazelle
step_gazelle() {
  write_patch_helpers
  local src v2ver v2src GZ="$REPOS/bazel_gazelle.tmp"
  src=$(module_dir "github.com/bazelbuild/bazel-gazelle@$GAZELLE_VERSION")
  rm -rf "$GZ"; cp -r "$src" "$GZ"; chmod -R u+w "$GZ"
  cd "$GZ"
  find . -name '*.sh' -exec chmod +x {} +
  # repository_ctx.getenv is Bazel 7.1+.
  grep -rl --include='*.bzl' "ctx.getenv(" . | xargs -r sed -i -E 's/ctx\.getenv\(/ctx.os.environ.get(/g'
  # read_user_netrc/use_netrc are Bazel 5+.
  grep -rl --include='*.bzl' "read_user_netrc" . | xargs -r sed -i -E \
    -e 's#load\("@bazel_tools//tools/build_defs/repo:utils.bzl", "patch", "read_user_netrc", "use_netrc"\)#load("@bazel_tools//tools/build_defs/repo:utils.bzl", "patch")#' \
    -e 's#auth = use_netrc\(read_user_netrc\(ctx\), [^)]*\),#auth = {},#'
  python3 "$ROOT/patches/patch_dict_union.py" "$GZ" "**/*.bzl"
  grep -rl --include='*.bzl' "\.repo_name\b" . | xargs -r sed -i -E "s/\b(label|scope)\.repo_name\b/\1.workspace_name/g"
  # The module zip lacks the nested v2/ module (github.com/bazel-contrib/bazel-gazelle/v2) that
  # go.work points at: put the published version required by go.mod there, drop go.work, and
  # regenerate the source list that go_repository_tools checks.
  v2ver=$(awk '$1=="github.com/bazel-contrib/bazel-gazelle/v2"{print $2}' go.mod | head -1)
  [ -n "$v2ver" ] || die "gazelle go.mod does not require github.com/bazel-contrib/bazel-gazelle/v2"
  v2src=$(module_dir "github.com/bazel-contrib/bazel-gazelle/v2@$v2ver")
  rm -rf v2; cp -r "$v2src" v2; chmod -R u+w v2
  rm -f go.work go.work.sum
  go run internal/list_repository_tools_srcs.go -dir=. -generate=internal/go_repository_tools_srcs.bzl
  # Debian's skylib 1.0.3 unittest cannot run gazelle's analysis-test suite.
  sed -i -E 's/^gazelle_binary_test_suite\(\)$/# gazelle_binary_test_suite()  # removed for Bazel 4/' internal/BUILD.bazel
  # path.is_dir and str.removeprefix are Bazel 5+.
  sed -i 's/if path.exists and not path.is_dir:/if path.exists and ctx.execute(["test", "-f", str(path)]).return_code == 0:/' internal/go_repository.bzl
  sed -i 's/package_version = version.removeprefix("v") if version else None/package_version = (version[1:] if version.startswith("v") else version) if version else None/' internal/go_repository.bzl
  # Don't generate REPO.bazel + package_info (needs @rules_license/@package_metadata; REPO.bazel is Bazel 7+).
  sed -i 's/        if not repo_file.exists:$/        if False:  # bazel4: no package metadata/' internal/go_repository.bzl
  must_not_grep . 'ctx\.getenv\(' "repository_ctx.getenv"
  must_not_grep . 'read_user_netrc' "read_user_netrc"
  must_not_grep internal 'removeprefix\(' "str.removeprefix"
  cd "$ROOT/tmp"
  install_tree "$GZ" "$REPOS/bazel_gazelle"
}

# ------------------------------------------------------------------------------ step 4: stand-ins
step_standins() {
  local t="$ROOT/tmp/standins" arch c o
  rm -rf "$t"; mkdir -p "$t"

  # rules_cc: Debian's 0.0.4 needs use_cpp_toolchain (Bazel 5+): copy + shim; add rules_cc>=0.1 cc/common layout.
  cp -r /usr/share/bazel/rules/cc "$t/rules_cc"; chmod -R u+w "$t/rules_cc"; rm -f "$t/rules_cc/MODULE.bazel"
  cat >"$t/rules_cc/cc/private/rules_impl/bazel4_compat.bzl" <<'EOF'
# Bazel 4.2.3 lacks use_cpp_toolchain(); provide an equivalent.
def use_cpp_toolchain(mandatory = True):
    return ["@bazel_tools//tools/cpp:toolchain_type"]
EOF
  for f in compiler_flag.bzl cc_flags_supplier.bzl; do
    sed -i 's|load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain", "use_cpp_toolchain")|load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")\nload(":bazel4_compat.bzl", "use_cpp_toolchain")|' "$t/rules_cc/cc/private/rules_impl/$f"
  done
  mkdir -p "$t/rules_cc/cc/common"
  echo 'exports_files(glob(["*.bzl"]))' >"$t/rules_cc/cc/common/BUILD"
  printf 'load("//cc/private/rules_impl:native.bzl", "native_cc_common")\n\ncc_common = native_cc_common\n' >"$t/rules_cc/cc/common/cc_common.bzl"
  printf 'load("//cc/private/rules_impl:native.bzl", "NativeCcInfo")\n\nCcInfo = NativeCcInfo\n' >"$t/rules_cc/cc/common/cc_info.bzl"

  # platforms: Debian's copy plus constraints newer rules_go references, plus a static host/constraints.bzl.
  cp -r /usr/share/bazel/tools/platforms "$t/platforms"; chmod -R u+w "$t/platforms"
  for c in mips64 riscv64 ppc64le ppc32 loongarch64 riscv32 armv8-m; do
    grep -q "name = \"$c\"" "$t/platforms/cpu/BUILD" || printf '\nconstraint_value(\n    name = "%s",\n    constraint_setting = ":cpu",\n)\n' "$c" >>"$t/platforms/cpu/BUILD"
  done
  for o in netbsd haiku emscripten fuchsia vxworks; do
    grep -q "name = \"$o\"" "$t/platforms/os/BUILD" || printf '\nconstraint_value(\n    name = "%s",\n    constraint_setting = ":os",\n)\n' "$o" >>"$t/platforms/os/BUILD"
  done
  case "$(uname -m)" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) arch=$(uname -m) ;;
  esac
  mkdir -p "$t/platforms/host"
  echo 'exports_files(["constraints.bzl"])' >"$t/platforms/host/BUILD"
  echo "HOST_CONSTRAINTS = [\"@platforms//cpu:$arch\", \"@platforms//os:linux\"]" >"$t/platforms/host/constraints.bzl"

  # rules_shell stub (rules_go >= 0.53 loads it): forwards to native sh_* rules.
  mkdir -p "$t/rules_shell/shell"
  echo 'workspace(name = "rules_shell")' >"$t/rules_shell/WORKSPACE"; : >"$t/rules_shell/BUILD.bazel"
  echo 'exports_files(glob(["*.bzl"]))' >"$t/rules_shell/shell/BUILD.bazel"
  for r in sh_binary sh_test sh_library; do printf 'def %s(**kwargs):\n    native.%s(**kwargs)\n' $r $r >"$t/rules_shell/shell/$r.bzl"; done
  printf 'def rules_shell_dependencies():\n    pass\n\ndef rules_shell_toolchains():\n    pass\n' >"$t/rules_shell/shell/repositories.bzl"

  # remote_coverage_tools stub: every test rule depends on it in Bazel 4 (an http_archive otherwise).
  mkdir -p "$t/remote_coverage_tools"
  echo 'workspace(name = "remote_coverage_tools")' >"$t/remote_coverage_tools/WORKSPACE"
  printf '#!/bin/sh\necho "coverage tools are not available offline" >&2\nexit 0\n' >"$t/remote_coverage_tools/stub.sh"
  chmod +x "$t/remote_coverage_tools/stub.sh"
  cat >"$t/remote_coverage_tools/BUILD" <<'EOF'
package(default_visibility = ["//visibility:public"])

sh_binary(name = "coverage_report_generator", srcs = ["stub.sh"])

sh_binary(name = "lcov_merger", srcs = ["stub.sh"])
EOF

  for r in rules_cc platforms rules_shell remote_coverage_tools; do install_tree "$t/$r" "$REPOS/$r"; done
  rm -rf "$t"
}

# ------------------------------------------------------------------------------ step 5: env repo
# @rules_go_hot_bazel_env: machine-specific values a WORKSPACE needs, so no committed file holds them.
step_env_repo() {
  local d="$REPOS/rules_go_hot_bazel_env"
  mkdir -p "$d"
  echo 'workspace(name = "rules_go_hot_bazel_env")' | write_if_changed "$d/WORKSPACE"
  echo 'exports_files(["defs.bzl"])' | write_if_changed "$d/BUILD.bazel"
  write_if_changed "$d/defs.bzl" <<EOF
# Generated by rules_go_hot scripts/bazel/setup.sh — do not edit.
HOST_GOROOT = "$GOROOT_HOST"
HOST_GO_VERSION = "$GOVERSION_HOST"
RULES_GO_HOT_BAZEL_ROOT = "$ROOT"
EOF
}

# ------------------------------------------------------------------------------ steps 6, 7: tools
step_ibazel() {
  go install "github.com/bazelbuild/bazel-watcher/cmd/ibazel@$IBAZEL_VERSION"
  "$ROOT/bin/ibazel" version || true
}
step_buildifier() {
  go install "github.com/bazelbuild/buildtools/buildifier@$BUILDTOOLS_VERSION"
  "$ROOT/bin/buildifier" --version
}

# ------------------------------------------------------------------------------ step 8: contract files
OVERRIDES=()
compute_overrides() {
  OVERRIDES=(
    "io_bazel_rules_go=$REPOS/io_bazel_rules_go"
    "bazel_gazelle=$REPOS/bazel_gazelle"
    "bazel_skylib=/usr/share/bazel/tools/skylib"
    "platforms=$REPOS/platforms"
    "rules_cc=$REPOS/rules_cc"
    "rules_java=/usr/share/bazel/rules/java"
    "rules_proto=/usr/share/bazel/rules/proto"
    "rules_shell=$REPOS/rules_shell"
    "remote_coverage_tools=$REPOS/remote_coverage_tools"
    "rules_go_hot_bazel_env=$REPOS/rules_go_hot_bazel_env"
  )
}
step_contract() {
  local o cmd
  for o in "${OVERRIDES[@]}"; do
    [ -d "${o#*=}" ] || die "repository ${o%%=*}: ${o#*=} does not exist"
  done
  {
    echo "# Generated by rules_go_hot scripts/bazel/setup.sh — do not edit; re-run setup.sh instead."
    echo "# Consumed by a workspace .bazelrc line: try-import %workspace%/.rules_go_hot.bazelrc"
    echo "# (a symlink to this file made by: setup.sh --link WORKSPACE_DIR)."
    # The output base every script and test of this project passes as --output_user_root (a
    # command-line startup option wins over this one): what a user types shares it.
    echo "startup --output_user_root=$ROOT/output_user_root"
    echo "build --nosandbox_debug"
    echo "build --experimental_exec_groups"
    echo "build --incompatible_enable_cc_toolchain_resolution"
    echo "build --disk_cache=$ROOT/disk_cache"
    for cmd in build query fetch sync; do
      # build covers test, run, info, cquery, aquery, coverage (they inherit build options).
      [ "$cmd" = build ] || echo "$cmd --experimental_exec_groups"
      echo "$cmd --repository_cache=$ROOT/repository_cache"
      for o in "${OVERRIDES[@]}"; do echo "$cmd --override_repository=$o"; done
    done
  } | write_if_changed "$ROOT/bazelrc"
  # A `bazel` shim first on PATH: Debian's Bazel 4.2.3 has no `bazel run --norun`, which ibazel's
  # notify mode (targets tagged ibazel_notify_changes, e.g. every go_hot_binary) runs to rebuild;
  # the shim makes it `bazel build`. Anything else goes to the real bazel unchanged.
  local real_bazel
  real_bazel=$(PATH=$(echo "$PATH" | tr ':' '\n' | grep -vx "$ROOT/bin" | paste -sd:) command -v bazel) ||
    die "bazel not found on PATH (step 1 installs bazel-bootstrap)"
  mkdir -p "$ROOT/bin"
  write_if_changed "$ROOT/bin/bazel" <<EOF
#!/usr/bin/env bash
# Generated by rules_go_hot scripts/bazel/setup.sh: 'bazel run --norun T' (ibazel's rebuild in
# notify mode; Bazel 4.2.3 lacks --norun) becomes 'bazel build T'; all else goes to $real_bazel.
args=("\$@"); cmd=-1; norun=-1
for i in "\${!args[@]}"; do
  a=\${args[\$i]}
  if [ "\$cmd" = -1 ] && [ "\${a#-}" = "\$a" ]; then cmd=\$i; fi
  if [ "\$a" = --norun ]; then norun=\$i; fi
done
if [ "\$cmd" != -1 ] && [ "\$norun" != -1 ] && [ "\${args[\$cmd]}" = run ]; then
  args[\$cmd]=build
  unset "args[\$norun]"
fi
exec "$real_bazel" "\${args[@]}"
EOF
  chmod +x "$ROOT/bin/bazel"
  write_if_changed "$ROOT/env.sh" <<EOF
# Generated by rules_go_hot scripts/bazel/setup.sh — source it: . "$ROOT/env.sh"
export RULES_GO_HOT_BAZEL_ROOT="$ROOT"
export RULES_GO_HOT_BAZELRC="$ROOT/bazelrc"
case ":\$PATH:" in
  *":$ROOT/bin:"*) ;;
  *) export PATH="$ROOT/bin:\$PATH" ;;
esac
EOF
}

# ------------------------------------------------------------------------------ main
echo "[setup] root: $ROOT"
if apt_check; then
  STEP_NO=1; echo "[setup] step 1/$STEP_TOTAL: apt packages: up to date ($(elapsed))"
else
  echo "[setup] step 1/$STEP_TOTAL: apt packages: installing (apt-get update + install, ~30s) ... ($(elapsed))"
  run_step "apt packages (${APT_PACKAGES[*]})" "" step_apt
fi
STEP_NAME="go environment"
command -v go >/dev/null || die "go not found on PATH"
GOROOT_HOST=${GOROOT_HOST:-$(go env GOROOT)}
[ -x "$GOROOT_HOST/bin/go" ] || die "GOROOT $GOROOT_HOST has no bin/go"
GOVERSION_HOST=$("$GOROOT_HOST/bin/go" env GOVERSION)

run_step "rules_go $RULES_GO_VERSION (Go proxy + patches)" "$RULES_GO_VERSION" step_rules_go "$REPOS/io_bazel_rules_go"
run_step "bazel-gazelle $GAZELLE_VERSION (Go proxy + patches)" "$GAZELLE_VERSION" step_gazelle "$REPOS/bazel_gazelle"
run_step "stand-in repositories (rules_cc, platforms, rules_shell, remote_coverage_tools)" "$(uname -m)" step_standins "$REPOS/remote_coverage_tools"
run_step "host Go SDK repository ($GOVERSION_HOST at $GOROOT_HOST)" "" step_env_repo
run_step "ibazel $IBAZEL_VERSION" "$IBAZEL_VERSION" step_ibazel "$ROOT/bin/ibazel"
run_step "buildifier ($BUILDTOOLS_VERSION)" "$BUILDTOOLS_VERSION" step_buildifier "$ROOT/bin/buildifier"
compute_overrides
run_step "env.sh + bazelrc" "" step_contract

STEP_NAME="--link"
for d in "${LINK_DIRS[@]}"; do
  ln -sfn "$ROOT/bazelrc" "$d/.rules_go_hot.bazelrc"
  echo "[setup] linked $d/.rules_go_hot.bazelrc -> $ROOT/bazelrc"
done
echo "[setup] ready in $(elapsed): source $ROOT/env.sh"
