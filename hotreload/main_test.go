package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gohot/rules_go_hot/internal/hotsession"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hotreload": func() { os.Exit(realMain()) },
	})
}

// TestScripts drives the real hotreload command (this test binary, under
// that name) and the real go command on the modules in testdata/script.
// Instrumented builds share the developer's build cache: a cold hot build
// of the standard library takes a minute or two, later runs are fast.
func TestScripts(t *testing.T) {
	p := scriptParams(t)
	p.Dir = "testdata/script"
	testscript.Run(t, hotsession.Script(p))
}

// scriptParams are the parameters of this package's scripts: the
// developer's Go caches, offline, and the commands below; the caller
// names the scripts. It skips where there is no gcc.
func scriptParams(t *testing.T) testscript.Params {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("hot builds need cgo, and there is no gcc")
	}
	goenv := map[string]string{}
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	vals := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT"} {
		goenv[k] = vals[i]
	}
	return testscript.Params{
		Setup: func(env *testscript.Env) error {
			for k, v := range goenv {
				env.Setenv(k, v)
			}
			env.Setenv("GOPROXY", "off")
			env.Setenv("GOTOOLCHAIN", "local")
			env.Setenv("GOFLAGS", "-mod=mod")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// setgoflags sets GOFLAGS to the contents of a file (the
			// output of `hotreload goflags`), as a shell user would with
			// GOFLAGS="$(hotreload goflags)".
			"setgoflags": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: setgoflags file")
				}
				ts.Setenv("GOFLAGS", strings.TrimSpace(ts.ReadFile(args[0])))
			},
			// cmptrace compares two panic traces, ignoring what differs
			// between two builds of the same program: argument values
			// and code offsets (+0x...).
			"cmptrace": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: cmptrace file1 file2")
				}
				a, b := normalizeTrace(ts.ReadFile(args[0])), normalizeTrace(ts.ReadFile(args[1]))
				if (a == b) == neg {
					ts.Fatalf("traces differ (neg=%v):\n%s\n----\n%s", neg, a, b)
				}
			},
		},
	}
}

var (
	traceOffset = regexp.MustCompile(` \+0x[0-9a-f]+$`)
	traceArgs   = regexp.MustCompile(`\([^()]*\)$`)
)

func normalizeTrace(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = traceOffset.ReplaceAllString(l, "")
		l = traceArgs.ReplaceAllString(l, "(...)")
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
