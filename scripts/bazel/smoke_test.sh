#!/usr/bin/env bash
# scripts/bazel/smoke_test.sh — check that the offline Bazel setup (scripts/bazel/setup.sh) works:
# runs setup.sh (seconds when already done), copies scripts/bazel/testdata/hello to
# $ROOT/smoke/hello (so nothing is written into the git tree), links the generated rc into it
# (setup.sh --link), checks ibazel and buildifier are on PATH (buildifier -mode=check on the
# copy), then: bazel build, bazel test, bazel run, an incremental rebuild after an
# edit, a test that must now fail, and (SMOKE_GAZELLE=1, the default) `bazel run //:gazelle --
# -mode=diff` which builds Gazelle and checks the committed BUILD.bazel is what Gazelle generates.
#
# Bazel state lives under the setup root, so later runs are warm:
#   --output_user_root=$ROOT/output_user_root, --disk_cache/--repository_cache (from the rc).
# Env: RULES_GO_HOT_BAZEL_ROOT (as setup.sh), SMOKE_GAZELLE=0 to skip Gazelle,
#      KEEP_SERVER=1 to leave the Bazel server running (default: shut it down at the end).
# Bazel output goes to $ROOT/logs/smoke-*.log; the tail is shown on failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SRC=$HERE/testdata/hello
SMOKE_GAZELLE=${SMOKE_GAZELLE:-1}
KEEP_SERVER=${KEEP_SERVER:-0}

"$HERE/setup.sh"
ROOT=$(cd "${RULES_GO_HOT_BAZEL_ROOT:-$HOME/.cache/rules_go_hot/bazel}" && pwd -P)
# shellcheck source=/dev/null
. "$ROOT/env.sh"

W=$ROOT/smoke/hello
# Refresh the copy but keep the directory itself: the Bazel client restarts a server whose
# workspace directory was deleted and recreated (KEEP_SERVER=1 would not help then).
mkdir -p "$W"
find "$W" -mindepth 1 -maxdepth 1 ! -name 'bazel-*' -exec rm -rf {} +
tar -C "$SRC" --exclude='./bazel-*' --exclude=./.rules_go_hot.bazelrc -cf - . | tar -C "$W" -xf -
"$HERE/setup.sh" --link "$W" | grep -E '^\[setup\] (linked|FAILED)' || true
[ -L "$W/.rules_go_hot.bazelrc" ] || { echo "[smoke] setup.sh --link did not link the rc" >&2; exit 1; }
cd "$W"

T0=${EPOCHREALTIME:-$(date +%s.%N)}
now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
SUMMARY=()
LOG=""
on_exit() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "[smoke] FAILED (exit $rc)" >&2
    [ -z "$LOG" ] || { echo "[smoke] last lines of $LOG:" >&2; tail -n 40 "$LOG" | sed 's/^/    /' >&2; }
  fi
  if [ "$KEEP_SERVER" != 1 ]; then
    bazel --output_user_root="$ROOT/output_user_root" shutdown >/dev/null 2>&1 || true
  fi
}
trap on_exit EXIT

# step NAME EXPECTED_RC -- bazel ARGS...: runs bazel, stdout+stderr to a log; checks the exit code.
step() {
  local name=$1 want=$2 t rc
  shift 3
  LOG=$ROOT/logs/smoke-$name.log
  t=$(now)
  set +e
  bazel --output_user_root="$ROOT/output_user_root" "$@" >"$LOG" 2>&1
  rc=$?
  set -e
  if [ "$rc" != "$want" ]; then
    echo "[smoke] $name: bazel $* exited $rc, want $want" >&2
    exit 1
  fi
  SUMMARY+=("$name $(secs "$t")s")
  echo "[smoke] $name: ok ($(secs "$t")s)"
}

expect_in_log() {
  grep -qF -- "$1" "$LOG" || { echo "[smoke] expected \"$1\" in the output" >&2; exit 1; }
}

# The tools setup.sh puts on PATH (env.sh).
command -v ibazel >/dev/null || { echo "[smoke] ibazel not on PATH after sourcing env.sh" >&2; exit 1; }
buildifier -mode=check -lint=warn WORKSPACE BUILD.bazel || { echo "[smoke] buildifier check failed" >&2; exit 1; }
echo "[smoke] ibazel, buildifier: ok"

step build 0 -- build //:hello //:hello_test
step test 0 -- test //:hello_test
expect_in_log "//:hello_test"
step run 0 -- run //:hello
expect_in_log "hello, bazel (go"

# Incremental rebuild after an edit (only the copy under $ROOT is edited).
sed -i 's/"hello, "/"hi, "/' greet.go
step rebuild 0 -- run //:hello
expect_in_log "hi, bazel (go"
# The test now fails: Bazel must report it (exit code 3 = build ok, tests failed).
step failing-test 3 -- test //:hello_test
expect_in_log "FAILED"

if [ "$SMOKE_GAZELLE" = 1 ]; then
  step gazelle 0 -- run //:gazelle -- -mode=diff
fi

echo "[smoke] all passed in $(secs "$T0")s: ${SUMMARY[*]}"
