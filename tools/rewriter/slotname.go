package rewriter

// This file is self-contained (std imports only, names starting with
// "hot"): the hot compiler (hotreload/internal/hotcompile) compiles this
// very text into cmd/compile's inliner, which is how it recognizes a
// prologue. One definition of the names serves both.

import "strings"

// hotPrefixBase starts every generated identifier; a package whose own
// identifiers start with it takes hotPrefixBase+"2", "3"... and a package
// with a dot import hotPrefixBase+"D"+8 hex digits (+ digits).
const hotPrefixBase = "GoHot"

// The kinds of generated names a prologue reads its redirect from: a
// function's slot, its race-mode loader, a function literal's slot and
// loader.
const (
	hotSlotKind          = "S"
	hotLoaderKind        = "L"
	hotClosureSlotKind   = "C"
	hotClosureLoaderKind = "CL"
)

// IsHotGenerated reports whether name, a function's, is one the rewriter
// generated (or a user's that starts like one: treated alike, safely).
func IsHotGenerated(name string) bool {
	return strings.HasPrefix(name, hotPrefixBase)
}

// IsHotPrologueSlot reports whether name is the name of a slot, or of a
// slot's loader, that the rewriter generated: what a prologue's
// "if h := <slot>; h != nil" reads.
func IsHotPrologueSlot(name string) bool {
	rest, ok := strings.CutPrefix(name, hotPrefixBase)
	if !ok {
		return false
	}
	if len(rest) > 9 && rest[0] == 'D' && strings.Trim(rest[1:9], "0123456789abcdef") == "" {
		rest = rest[9:]
	}
	rest = strings.TrimLeft(rest, "0123456789")
	for _, kind := range []string{hotClosureLoaderKind, hotSlotKind, hotLoaderKind, hotClosureSlotKind} {
		if strings.HasPrefix(rest, kind+"_") {
			return true
		}
	}
	return false
}
