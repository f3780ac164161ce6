// Package hotcompile builds and finds the hot compiler: the toolchain's
// own cmd/compile, built from its sources with a few changes, so that an
// instrumented package is inlined exactly as the plain one is.
//
// Every function of a hot build starts with a prologue that reads the
// function's slot and, when it is set, calls the redirect
// ("if h := GoHotS_F; h != nil { return h(x) }"). The stock inliner
// charges that call ~57 of its budget of 80 and the rest of the prologue
// ~13 more, so most small functions stop being inlined: the main cost of
// instrumentation (docs/PERFORMANCE.md). The hot compiler's inliner
// charges a prologue nothing — the way it already charges coverage
// counters nothing — so a function is inlinable, and is inlined where,
// exactly when the plain build's is.
//
// What an inlined copy does with its prologue is $GOHOT_INLINE's
// (InlineEnv). Kept (a test's build: a mock must reach every copy of what
// it redirects), the copy reads the callee's slot, so a redirect reaches
// every caller it was inlined into, in any package, at once. Dropped (a
// hot build, for live reload), the copy costs exactly what the plain
// build's does, and the compiler records in the package's archive which
// function it inlined where (InlinedMember, ReadInlined): a patch of the
// callee replaces those callers too (the patcher's inlined.go). Function
// literals of code a patch may replace keep them (InlineRecord): patching
// the enclosing function again would not reach a closure made earlier.
//
// A prologue is recognized by the slot it reads, named by the rewriter:
// the very file that defines those names (tools/rewriter/slotname.go) is
// compiled into the inliner. The change is an exact text replacement of
// this Go version's inliner source: when it does not apply (another Go
// version), Build refuses with the file and the text looked for, and hot
// builds use the stock compiler (correct, slower).
package hotcompile
