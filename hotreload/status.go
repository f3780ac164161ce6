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
	if d := disk(r); d != "" {
		fmt.Fprintf(w, "  %s\n", d)
	}
	for _, g := range r.Generations {
		what := "apply " + g.PatchID
		if g.Kind == protocol.KindRevert && g.To != nil {
			what = fmt.Sprintf("revert to gen %d", *g.To)
		}
		fmt.Fprintf(w, "  gen %d  %s  %s  %s\n", g.Gen, g.Time, what, strings.Join(g.Functions, ", "))
	}
}

// disk is status's line about disk use: "state: DIR, 24.0 MB in 57 files
// (patches 12.0 MB, 1 plugin); private copies 0 B", or "" when the agent
// says nothing of it.
func disk(r *protocol.Response) string {
	var parts []string
	switch {
	case r.StateError != "":
		parts = append(parts, "state: "+r.StateError)
	case r.StateDir != "":
		partial := ""
		if r.StatePartial {
			partial = " at least"
		}
		parts = append(parts, fmt.Sprintf("state: %s,%s %s in %d files (patches %s, %d %s)", r.StateDir, partial,
			size(r.StateBytes), r.StateFiles, size(r.PatchesBytes), r.PatchesPlugins, plural(r.PatchesPlugins, "plugin")))
	}
	if r.CopyBytes != nil {
		parts = append(parts, "private copies "+size(*r.CopyBytes))
	}
	return strings.Join(parts, "; ")
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
