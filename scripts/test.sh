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

echo "[test] go test"
start=$(date +%s)
go test -count=1 -timeout 40m ./... 2>&1 | tee /tmp/rules_go_hot-test.log
status=${PIPESTATUS[0]}
echo "[test] go test finished in $(( $(date +%s) - start )) s"
exit "$status"
