package main

import (
	"io"

	"github.com/gohot/rules_go_hot/hotreload/internal/gocmd"
)

// buildVerb is `hotreload build`: go build with every package
// instrumented, cgo on and external linking, as a plugin host needs.
func buildVerb(args []string, stdout, stderr io.Writer) int {
	self, ok := executable(stderr)
	if !ok {
		return 1
	}
	verbose := false
	if len(args) > 0 && (args[0] == "-v" || args[0] == "--verbose") {
		verbose, args = true, args[1:]
	}
	return gocmd.Run(gocmd.Command(self, "build", args, true), stderr, verbose)
}
