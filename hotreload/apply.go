package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// applyRequest and printApplied are `hotreload apply`: have a running
// program apply a patch.
func applyRequest(args []string, stderr io.Writer) (protocol.Request, bool) {
	if len(args) != 1 {
		misuse(stderr, "apply")
		return protocol.Request{}, false
	}
	// The agent may run in another directory.
	so, _ := filepath.Abs(args[0])
	return protocol.Request{Op: protocol.OpApply, Plugin: so}, true
}

func printApplied(w io.Writer, r *protocol.Response) {
	fmt.Fprintf(w, "applied: generation %d, %d functions (verify %.1f ms, load %.1f ms, apply %.2f ms)\n", r.Gen, len(r.Functions), r.VerifyMS, r.LoadMS, r.ApplyMS)
	for _, f := range r.Functions {
		fmt.Fprintf(w, "  %s\n", f)
	}
	printNotes(w, r.Notes)
}
