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
// Config.NoEscape) regardless of the compiler. Runtime packages always
// do: they may not allocate.
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

// NoEscapeEnv says whether every package passes arguments to redirects
// without making them escape (rewriter Config.NoEscape), not only the
// runtime's: 1 turns it on. With the hot compiler the patcher
// checks the contract it brings — a replacement must not let a pointer
// argument escape further than the original body did (patcher's
// escape.go) — and refuses an edit that breaks it. The compile wrapper
// makes it part of its version marker, so the build cache keeps the two
// kinds of objects apart.
const NoEscapeEnv = "GOHOT_NOESCAPE"

// CompilerEnv names the hot compiler (hotcompile), which compiles the
// rewritten packages: its path, or StockCompiler (or nothing) for the
// toolchain's own compiler. The hot compiler inlines an instrumented
// package as the plain one is inlined; the stock one charges every
// prologue most of the inliner's budget.
const CompilerEnv = "GOHOT_COMPILER"

// StockCompiler is the CompilerEnv value that selects the toolchain's own
// compiler.
const StockCompiler = "stock"

// HotCompiler returns the hot compiler's path ($GOHOT_COMPILER), or ""
// when the stock compiler compiles.
func HotCompiler() string {
	if cc := os.Getenv(CompilerEnv); cc != StockCompiler {
		return cc
	}
	return ""
}

// NoEscapeAll reports whether every package's redirects keep their
// arguments on the stack: NoEscape, or NoEscapeEnv=1 with the hot
// compiler, whose escape results the patcher's check needs (a new body
// must not keep what its callers put on their stack). Hot builds (hotreload
// run, build, go build; the hot Bazel SDK) set NoEscapeEnv=1; tests
// (hotreload go test) leave it unset, as do -race builds (Settings.Race).
func NoEscapeAll() bool {
	return NoEscape || os.Getenv(NoEscapeEnv) == "1" && HotCompiler() != ""
}

// InlinedProloguesEnv says whether a hot build's inlined copies go without
// the callee's prologue (DropInlinedPrologues): then a function inlined
// into its callers costs them exactly what it costs a plain build, and a
// patch of it patches those callers again (the hot compiler records them:
// hotcompile.InlineEnv). hotreload run and build and the hot Bazel SDK set
// it; unset, every inlined copy keeps its prologue, as a mock needs (a
// redirect reaches every copy at once: hotreload go test).
const InlinedProloguesEnv = "GOHOT_INLINED_PROLOGUES"

// DropInlinedPrologues is the InlinedProloguesEnv value that drops them.
const DropInlinedPrologues = "drop"

// DropInlined reports whether inlined copies go without their prologues
// (only the hot compiler can drop them).
func DropInlined() bool {
	return HotCompiler() != "" && os.Getenv(InlinedProloguesEnv) == DropInlinedPrologues
}
