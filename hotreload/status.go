package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// statusRequest and printStatus are `hotreload status`: a running
// program's generations and the functions each switched.
func statusRequest([]string, io.Writer) (protocol.Request, bool) {
	return protocol.Request{Op: protocol.OpStatus}, true
}

func printStatus(w io.Writer, r *protocol.Response) {
	fmt.Fprintf(w, "pid %d, build %s, generation %d\n", r.PID, r.BuildID, r.Gen)
	if r.TrustedKey != "" {
		fmt.Fprintf(w, "  signed mode: loads only patches signed by key %s\n", r.TrustedKey)
	}
	if a := r.Applying; a != nil {
		fmt.Fprintf(w, "  applying patch %s (%s) since %s: being verified or loaded (its init may still be running)\n", a.PatchID, a.Plugin, a.Since)
	}
	for _, g := range r.Generations {
		what := "apply " + g.PatchID
		if g.Kind == protocol.KindRevert && g.To != nil {
			what = fmt.Sprintf("revert to gen %d", *g.To)
		}
		fmt.Fprintf(w, "  gen %d  %s  %s  %s\n", g.Gen, g.Time, what, strings.Join(g.Functions, ", "))
	}
}
