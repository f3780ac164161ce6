// Package instrument owns the one decision of how a package is rewritten:
// the rewriter's settings, derived from how the package is compiled (its
// link path, language version, race mode, runtime flag) and from the
// instrumentation policy (packages left alone, packages whose redirects
// must not make arguments escape).
//
// The compile wrapper (toolexec) rewrites what it compiles with Rewrite;
// the vet wrapper rewrites what vet checks with it; the patch kit records
// each main-module package's rewrite with it, once, as its producers build
// the kit, and the patcher reads that record. No other place builds a
// rewriter.Config: two places that spelled it differently would disagree
// on the names of the slots a patch switches.
package instrument
