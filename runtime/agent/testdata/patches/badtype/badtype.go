// A patch whose second pair does not fit its slot: the agent must refuse
// it before switching the first.
package main

import (
	_ "unsafe" // for go:linkname

	"example.com/agenthost/lib"
)

//go:linkname greetSlot main.GoHotS_greet
var greetSlot func() string

var GoHotPatchSlots = []any{
	&lib.GoHotS_word, func() string { return "bad" },
	&greetSlot, func() int { return 1 },
}

var GoHotPatchNames = []string{"example.com/agenthost/lib.word", "main.greet"}
