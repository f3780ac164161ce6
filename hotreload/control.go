package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/bazelkit"
	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/launcher"
	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// runCmd is `hotreload run`.
func runCmd(self string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defaultFormat := os.Getenv("HOTRELOAD_EVENTS") // e.g. for `bazel run` of a go_hot_binary
	if defaultFormat == "" {
		defaultFormat = "human"
	}
	format := fs.String("events", defaultFormat, "report format: human or json (one JSON object per line, see docs/EVENTS.md); default $HOTRELOAD_EVENTS or human")
	rude := fs.Bool("restart-on-rude", false, "rebuild and restart the program (losing its state) on edits a live patch cannot take")
	tags := fs.String("tags", "", "build tags, as for go build")
	stateDir := fs.String("state-dir", "", "where to keep the binary, the patch kit and patches (default: the user cache dir)")
	bazelKit := fs.String("bazel-kit", "", "run the binary of a go_hot_binary target, described by its kit.json (set by the target's launcher script)")
	bazelRunfiles := fs.String("bazel-runfiles", "", "with --bazel-kit: the runfiles directory of the target's workspace")
	workspace := fs.String("workspace", os.Getenv("BUILD_WORKSPACE_DIRECTORY"), "with --bazel-kit: the Bazel workspace whose sources to watch (default: $BUILD_WORKSPACE_DIRECTORY, set by bazel run)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
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
		fmt.Fprintln(stderr, "usage: hotreload run [flags] <package> [-- args]")
		return 2
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
	var flags []string
	if *tags != "" {
		flags = append(flags, "-tags="+*tags)
	}
	var progress io.Writer
	if *format != "json" {
		progress = stderr
	}
	return launcher.Run(launcher.Options{
		Package: pkg, Args: progArgs, BuildFlags: flags, RestartOnRude: *rude,
		Self: self, SelfID: id, Events: printer, Progress: progress,
		Stdin: os.Stdin, Stdout: stdout, Stderr: stderr, StateDir: *stateDir, Bazel: bazel,
	})
}

// control is `hotreload status|apply|revert`: a client of a running
// program's reload agent.
func control(verb string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	pid := fs.Int("pid", 0, "the hot program's process id")
	socket := fs.String("socket", "", "the agent's socket (default: found by --pid, or the only running hot program)")
	asJSON := fs.Bool("json", false, "print the agent's answer as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	path, err := findSocket(*pid, *socket)
	if err != nil {
		fmt.Fprintf(stderr, "hotreload %s: %v\n", verb, err)
		return 1
	}
	c, err := protocol.Dial(path)
	if err != nil {
		fmt.Fprintf(stderr, "hotreload %s: cannot reach the agent at %s: %v\n", verb, path, err)
		return 1
	}
	defer c.Close()
	var resp *protocol.Response
	switch verb {
	case "status":
		resp, err = c.Status()
	case "apply":
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "usage: hotreload apply [--pid N | --socket S] <patch.so>")
			return 2
		}
		so, _ := filepath.Abs(fs.Arg(0))
		resp, err = c.Apply(so)
	case "revert":
		var gen *int
		if fs.NArg() == 1 {
			g, perr := strconv.Atoi(fs.Arg(0))
			if perr != nil || g < 0 {
				fmt.Fprintf(stderr, "hotreload revert: %q is not a generation number\n", fs.Arg(0))
				return 2
			}
			gen = &g
		}
		resp, err = c.Revert(gen)
	}
	if err != nil {
		fmt.Fprintf(stderr, "hotreload %s: %v\n", verb, err)
		return 1
	}
	if *asJSON {
		b, _ := json.Marshal(resp)
		fmt.Fprintln(stdout, string(b))
	} else {
		printResponse(verb, resp, stdout, stderr)
	}
	if !resp.OK {
		return 1
	}
	return 0
}

func printResponse(verb string, r *protocol.Response, stdout, stderr io.Writer) {
	if !r.OK {
		fmt.Fprintf(stderr, "hotreload %s: refused (%s): %s\n", verb, r.Code, r.Error)
		return
	}
	switch verb {
	case "status":
		fmt.Fprintf(stdout, "pid %d, build %s, generation %d\n", r.PID, r.BuildID, r.Gen)
		for _, g := range r.Generations {
			what := "apply " + g.PatchID
			if g.Kind == protocol.KindRevert && g.To != nil {
				what = fmt.Sprintf("revert to gen %d", *g.To)
			}
			fmt.Fprintf(stdout, "  gen %d  %s  %s  %s\n", g.Gen, g.Time, what, strings.Join(g.Functions, ", "))
		}
	case "apply":
		fmt.Fprintf(stdout, "applied: generation %d, %d functions (verify %.1f ms, load %.1f ms, apply %.2f ms)\n", r.Gen, len(r.Functions), r.VerifyMS, r.LoadMS, r.ApplyMS)
		for _, f := range r.Functions {
			fmt.Fprintf(stdout, "  %s\n", f)
		}
		printNotes(stdout, r.Notes)
	case "revert":
		fmt.Fprintf(stdout, "reverted: now generation %d (%d functions switched)\n", r.Gen, len(r.Functions))
		printNotes(stdout, r.Notes)
	}
}

// printNotes prints what the agent found the program will not show by
// itself (goroutines still inside replaced code), one line each, as the
// launcher's human output does.
func printNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(w, "  note: %s\n", strings.Join(strings.Fields(n), " "))
	}
}

// findSocket picks the agent to talk to.
func findSocket(pid int, socket string) (string, error) {
	switch {
	case socket != "":
		return socket, nil
	case pid != 0:
		return protocol.FindSocket(pid)
	}
	socks, err := protocol.ListSockets()
	if err != nil {
		return "", err
	}
	switch len(socks) {
	case 0:
		return "", fmt.Errorf("no running hot program found (in %s); start one with hotreload run, or give --pid or --socket", protocol.SocketDir())
	case 1:
		return socks[0].Path, nil
	}
	var pids []string
	for _, s := range socks {
		pids = append(pids, strconv.Itoa(s.PID))
	}
	return "", fmt.Errorf("several hot programs are running (pids %s): choose one with --pid", strings.Join(pids, ", "))
}
