package main

import (
	"fmt"
	"io"

	"github.com/gohot/rules_go_hot/hotreload/internal/bazelkit"
)

// kitVerb is `hotreload kit`: it writes a go_hot_binary's patch kit as one
// self-contained directory (go_hot_binary's `patch_kit` output group runs
// it), which CI archives to build patches for that binary later.
func kitVerb(args []string, stdout, stderr io.Writer) int {
	fs := newBazelKitFlags("kit", stderr, "the go_hot_binary's kit description (kit.exec.json)", "the directory to write the kit to")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *fs.desc == "" || *fs.out == "" || fs.NArg() != 0 {
		return misuse(stderr, "kit")
	}
	k, _, err := bazelkit.Load(bazelkit.Options{Kit: *fs.desc, Runfiles: *fs.root, Dir: *fs.out})
	if err != nil {
		fmt.Fprintf(stderr, "hotreload kit: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "hotreload kit: %s: %d packages (%d of the workspace, rewritten sources in rewritten/), binary %s\n", *fs.out, len(k.Packages), len(k.Rewritten()), k.BuildID)
	return 0
}
