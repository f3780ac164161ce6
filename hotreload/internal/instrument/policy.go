package instrument

import (
	"os"
	"strings"
)

// Excluded lists the packages compiled as they are, without instrumentation,
// each with the reason found by testing. Keep it as small as possible: a
// package listed here cannot be patched or mocked.
var Excluded = map[string]string{
	// The patch loader itself. A patch that redirected plugin.Open would
	// break every later load; and instrumented, plugin.Open is too costly
	// to inline, so a debugger finds a function of its own to watch for
	// plugin loads: delve 1.27 breakpoints its returns and, on detach,
	// leaves them armed, and the next patch died of SIGTRAP
	// (docs/PATCH-LINKING.md, "DWARF and debuggers"). Plain, it is
	// inlined into the agent, as in any program.
	"plugin": "the patch loader",
}

// NoEscape says whether packages other than the runtime's own pass
// arguments to redirects without making them escape (see the rewriter's
// Config.NoEscape). Runtime packages always do: they may not allocate.
var NoEscape = false

// runtimePackages are the packages the compiler treats as part of the
// runtime (cmd/internal/objabi's runtimePkgs in Go 1.26): implicit heap
// allocation is a compile error there, so their redirects must not make
// arguments escape.
var runtimePackages = map[string]bool{
	"runtime":                          true,
	"internal/runtime/atomic":          true,
	"internal/runtime/cgroup":          true,
	"internal/runtime/exithook":        true,
	"internal/runtime/gc":              true,
	"internal/runtime/gc/scan":         true,
	"internal/runtime/maps":            true,
	"internal/runtime/math":            true,
	"internal/runtime/sys":             true,
	"internal/runtime/syscall/linux":   true,
	"internal/runtime/syscall/windows": true,
	"internal/abi":                     true,
	"internal/bytealg":                 true,
	"internal/byteorder":               true,
	"internal/chacha8rand":             true,
	"internal/coverage/rtcov":          true,
	"internal/cpu":                     true,
	"internal/goarch":                  true,
	"internal/godebugs":                true,
	"internal/goexperiment":            true,
	"internal/goos":                    true,
	"internal/profilerecord":           true,
	"internal/strconv":                 true,
	"internal/stringslite":             true,
}

// IsRuntimePackage also covers runtime packages added by newer Go releases.
func IsRuntimePackage(path string) bool {
	return runtimePackages[path] || path == "runtime" || strings.HasPrefix(path, "runtime/internal/") || strings.HasPrefix(path, "internal/runtime/")
}

// NoEscapeEnv, set to 1, makes every package pass arguments to redirects
// without making them escape (rewriter Config.NoEscape), not only the
// runtime's. Faster, but a replacement must then not retain pointer
// arguments that the original did not. The compile wrapper makes it part of
// its version marker, so the build cache keeps the two kinds of objects
// apart.
const NoEscapeEnv = "GOHOT_NOESCAPE"

// NoEscapeAll reports whether every package's redirects keep their
// arguments on the stack (NoEscape, or NoEscapeEnv=1).
func NoEscapeAll() bool { return NoEscape || os.Getenv(NoEscapeEnv) == "1" }
