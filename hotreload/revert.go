package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// revertRequest and printReverted are `hotreload revert`: have a running
// program go back to a generation (by default the one before its current
// one).
func revertRequest(args []string, stderr io.Writer) (protocol.Request, bool) {
	req := protocol.Request{Op: protocol.OpRevert}
	if len(args) == 1 {
		g, err := strconv.Atoi(args[0])
		if err != nil || g < 0 {
			fmt.Fprintf(stderr, "hotreload revert: %q is not a generation number\n", args[0])
			return req, false
		}
		req.Gen = &g
	}
	return req, true
}

func printReverted(w io.Writer, r *protocol.Response) {
	fmt.Fprintf(w, "reverted: now generation %d (%d functions switched)\n", r.Gen, len(r.Functions))
	printNotes(w, r.Notes)
}
