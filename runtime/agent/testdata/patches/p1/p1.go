// Patch 1: a function of package main, an unexported function, a method of
// an unexported type (keeping its state) and a generic function.
package main

import (
	_ "unsafe" // for go:linkname

	"example.com/agenthost/lib"
)

//go:linkname greetSlot main.GoHotS_greet
var greetSlot func() string

var maxes = []interface{}{func(a, b int) int { return -1 }}

var GoHotPatchSlots = []any{
	&greetSlot, func() string { return "hi" },
	&lib.GoHotS_word, func() string { return "one" },
	&lib.GoHotS_counter_incr, func(c *lib.GoHotT_counter) int { *lib.GoHotF_counter_n(c) += 10; return *lib.GoHotF_counter_n(c) },
	&lib.GoHotS_Max, &maxes,
}

var GoHotPatchNames = []string{"main.greet", "example.com/agenthost/lib.word", "example.com/agenthost/lib.counter.incr", "example.com/agenthost/lib.Max"}
