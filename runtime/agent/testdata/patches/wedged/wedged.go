// A patch whose init never returns: the agent must give up on it, say so,
// and go on serving (and applying other patches).
package main

import "example.com/agenthost/lib"

var GoHotPatchSlots = []any{&lib.GoHotS_word, func() string { return "wedged" }}

var GoHotPatchNames = []string{"example.com/agenthost/lib.word"}

func init() { select {} }
