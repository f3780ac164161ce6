package main

import (
	"fmt"
	"io"

	"github.com/gohot/rules_go_hot/hotreload/internal/gocmd"
)

// goflagsVerb is `hotreload goflags`: the flags (for GOFLAGS) that make a
// plain go command build instrumented.
func goflagsVerb(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("goflags", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	self, ok := executable(stderr)
	if !ok {
		return 1
	}
	fmt.Fprintln(stdout, gocmd.ToolexecFlag(self))
	return 0
}
