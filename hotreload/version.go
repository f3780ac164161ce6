package main

import (
	"fmt"
	"io"

	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
)

// versionVerb is `hotreload version`: the marker hot objects are cached
// under (hotreload's own build, which decides how they are instrumented).
func versionVerb(args []string, stdout, stderr io.Writer) int {
	id, err := toolexec.SelfID()
	if err != nil {
		fmt.Fprintf(stderr, "hotreload: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "hotreload %s-%s\n", toolexec.Marker, id)
	return 0
}
