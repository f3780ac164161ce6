package main

import (
	"io"

	"github.com/gohot/rules_go_hot/hotreload/internal/gocmd"
)

// goVerb is `hotreload go`: any go command, on the instrumented program.
func goVerb(args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		return misuse(stderr, "go")
	}
	self, ok := executable(stderr)
	if !ok {
		return 1
	}
	switch args[0] {
	case "build", "install", "run":
		// A hot build; not a test's, whose mocks must reach every
		// inlined copy, nor vet's (its unsafeptr check would flag the
		// no-escape mode's laundering), nor list's.
		hotBuildDefaults()
	}
	useHotCompiler(stderr)
	return gocmd.Run(gocmd.Command(self, args[0], args[1:], false), stderr, false)
}
