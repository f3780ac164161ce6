// Package reach tells, for a patch, which changes the running program will
// not see by itself (invariant 7: "applied" means observable; what cannot
// take effect is reported, never hidden). A slot switch redirects the next
// call of a function. It cannot re-run code that already ran and will not
// run again, nor change function values the old code already made. The
// patcher turns what this package finds into notes of the `applied` event.
//
// Two findings, both static, over the current sources of the changed
// package and of the program's main-module packages that import it,
// directly or not (every call chain from main.main or an init to the
// changed package runs through those):
//
// Start-up-only functions. A changed function F is start-up-only when the
// program can only ever call it during its start-up, which is over (or, for
// code reached from main.main, may be over): what F did then (a route
// table, a middleware chain, an observer it registered, a value it built)
// keeps the old behaviour until a restart. F is start-up-only when
//
//   - it is a package-level function (not a method: a method can be called
//     through an interface or a method value, which this analysis does not
//     follow), other than main.main and init;
//   - every reference to it in the program is a direct call (F(...),
//     pkg.F(...), F[T](...)): a function used as a value (a handler
//     registered with http.HandleFunc, a callback) can be called any time;
//   - it has at least one call, and every call is a "once" call: in the
//     body of main.main, of an init function, of a package variable's
//     initializer, or of another start-up-only function; not inside a
//     function literal (which may run any time), a for or range statement
//     (which repeats), or a defer (which has not run yet);
//   - recursion does not count as a once call (the least fixed point).
//
// A new function (not in the base) that is start-up-only is noted too: the
// start-up code that ran was the old version, which does not call it.
//
// The callers are looked for in those packages (only main-module packages
// can import a main-module package), by syntax: a local variable or parameter that shadows the function's name
// counts as a use, which can only make a function not start-up-only. Calls
// by reflection or //go:linkname are not seen. main.main itself is left to
// the agent, which sees its goroutine still inside the old code.
//
// Changed function literals. Function literals have no prologue: editing a
// closure re-patches the function that contains it, so closures the old
// code made before the patch (handlers and middleware registered at
// start-up, callbacks stored in structs) keep running the old body; only
// closures made from now on run the new one. For each changed function,
// the literals of the base and current bodies are compared by text; each
// innermost literal whose text is new gets a note with its file:line,
// except a literal that is called right where it is written (func(){...}(),
// go func(){...}(), defer func(){...}()), which leaves no value behind.
// In a start-up-only function, main.main or init, the note says the values
// were made at start-up.
//
// Goroutines already executing an old body (main.main blocked in a server,
// a worker's loop) are found at run time, by the agent's stack scan
// (runtime/agent, oldcode.go), not here.
package reach
