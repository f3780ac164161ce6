package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/gohot/rules_go_hot/hotreload/internal/gocmd"
	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
)

const usage = `hotreload builds Go programs in which every function can be redirected at
run time (the standard library's and third-party code included).

Usage:
  hotreload build [-v] [go build flags] <packages>
        build a hot binary: every package instrumented, cgo on, external
        linking (what a plugin host needs).
  hotreload go <go subcommand> [args]
        run any go command on the instrumented program, e.g.
        hotreload go test ./...   hotreload go vet ./...
        hotreload go build -buildmode=plugin -o patch.so ./patch
  hotreload goflags
        print the flags that make a plain go command build instrumented:
        CGO_ENABLED=1 GOFLAGS="$(hotreload goflags)" go build ./cmd/app
  hotreload run [--events=human|json] [--restart-on-rude] [-tags t] <package> [-- args]
        build the program hot, run it, and patch it live on every save of
        a .go file of its module: edits apply with its state intact.
  hotreload kit --bazel-kit kit.exec.json -o DIR
        write a go_hot_binary's patch kit as one directory, to archive
        (Bazel runs it for the target's patch_kit output group).
  hotreload patch --kit BASE_KIT_DIR --bazel-kit kit.exec.json -o patch.so
        build a patch for the binary of a base kit from a newer build's
        sources, or say why it would not load (go_hot_patch runs it).
  hotreload status [--pid N | --socket S] [--json]
        list a running hot program's generations and patched functions.
  hotreload apply [--pid N | --socket S] <patch.so>
        apply a patch (built by go_hot_patch or hotreload) to a running program.
  hotreload revert [--pid N | --socket S] [GEN]
        go back to generation GEN (default: the one before the current).
  hotreload version
        print the version marker hot objects are cached under.

With neither --pid nor --socket, status/apply/revert talk to the only hot
program of this user that is running.
`

// runCLI runs a subcommand and returns the exit code.
func runCLI(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	self, err := gocmd.Self()
	if err != nil {
		fmt.Fprintf(stderr, "hotreload: cannot find own executable: %v\n", err)
		return 1
	}
	switch args[0] {
	case "build":
		verbose := false
		rest := args[1:]
		if len(rest) > 0 && (rest[0] == "-v" || rest[0] == "--verbose") {
			verbose, rest = true, rest[1:]
		}
		return gocmd.Run(gocmd.Command(self, "build", rest, true), stderr, verbose)
	case "go":
		if len(args) < 2 {
			fmt.Fprintln(stderr, "usage: hotreload go <go subcommand> [args]")
			return 2
		}
		return gocmd.Run(gocmd.Command(self, args[1], args[2:], false), stderr, false)
	case "goflags":
		fs := flag.NewFlagSet("goflags", flag.ContinueOnError)
		fs.SetOutput(stderr)
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		fmt.Fprintln(stdout, gocmd.ToolexecFlag(self))
		return 0
	case "run":
		return runCmd(self, args[1:], stdout, stderr)
	case "kit":
		return kitCmd(args[1:], stdout, stderr)
	case "patch":
		return patchCmd(args[1:], stdout, stderr)
	case "status", "apply", "revert":
		return control(args[0], args[1:], stdout, stderr)
	case "version":
		id, err := toolexec.SelfID()
		if err != nil {
			fmt.Fprintf(stderr, "hotreload: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "hotreload %s-%s\n", toolexec.Marker, id)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "hotreload: unknown command %q\n\n%s", args[0], usage)
	return 2
}
