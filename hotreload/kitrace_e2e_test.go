package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
)

// TestRunEditBeforeKit: an edit saved after the program started but before
// its patch kit is recorded (found on go-httpbin) must not reach the kit:
// the kit's archives are the base's, built from the snapshot the base was
// built from, not from the files on disk. It used to be compiled from the
// edited files, and every later patch failed to load ("plugin was built
// with a different version of package"). The kit build is held (a `go`
// in front of the real one waits for a file before it runs the kit's
// `go list -export`) until the edit is saved and seen. In either link
// mode: with --link=shared the kit is the program's own build, found in
// the build cache, and must be found from the snapshot too.
func TestRunEditBeforeKit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	stub := t.TempDir()
	release := filepath.Join(stub, "release")
	held := filepath.Join(stub, "held")
	script := fmt.Sprintf(`#!/bin/sh
# The kit's build waits for %[1]s.
case " $* " in
*" -export "*)
	if [ ! -e %[1]s ]; then
		touch %[2]s
		while [ ! -e %[1]s ]; do sleep 0.05; done
	fi ;;
esac
exec %[3]s "$@"
`, release, held, realGo)
	if err := os.WriteFile(filepath.Join(stub, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	mod := writeModule(t, map[string]string{
		"go.mod":  "module example.com/real\n\ngo 1.26.0\n",
		"main.go": serverMain,
		// A comment the build cache has not seen: the kit compiles lib.
		"lib/lib.go": fmt.Sprintf("package lib\n\nfunc Answer() string {\n\treturn \"v1\"\n}\n\n// %d\n", time.Now().UnixNano()),
	})
	s := runModule(t, mod, "PATH="+stub+string(os.PathListSeparator)+os.Getenv("PATH"))
	s.Ready(15 * time.Minute)
	s.Expect("/", "v1")
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(held); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the kit build did not start within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Saved while the kit is not ready: a new type (it changes the
	// package's export data, as go-httpbin's edit did) and a new body.
	s.Edit("lib/lib.go", "package lib\n\nfunc Answer() string {\n\treturn \"v1\"\n}",
		"package lib\n\nimport \"fmt\"\n\ntype Reply struct{ N int }\n\nfunc Answer() string {\n\treturn fmt.Sprint(\"v2 \", Reply{N: 2}.N)\n}")
	s.Await(events.Change, 2*time.Minute)
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.Await(events.Kit, 15*time.Minute)
	s.waitServes("/", "v2 2")

	// Later edits apply too.
	s.Edit("lib/lib.go", `"v2 "`, `"v3 "`)
	s.waitServes("/", "v3 2")
	s.Edit("lib/lib.go", "Reply{N: 2}.N", "Reply{N: 3}.N*2")
	s.waitServes("/", "v3 6")
}

// waitServes waits for the next applied event, then checks that GET path
// answers want.
func (s *session) waitServes(path, want string) {
	s.Await(events.Applied, 5*time.Minute)
	s.Expect(path, want)
}
