// Package hotcompile builds and finds the hot compiler: the toolchain's
// own cmd/compile, built from its sources with one change, so that an
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
// exactly when the plain build's is. An inlined copy keeps its prologue:
// it still reads the callee's slot, so a patch of the callee reaches every
// caller it was inlined into, in any package, at once.
//
// A prologue is recognized by the slot it reads, named by the rewriter:
// the very file that defines those names (tools/rewriter/slotname.go) is
// compiled into the inliner. The change is an exact text replacement of
// this Go version's inliner source: when it does not apply (another Go
// version), Build refuses with the file and the text looked for, and hot
// builds use the stock compiler (correct, slower).
package hotcompile
