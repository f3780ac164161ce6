package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gohot/rules_go_hot/hotreload/internal/bazelkit"
	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/launcher"
	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
)

// runVerb is `hotreload run`: build the program hot (or take the binary
// a go_hot_binary built), run it, and patch it live on every save.
func runVerb(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", stderr)
	defaultFormat := os.Getenv("HOTRELOAD_EVENTS") // e.g. for `bazel run` of a go_hot_binary
	if defaultFormat == "" {
		defaultFormat = "human"
	}
	format := fs.String("events", defaultFormat, "report format: human or json (one JSON object per line, see docs/EVENTS.md); default $HOTRELOAD_EVENTS or human")
	rude := fs.Bool("restart-on-rude", false, "rebuild and restart the program (losing its state) on edits a live patch cannot take")
	tags := fs.String("tags", "", "build tags, as for go build")
	race := fs.Bool("race", false, "build with the race detector, as go build -race (patches too)")
	defaultLink := os.Getenv("HOTRELOAD_LINK")
	if defaultLink == "" {
		defaultLink = launcher.LinkShared
	}
	link := fs.String("link", defaultLink, "how patches are linked: shared (the program is linked against the instrumented standard library as a shared library, and patches against it: KB, not MB; no DWARF) or plugin (each patch carries what it imports; DWARF kept); see docs/LIVE-RELOAD.md; default $HOTRELOAD_LINK or shared")
	stateDir := fs.String("state-dir", "", "where to keep the binary, the patch kit and patches (default: the user cache dir)")
	bazelKit := fs.String("bazel-kit", "", "run the binary of a go_hot_binary target, described by its kit.json (set by the target's launcher script)")
	bazelRunfiles := fs.String("bazel-runfiles", "", "with --bazel-kit: the runfiles directory of the target's workspace")
	workspace := fs.String("workspace", os.Getenv("BUILD_WORKSPACE_DIRECTORY"), "with --bazel-kit: the Bazel workspace whose sources to watch (default: $BUILD_WORKSPACE_DIRECTORY, set by bazel run)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if *link != launcher.LinkPlugin && *link != launcher.LinkShared {
		fmt.Fprintf(stderr, "hotreload run: --link=%s: want plugin or shared\n", *link)
		return 2
	}
	var bazel *bazelkit.Options
	if *bazelKit != "" {
		if *workspace == "" {
			fmt.Fprintln(stderr, "hotreload run: no workspace to watch: run the target with `bazel run` (which sets BUILD_WORKSPACE_DIRECTORY) or pass --workspace DIR")
			return 2
		}
		if *bazelRunfiles == "" {
			*bazelRunfiles = filepath.Dir(*bazelKit)
		}
		bazel = &bazelkit.Options{Kit: *bazelKit, Runfiles: *bazelRunfiles, Workspace: *workspace}
		rest = append([]string{""}, rest...)
	}
	if len(rest) == 0 {
		return misuse(stderr, "run")
	}
	pkg, progArgs := rest[0], rest[1:]
	if len(progArgs) > 0 && progArgs[0] == "--" {
		progArgs = progArgs[1:]
	}
	printer, err := events.NewPrinter(stderr, *format)
	if err != nil {
		fmt.Fprintf(stderr, "hotreload: %v\n", err)
		return 2
	}
	id, err := toolexec.SelfID()
	if err != nil {
		fmt.Fprintf(stderr, "hotreload: %v\n", err)
		return 1
	}
	self, ok := executable(stderr)
	if !ok {
		return 1
	}
	var flags []string
	if *tags != "" {
		flags = append(flags, "-tags="+*tags)
	}
	if *race {
		flags = append(flags, "-race")
	}
	var progress io.Writer
	if *format != "json" {
		progress = stderr
	}
	if bazel == nil {
		// (Under Bazel the hot SDK compiles with it.)
		w := progress
		if w == nil {
			w = io.Discard
		}
		hotBuildDefaults()
		useHotCompiler(w)
	}
	return launcher.Run(launcher.Options{
		Package: pkg, Args: progArgs, BuildFlags: flags, RestartOnRude: *rude,
		Self: self, SelfID: id, Events: printer, Progress: progress,
		Stdin: os.Stdin, Stdout: stdout, Stderr: stderr, StateDir: *stateDir, Bazel: bazel, Link: *link,
	})
}
