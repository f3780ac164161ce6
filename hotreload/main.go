// Command hotreload builds Go programs in which every function can be
// redirected at run time; see `hotreload help`.
//
// The same executable is also the compile wrapper the go command runs
// through -toolexec: invoked with a tool's absolute path as its first
// argument, it acts as that tool.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gohot/rules_go_hot/hotreload/internal/gocmd"
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

// executable is the path the go command is to run hotreload by, as its
// -toolexec program (see gocmd.Self); ok is false if there is none, which
// it has reported.
func executable(stderr io.Writer) (path string, ok bool) {
	path, err := gocmd.Self()
	if err != nil {
		fmt.Fprintf(stderr, "hotreload: cannot find own executable: %v\n", err)
		return "", false
	}
	return path, true
}
