package main

import (
	"bufio"
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/testutil"
	"github.com/gohot/rules_go_hot/internal/hotevent"
)

// Tests of `hotreload run` on modules shaped as real ones are (issue 10,
// "Real programs, unmodified"): three-part and old go lines, //go:embed, a
// program that exits at once. Each is a small module written here, so
// they run offline.

// writeModule writes files (slash paths) under a new temporary directory.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, files)
	return dir
}

// serverMain is a main package serving lib.Answer() on /, printing where
// it listens as examples/visits does.
const serverMain = `package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"

	"example.com/real/lib"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		panic(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, lib.Answer()) })
	http.Serve(ln, nil)
}
`

// runModule starts `hotreload run --events=json` on the module in dir,
// offline (no proxy, no other toolchain, no GOFLAGS of the machine's).
func runModule(t *testing.T, dir string, env ...string) *session {
	t.Helper()
	return runHot(t, dir, append([]string{"GOFLAGS=", "GOPROXY=off", "GOTOOLCHAIN=local"}, env...))
}

// TestRunGoLines: modules whose go.mod says `go 1.26.0` (three-part, the
// norm since Go 1.21: every patch failed with `invalid value "go1.26.0"
// for -lang`) or `go 1.13` (the injected agent failed to compile:
// `predeclared any requires go1.18`) run hot, take patches, and take the
// undoing of an edit. The go 1.13 module has a file at go1.18 with a
// generic function, whose instrumentation (a generic slot) must compile
// too.
func TestRunGoLines(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	for _, goLine := range []string{"1.26.0", "1.13"} {
		t.Run("go"+goLine, func(t *testing.T) {
			files := map[string]string{
				"go.mod":     "module example.com/real\n\ngo " + goLine + "\n",
				"main.go":    serverMain,
				"lib/lib.go": "package lib\n\nfunc Answer() string {\n\treturn \"v1 \" + Describe(1)\n}\n",
				// A file's own //go:build version lifts it above its
				// module's (go 1.13 has no generics).
				"lib/generic.go": "//go:build go1.18\n\npackage lib\n\nimport \"fmt\"\n\nfunc show[T any](x T) string { return fmt.Sprint(\"<\", x, \">\") }\n\n// Describe is what files at the module's version can call.\nfunc Describe(n int) string { return show(n) }\n",
			}
			mod := writeModule(t, files)
			s := runModule(t, mod)
			s.ready()
			s.Expect("/", "v1 <1>")

			s.Edit("lib/lib.go", `"v1 "`, `"v2 "`)
			if e := s.Await(events.Applied, 5*time.Minute); len(e.Functions) != 1 || e.Functions[0] != "example.com/real/lib.Answer" {
				t.Fatalf("applied %+v", e)
			}
			s.Expect("/", "v2 <1>")

			// Undoing the edit is a patch too (back to the base's code).
			s.Edit("lib/lib.go", `"v2 "`, `"v1 "`)
			s.Await(events.Applied, 5*time.Minute)
			s.Expect("/", "v1 <1>")

			if b, _ := os.ReadFile(filepath.Join(mod, "go.mod")); string(b) != files["go.mod"] {
				t.Fatalf("go.mod changed:\n%s", b)
			}
		})
	}
}

// TestRunEmbed: a package with //go:embed is built once at start-up (its
// embedded files used to make it look edited during the build, and the
// base was built four times), `built` reports the whole build time, and
// an edit of an embedded file, which no patch can bring in, is refused by
// name; Go edits of the same package still patch once it is undone.
func TestRunEmbed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	mod := writeModule(t, map[string]string{
		"go.mod":                  "module example.com/real\n\ngo 1.26.0\n",
		"main.go":                 serverMain,
		"lib/lib.go":              "package lib\n\nimport (\n\t_ \"embed\"\n\t\"strings\"\n)\n\n//go:embed static/greeting.txt\nvar greeting string\n\nfunc Answer() string {\n\treturn strings.TrimSpace(greeting)\n}\n",
		"lib/static/greeting.txt": "hello\n",
	})
	s := runModule(t, mod)
	var building, built hotevent.Event
	for {
		e := s.Next(20 * time.Minute) // a cold base build takes minutes
		if e.Event == events.Building {
			if building.Event != "" {
				t.Fatalf("the base was built again: %+v", e)
			}
			building = e
		}
		if e.Event == events.Built {
			built = e
			break
		}
		if e.Event == events.Error {
			t.Fatalf("before built: %+v", e)
		}
	}
	if len(built.Notes) != 0 {
		t.Fatalf("built with notes (rebuilt?): %+v", built)
	}
	t0, _ := time.Parse(time.RFC3339Nano, building.Time)
	t1, _ := time.Parse(time.RFC3339Nano, built.Time)
	if wall := float64(t1.Sub(t0).Milliseconds()); built.BuildMS < wall*0.9 {
		t.Fatalf("built reports %.0f ms, the build took %.0f ms", built.BuildMS, wall)
	}
	s.ready()
	s.Expect("/", "hello")

	// An embedded file: refused, named, the program unchanged.
	os.WriteFile(filepath.Join(mod, "lib", "static", "greeting.txt"), []byte("bonjour\n"), 0o644)
	r := s.Await(events.Refused, 5*time.Minute)
	if r.File != "lib/static/greeting.txt" || !strings.Contains(r.Reason, "embedded file") || !strings.Contains(r.Reason, "restart") {
		t.Fatalf("refusal %+v", r)
	}
	s.Expect("/", "hello")

	// Undone, the package patches again.
	os.WriteFile(filepath.Join(mod, "lib", "static", "greeting.txt"), []byte("hello\n"), 0o644)
	s.Await(events.Unchanged, 5*time.Minute)
	s.Edit("lib/lib.go", "strings.TrimSpace(greeting)", `strings.ToUpper(strings.TrimSpace(greeting))`)
	s.Await(events.Applied, 5*time.Minute)
	s.Expect("/", "HELLO")
}

// marked lists the processes (pid and command line) whose environment
// holds mark: everything a launcher started with it in its environment
// (the go command, compiles, the compile wrapper, the program).
func marked(mark string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !strings.Contains(string(env), mark) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, e.Name()+" "+strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return out
}

// TestRunLeavesNothing: when the launcher ends — the program exits at
// start-up (its port is taken), or the launcher is signalled during the
// base build — no process it started survives it (the background kit
// build, a `go list -export` and its compiles, used to run on for
// minutes).
func TestRunLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("needs /proc")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("hot programs need cgo, and there is no gcc")
	}
	hot := hotreloadCommand(t)
	launch := func(t *testing.T, mod, mark string) (*exec.Cmd, *bufio.Scanner) {
		cmd := exec.Command(hot, "run", "--events=json", "--state-dir", t.TempDir(), ".")
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOPROXY=off", "GOTOOLCHAIN=local", "GOHOT_TEST_MARK="+mark)
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, bufio.NewScanner(stderr)
	}
	check := func(t *testing.T, mark string) {
		t.Helper()
		// The launcher has waited for what it killed; a process just
		// killed may take an instant to go.
		var left []string
		for i := 0; i < 3; i++ {
			if left = marked(mark); len(left) == 0 {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		for _, p := range left {
			var pid int
			fmt.Sscan(p, &pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
		t.Fatalf("the launcher exited, and these processes it started still run:\n%s", strings.Join(left, "\n"))
	}

	t.Run("program exits at once", func(t *testing.T) {
		mod := writeModule(t, map[string]string{
			"go.mod":  "module example.com/quits\n\ngo 1.26.0\n",
			"main.go": "package main\n\nimport \"os\"\n\nfunc main() {\n\tprintln(\"address already in use\")\n\tos.Exit(3)\n}\n",
		})
		mark := fmt.Sprintf("quits-%d", time.Now().UnixNano())
		cmd, sc := launch(t, mod, mark)
		for sc.Scan() {
			t.Logf("stderr: %s", sc.Text())
		}
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
			t.Fatalf("launcher: %v, want a failure", err)
		}
		check(t, mark)
	})

	t.Run("signal during the build", func(t *testing.T) {
		mod := writeModule(t, map[string]string{
			"go.mod":     "module example.com/real\n\ngo 1.26.0\n",
			"main.go":    serverMain,
			"lib/lib.go": fmt.Sprintf("package lib\n\n// %d: a package the build cache has not seen.\nfunc Answer() string { return \"x\" }\n", time.Now().UnixNano()),
		})
		mark := fmt.Sprintf("sig-%d", time.Now().UnixNano())
		cmd, sc := launch(t, mod, mark)
		for sc.Scan() {
			t.Logf("stderr: %s", sc.Text())
			if strings.Contains(sc.Text(), `"event":"building"`) {
				break
			}
		}
		// The go command has started (or is about to): let it get going.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for ctx.Err() == nil && len(marked(mark)) < 3 { // the launcher, go, a tool
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		go func() {
			for sc.Scan() {
				t.Logf("stderr: %s", sc.Text())
			}
		}()
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 128+int(syscall.SIGTERM) {
			t.Errorf("launcher after SIGTERM: %v, want exit code %d", err, 128+int(syscall.SIGTERM))
		}
		check(t, mark)
	})
}

// TestRunNewImports: an edit that imports a package the running program
// does not contain (hash/fnv: nothing in the program uses it) is applied —
// the kit compiles the package as it compiled the others and the patch
// links it in — and serves the new code; an import of a package in no
// module of go.mod is refused at the import, saying which `go get` to run
// (hotreload never changes go.mod), and the program keeps serving.
func TestRunNewImports(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	mod := writeModule(t, map[string]string{
		"go.mod":     "module example.com/real\n\ngo 1.26.0\n",
		"main.go":    serverMain,
		"lib/lib.go": "package lib\n\nfunc Answer() string {\n\treturn \"v1\"\n}\n",
	})
	s := runModule(t, mod)
	s.ready()
	s.Expect("/", "v1")

	s.Edit("lib/lib.go", "package lib\n\nfunc Answer() string {\n\treturn \"v1\"\n}\n",
		"package lib\n\nimport (\n\t\"hash/fnv\"\n\t\"strconv\"\n)\n\nfunc Answer() string {\n\th := fnv.New32a()\n\th.Write([]byte(\"hot\"))\n\treturn strconv.FormatUint(uint64(h.Sum32()), 10)\n}\n")
	if e := s.Await(events.Applied, 5*time.Minute); len(e.Functions) != 1 || e.Functions[0] != "example.com/real/lib.Answer" {
		t.Fatalf("applied %+v", e)
	}
	h := fnv.New32a()
	h.Write([]byte("hot"))
	s.Expect("/", strconv.FormatUint(uint64(h.Sum32()), 10))

	s.Edit("lib/lib.go", "\t\"hash/fnv\"\n", "\t\"hash/fnv\"\n\n\t\"example.com/elsewhere/quote\"\n")
	s.Edit("lib/lib.go", "return strconv.FormatUint(uint64(h.Sum32()), 10)", "return quote.Hello() + strconv.FormatUint(uint64(h.Sum32()), 10)")
	e := s.Await(events.Refused, 5*time.Minute)
	if e.File != "lib/lib.go" || e.Decl != `import "example.com/elsewhere/quote"` || !strings.Contains(e.Reason, "go get example.com/elsewhere/quote") {
		t.Fatalf("refused %+v, want the import refused with the go get to run", e)
	}
	s.Expect("/", strconv.FormatUint(uint64(h.Sum32()), 10))
}
