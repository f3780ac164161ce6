// Package fidelity is the edit-fidelity oracle: it proves, on real programs,
// that a patched process answers exactly as a fresh build of the same
// sources would (invariant 9 of the design), and that what cannot be patched
// is refused truly.
//
// A corpus program (corpus/*.txtar, format in spec.go) names a module from
// the Go module proxy, used unmodified, its main package, how to start it,
// what to observe (HTTP requests, TCP conversations) and a list of realistic
// edits. For each program the oracle:
//
//  1. copies the module into a scratch directory and runs it under
//     `hotreload run --events=json`;
//  2. observes the running program (the baseline) and checks it against a
//     plain `go build` of the same sources, started fresh;
//  3. for each edit: saves it the way editors do (in place, or written to a
//     temporary file and renamed over), waits for the event, observes the
//     process, builds the edited sources plainly, starts that binary fresh,
//     observes it the same way and compares; then undoes the edit and checks
//     the process answers as the baseline again.
//
// Each edit gets one class (see Class): applied and faithful, applied with a
// note that it is not (yet) visible (the event's not_live field), applied but different (the one class
// that must never occur), refused (with the reason checked), error,
// unchanged, crash or hang. Observations are normalised only for what
// differs by nature (ports, times, random ids: the program's `normalize`
// rules).
//
// Run it with `go run ./tools/fidelity/cmd/fidelity` (scripts/fidelity.sh
// runs the whole corpus); TestCorpusCI runs the CI subset.
package fidelity
