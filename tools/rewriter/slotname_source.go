package rewriter

import _ "embed"

// SlotNameSource is the text of slotname.go, which the hot compiler
// compiles into cmd/compile (package clause changed) to recognize
// prologues by the very code that names their slots.
//
//go:embed slotname.go
var SlotNameSource string
