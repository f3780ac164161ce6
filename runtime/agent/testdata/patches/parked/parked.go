// Patch "parked": functions that goroutines of the host are parked in
// (main.main, lib.Wait) and one nobody is inside (lib.word).
package main

import (
	_ "unsafe" // for go:linkname

	"example.com/agenthost/lib"
)

//go:linkname mainSlot main.GoHotS_main
var mainSlot func()

var GoHotPatchSlots = []any{
	&mainSlot, func() {},
	&lib.GoHotS_Wait, func(ch chan struct{}) { <-ch },
	&lib.GoHotS_word, func() string { return "parked" },
}

// main's display name is its package path, as the patcher spells it.
var GoHotPatchNames = []string{"example.com/agenthost.main", "example.com/agenthost/lib.Wait", "example.com/agenthost/lib.word"}
