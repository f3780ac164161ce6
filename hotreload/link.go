package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/bazelkit"
	"github.com/gohot/rules_go_hot/hotreload/internal/bazellink"
	"github.com/gohot/rules_go_hot/hotreload/internal/hotlink"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

// linkVerb is `hotreload link`: what go_hot_binary links itself (package
// bazellink). With --std, the standard library's archives (rules_go's
// stdlib directory) as one shared library; with --linker, the private
// linker its patches are linked with (package hotlink); with --bazel-kit,
// the program its kit description names, -linkshared against that
// library, with the linker flags after "--" (go_binary's x_defs and
// gc_linkopts).
func linkVerb(args []string, stdout, stderr io.Writer) int {
	fs := newBazelKitFlags("link", stderr, "the go_hot_binary's kit description (kit.exec.json): link its program", "the file to write")
	std := fs.String("std", "", "rules_go's standard library directory: link it as a shared library")
	linker := fs.Bool("linker", false, "build the private linker of the SDK")
	sdkFile := fs.String("sdk", "", "the hot SDK's sdk.json (with --std and --linker)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	modes := 0
	for _, on := range []bool{*std != "", *linker, *fs.desc != ""} {
		if on {
			modes++
		}
	}
	if *fs.out == "" || modes != 1 || (*fs.desc == "") != (*sdkFile != "") || (*fs.desc == "" && fs.NArg() != 0) {
		return misuse(stderr, "link")
	}
	ctx := context.Background()
	var err error
	switch {
	case *fs.desc != "":
		var d *bazelkit.Description
		var sdk *bazelkit.SDK
		if d, sdk, err = bazelkit.Read(*fs.desc, *fs.root); err == nil {
			var p *bazellink.Program
			if p, err = bazelkit.Program(d, *fs.root); err == nil {
				p.Flags = fs.Args()
				err = p.Link(ctx, sdk.ToolDir, *fs.out)
			}
		}
	default:
		sdk := new(bazelkit.SDK)
		if err = bazelkit.ReadJSON(*sdkFile, sdk); err != nil {
			break
		}
		if *std != "" {
			var archives map[string]string
			if archives, err = bazelkit.StdArchives(*std); err == nil {
				err = bazellink.Std(ctx, sdk.ToolDir, archives, *fs.out)
			}
			break
		}
		err = buildLinker(ctx, sdk, *fs.out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hotreload link: %v\n", err)
		return 1
	}
	return 0
}

// buildLinker builds the SDK's private linker into out. In a build
// action with no user cache, the go command's build cache is a temporary
// directory.
func buildLinker(ctx context.Context, sdk *bazelkit.SDK, out string) error {
	tmp, err := os.MkdirTemp("", "gohot-linker")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if os.Getenv("HOME") == "" {
		// The go command needs a build cache and a GOPATH (its module
		// cache, which no -overlay may replace files beneath).
		for _, v := range []string{"GOCACHE", "GOPATH"} {
			if os.Getenv(v) == "" {
				os.Setenv(v, filepath.Join(tmp, strings.ToLower(v)))
			}
		}
	}
	l, err := hotlink.Build(ctx, sdk.GOROOT, sdk.GoVersion, tmp)
	if err != nil {
		return err
	}
	return kit.LinkOrCopy(l.Path, out)
}
