package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/basepatch"
	"github.com/gohot/rules_go_hot/hotreload/internal/bazelkit"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/patcher"
)

// patchVerb is `hotreload patch`: it builds a patch for the binary a base
// kit describes from a newer build's sources (go_hot_patch runs it), or
// says why it cannot.
func patchVerb(args []string, stdout, stderr io.Writer) int {
	fs := newBazelKitFlags("patch", stderr, "this build: the go_hot_binary's kit description (kit.exec.json)", "the patch to write (its manifest goes to <o>.json)")
	baseDir := fs.String("kit", "", "the base: the patch kit of the running binary (a directory holding kit.json)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *baseDir == "" || *fs.desc == "" || *fs.out == "" || fs.NArg() != 0 {
		return misuse(stderr, "patch")
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "hotreload patch: %v\n", err)
		return 1
	}
	base, err := kit.Load(*baseDir)
	if err != nil {
		return fail(fmt.Errorf("the base kit: %v", err))
	}
	work, err := os.MkdirTemp("", "gohot-patch-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(work)
	absRoot, err := filepath.Abs(*fs.root)
	if err != nil {
		return fail(err)
	}
	cur, _, err := bazelkit.Load(bazelkit.Options{Kit: *fs.desc, Runfiles: *fs.root, Workspace: absRoot, Dir: filepath.Join(work, "kit")})
	if err != nil {
		return fail(fmt.Errorf("this build's kit: %v", err))
	}
	if err := os.MkdirAll(filepath.Join(work, "patches"), 0o755); err != nil {
		return fail(err)
	}
	res, err := basepatch.Build(base, cur, filepath.Join(work, "patches"), *fs.out)
	if err != nil {
		var ce *patcher.CompileError
		if errors.As(err, &ce) {
			return fail(fmt.Errorf("the new code does not compile:\n%s", indent(ce.Error())))
		}
		return fail(err)
	}
	fmt.Fprintf(stdout, "hotreload patch: %s: %d function(s) for binary %s:\n", *fs.out, len(res.Functions), base.BuildID)
	for _, f := range res.Functions {
		fmt.Fprintf(stdout, "    %s\n", f)
	}
	return 0
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
