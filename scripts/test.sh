#!/usr/bin/env bash
# The whole test suite: formatting, vet, and every Go test (unit, golden,
# script tests that build real hot binaries and load real plugins).
# CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v gcc >/dev/null; then
	echo "[test] installing gcc (hot builds and plugins need cgo)"
	apt-get update -qq && apt-get install -y -qq gcc >/dev/null
fi

echo "[test] gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '/testdata/') || true)
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:"; echo "$unformatted"; exit 1
fi

echo "[test] go vet"
go vet ./...

# Bazel 4.2.3 + adapted rules_go/Gazelle, offline (idempotent; fast when done).
echo "[test] Bazel setup (scripts/bazel/setup.sh)"
bash scripts/bazel/setup.sh --link .
# shellcheck disable=SC1091
. "${RULES_GO_HOT_BAZEL_ROOT:-$HOME/.cache/rules_go_hot/bazel}/env.sh"
# The Bazel integration tests (rules/) must run here, not skip.
export RULES_GO_HOT_REQUIRE_BAZEL=1

echo "[test] buildifier"
buildifier -mode=check -lint=warn $(git ls-files '*.bzl' '*.bazel' 'WORKSPACE' 'MODULE.bazel' | grep -v '/testdata/')

echo "[test] go test"
start=$(date +%s)
go test -count=1 -timeout 60m ./... 2>&1 | tee /tmp/rules_go_hot-test.log
status=${PIPESTATUS[0]}
echo "[test] go test finished in $(( $(date +%s) - start )) s"
exit "$status"
