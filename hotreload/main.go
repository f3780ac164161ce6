// Command hotreload builds Go programs in which every function can be
// redirected at run time; see `hotreload help`.
//
// The same executable is also the compile wrapper the go command runs
// through -toolexec: invoked with a tool's absolute path as its first
// argument, it acts as that tool.
package main

import (
	"os"

	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
)

func main() {
	os.Exit(realMain())
}

func realMain() int {
	if toolexec.IsToolInvocation(os.Args[1:]) {
		return toolexec.Run(os.Args[1:], os.Stdout, os.Stderr)
	}
	return runCLI(os.Args[1:], os.Stdout, os.Stderr)
}
