// Package gocmd runs the go command on the instrumented program: it adds
// the compile wrapper (-toolexec) and what plugin hosts need (cgo, external
// linking), and reports progress while the wrapper instruments packages.
package gocmd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/procgroup"
	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
)

// Self returns the path under which the go command should run this
// executable as its -toolexec program. It is the path we were started by,
// not the resolved os.Executable(): a program installed as a symlink (or a
// test binary standing in for hotreload) is dispatched on its name.
func Self() (string, error) {
	arg0 := os.Args[0]
	if strings.ContainsRune(arg0, filepath.Separator) {
		return filepath.Abs(arg0)
	}
	p, err := exec.LookPath(arg0)
	if err != nil {
		return os.Executable()
	}
	return filepath.Abs(p)
}

// buildSubcommands are the go subcommands that accept build flags (and so
// -toolexec).
var buildSubcommands = map[string]bool{
	"build": true, "install": true, "run": true, "test": true, "vet": true, "list": true,
}

// ToolexecFlag returns the -toolexec flag that routes compiles through self,
// quoted the way the go command (and GOFLAGS) splits flags.
func ToolexecFlag(self string) string {
	if strings.ContainsAny(self, " \t'\"") {
		return "-toolexec=" + fmt.Sprintf("%q", self)
	}
	return "-toolexec=" + self
}

// Command returns the go command `go sub args...` routed through the
// wrapper. External linking is added when hostLink is set (plugin hosts
// need it; tests and vet do not).
func Command(self, sub string, args []string, hostLink bool) *exec.Cmd {
	cmd := exec.Command("go", goArgs(self, sub, args, hostLink)...)
	// Plugins need cgo; host and patches must agree on it, so every hot
	// build has it on.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	return cmd
}

// CommandContext is Command for a go command that must not outlive ctx:
// when ctx is done, the go command is killed with every process it
// started (compiles, the wrapper, cgo, the linker).
func CommandContext(ctx context.Context, self, sub string, args []string, hostLink bool) *exec.Cmd {
	cmd := procgroup.Command(ctx, "go", goArgs(self, sub, args, hostLink)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	return cmd
}

func goArgs(self, sub string, args []string, hostLink bool) []string {
	full := []string{sub}
	if buildSubcommands[sub] {
		full = append(full, ToolexecFlag(self))
		if hostLink {
			args = WithLdflag(args, "-linkmode=external")
		}
	}
	return append(full, args...)
}

// TakesValue are the go build flags that take a value (spelled without
// "="): their value is not a flag.
var TakesValue = map[string]bool{
	"C": true, "p": true, "covermode": true, "coverpkg": true, "asmflags": true, "buildmode": true,
	"buildvcs": true, "compiler": true, "gccgoflags": true, "gcflags": true, "installsuffix": true,
	"ldflags": true, "mod": true, "modfile": true, "overlay": true, "pgo": true, "pkgdir": true,
	"tags": true, "toolexec": true, "exec": true, "o": true,
}

// WithLdflag adds flag to every -ldflags of the go command's flags in
// args (the go command applies the last one), or adds an -ldflags.
// Flags after the packages are the program's, and a flag's value that
// looks like -ldflags is a value.
func WithLdflag(args []string, flag string) []string {
	out := append([]string(nil), args...)
	found := false
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			break
		}
		switch {
		case strings.HasPrefix(a, "-ldflags=") || strings.HasPrefix(a, "--ldflags="):
			out[i] = a + " " + flag
			found = true
		case (a == "-ldflags" || a == "--ldflags") && i+1 < len(out):
			out[i+1] += " " + flag
			found = true
			i++
		case !strings.Contains(a, "=") && TakesValue[strings.TrimLeft(a, "-")]:
			i++
		}
	}
	if !found {
		out = append([]string{"-ldflags=" + flag}, out...)
	}
	return out
}

// Run runs cmd with stdio connected, reporting to progress how many
// packages the wrapper instruments while it runs (a cold build of the
// standard library takes minutes). It returns the exit code.
func Run(cmd *exec.Cmd, progress io.Writer, verbose bool) int {
	f, err := os.CreateTemp("", "gohot-progress-")
	if err != nil {
		fmt.Fprintf(progress, "hotreload: %v\n", err)
		return 1
	}
	defer os.Remove(f.Name())
	f.Close()
	cmd.Env = append(cmd.Env, toolexec.ProgressEnv+"="+f.Name())
	if cmd.Stdin == nil {
		cmd.Stdin = os.Stdin
	}
	if cmd.Stdout == nil {
		cmd.Stdout = os.Stdout
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}

	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		reported := 0
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				n, _ := count(f.Name())
				if n > 0 && (verbose || time.Since(start) > 2*time.Second) {
					fmt.Fprintf(progress, "hotreload: instrumented %d %s in %.1f s\n", n, plural(n, "package"), time.Since(start).Seconds())
				}
				return
			case <-tick.C:
				n, last := count(f.Name())
				if n > reported {
					fmt.Fprintf(progress, "hotreload: instrumenting... %d %s compiled (%s), %.0f s\n", n, plural(n, "package"), last, time.Since(start).Seconds())
					reported = n
				}
			}
		}
	}()
	err = cmd.Run()
	close(done)
	<-finished
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintf(progress, "hotreload: %v\n", err)
		return 1
	}
	return 0
}

func count(path string) (int, string) {
	f, err := os.Open(path)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	n, last := 0, ""
	s := bufio.NewScanner(f)
	for s.Scan() {
		n++
		last = strings.TrimPrefix(s.Text(), "compile ")
	}
	return n, last
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
