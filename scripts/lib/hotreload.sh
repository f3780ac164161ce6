# shellcheck shell=bash
# The one way the scripts (scripts/, bench/) get a hotreload command;
# internal/hotbin is the Go tests' and tools' side. Source it:
#
#   . "$root/scripts/lib/hotreload.sh"
#
# Environment:
#   HOTRELOAD  a prebuilt hotreload to use instead of building one from this
#              tree (hotreload_use here, hotbin.Path in Go). Every new
#              hotreload binary changes the cache key of every instrumented
#              compile (a cold instrumented standard library takes
#              minutes): pin one across runs.

hotreload_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# hotreload_build OUT [GO BUILD FLAGS...]: builds this repository's
# hotreload into OUT.
hotreload_build() {
	local out=$1
	shift
	mkdir -p "$(dirname "$out")" || return 1
	(cd "$hotreload_repo" && go build "$@" -o "$out" ./hotreload)
}

# hotreload_use DEFAULT: sets HOTRELOAD to the absolute path of the
# hotreload to use: the one $HOTRELOAD names, else one built from this tree
# into DEFAULT.
hotreload_use() {
	if [[ -z ${HOTRELOAD:-} ]]; then
		HOTRELOAD=$1
		_hotreload_log "building hotreload from $hotreload_repo into $HOTRELOAD"
		hotreload_build "$HOTRELOAD" || return 1
	fi
	HOTRELOAD=$(cd "$(dirname "$HOTRELOAD")" && pwd)/$(basename "$HOTRELOAD")
}

# hotreload_for_bazel: exports RULES_GO_HOT_HOTRELOAD, the prebuilt
# hotreload the hot SDK's repository rule takes (docs/BAZEL.md): this
# tree's, built with -trimpath as that rule builds it, and named by its
# content under $RULES_GO_HOT_BAZEL_ROOT/hotreload as hotbin.ForBazel names
# it for the Bazel tests, so that demos, benchmarks and tests share one
# binary and a warm cache.
hotreload_for_bazel() {
	local tmp=$RULES_GO_HOT_BAZEL_ROOT/hotreload/build-$$
	hotreload_build "$tmp" -trimpath || return 1
	RULES_GO_HOT_HOTRELOAD=$RULES_GO_HOT_BAZEL_ROOT/hotreload/hotreload-$(sha256sum "$tmp" | cut -c1-12)
	mv "$tmp" "$RULES_GO_HOT_HOTRELOAD" || return 1
	export RULES_GO_HOT_HOTRELOAD
}

# _hotreload_log says what it does through the script's log function, if
# it has one.
_hotreload_log() {
	if declare -F log >/dev/null; then
		log "$@"
	else
		echo "$*" >&2
	fi
}
