// Command hotreload builds Go programs whose every function can be
// redirected at run time, and (in later milestones) runs them with live
// patching.
package main

import (
	"os"

	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
)

func main() {
	if toolexec.IsToolInvocation(os.Args[1:]) {
		os.Exit(toolexec.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(runCLI(os.Args[1:]))
}
