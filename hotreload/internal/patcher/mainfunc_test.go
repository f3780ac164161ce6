package patcher

import (
	"testing"
)

// Editing main.main builds and loads: its body takes functions of package
// main as values (http.HandleFunc("/health", handleHealth) on
// examples/visits), which used to fail the link with "missing section for
// relocation target main.handleHealth". A function of package main taken
// as a value in a function that runs again is that very function.
func TestMainFuncValues(t *testing.T) {
	s := newSession(t)
	s.want("call", "result 1 L:s 7 b hello x 1")
	s.edit("main.go", "\ts := lib.New()\n", "\ts := lib.New()\n\thello, load := greet, apply\n")
	s.edit("main.go", `greet("x"), lib.Hits())`, `hello("x"), lib.Hits())`)
	s.edit("main.go", `if err := apply(f[1]); err != nil {`, `if err := load(f[1]); err != nil {`)
	wantFunctions(t, s.patch(), "example.com/app.main")
	// main.main is running: its new body is not, the program answers as before.
	s.want("call", "result 2 L:s 7 b hello x 2")

	s.edit("main.go", mainShow, `func show(it *lib.Item) string { g := greet; return fmt.Sprint(it.ID, " ", g(it.Name), " ", it.Count()) }`)
	s.patch()
	s.want("item", "item 1 hello n 1 123 [0 1 2]")
}

// Package main's types and generic functions are the patch's to use: the
// kit compiles package main as "main" and the patch imports it.
func TestMainTypesAndGenerics(t *testing.T) {
	s := newSession(t)
	s.edit("main.go", mainShow, `func show(it *lib.Item) string { var c counter = 40; c += 2; return first(it.Name, "") + fmt.Sprint(" ", c) }`)
	wantFunctions(t, s.patch(), "example.com/app.show")
	s.want("item", "item n 42 123 [0 1 2]")
}
