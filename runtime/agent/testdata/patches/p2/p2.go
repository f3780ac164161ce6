// Patch 2: only lib.word.
package main

import "example.com/agenthost/lib"

var GoHotPatchSlots = []any{&lib.GoHotS_word, func() string { return "two" }}

var GoHotPatchNames = []string{"example.com/agenthost/lib.word"}
