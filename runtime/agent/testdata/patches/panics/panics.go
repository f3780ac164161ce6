// A patch whose init panics: the agent must refuse it and keep running.
package main

import "example.com/agenthost/lib"

var GoHotPatchSlots = []any{&lib.GoHotS_word, func() string { return "panicked" }}

var GoHotPatchNames = []string{"example.com/agenthost/lib.word"}

func init() { panic("boom in the patch's init") }
