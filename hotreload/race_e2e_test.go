package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/bazelkit"
	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/internal/hotsession"
)

// TestRunRacePatch: under `hotreload run --race` a patch is compiled and
// linked with -race too, so a data race that a live edit brings in is
// reported as the same race in the base would be. Patches used to be
// built without instrumentation: the race ran unseen. The base serves
// without a report; the edit makes lib.Answer write a package-level
// variable from two goroutines; once it is applied, a request must make
// the process print a race report naming lib.Answer.
//
// The program's stderr is the launcher's, and the session reads that
// stream itself: a shell copies it to a file (tee) on its way.
func TestRunRacePatch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the race-instrumented hot standard library when the cache is cold")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("the race detector and hot programs need cgo, and there is no gcc")
	}
	mod := writeModule(t, map[string]string{
		"go.mod":  "module example.com/real\n\ngo 1.26.0\n",
		"main.go": serverMain,
		"lib/lib.go": `package lib

var hits int

func Answer() string {
	return "v1"
}
`,
	})
	stderr := filepath.Join(t.TempDir(), "stderr")
	cmd := exec.Command("sh", "-c", `{ "$0" "$@" 2>&1 1>&3 3>&- | tee "$GOHOT_TEST_STDERR" 1>&2 3>&-; } 3>&1`,
		hotreloadCommand(t), "run", "--events=json", "--state-dir", t.TempDir(), "--race", ".", "--", "-addr", "127.0.0.1:0")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOPROXY=off", "GOTOOLCHAIN=local", "GOHOT_TEST_STDERR="+stderr)
	s := &session{hotsession.Start(t, cmd)}
	start := time.Now()
	built := s.Await(events.Built, 30*time.Minute) // a cold -race hot standard library
	if race, err := bazelkit.RaceBinary(built.Binary); err != nil || !race {
		t.Errorf("bazelkit.RaceBinary(%s) = %v, %v: a race build not recognised (a Bazel race build would get patches without -race)", built.Binary, race, err)
	}
	s.Ready(time.Minute)
	t.Logf("ready after %v", time.Since(start).Round(time.Second))
	s.Await(events.Kit, 30*time.Minute) // and its -race -dynlink twin
	t.Logf("kit after %v", time.Since(start).Round(time.Second))

	const report = "WARNING: DATA RACE"
	for range 3 {
		s.Expect("/", "v1")
	}
	if out, _ := os.ReadFile(stderr); strings.Contains(string(out), report) {
		t.Fatalf("the base, which has no race, reported one:\n%s", out)
	}

	s.Edit("lib/lib.go", "\treturn \"v1\"\n", `	done := make(chan bool)
	go func() {
		hits++
		done <- true
	}()
	hits++
	<-done
	return "v2"
`)
	patched := time.Now()
	if e := s.Await(events.Applied, 5*time.Minute); len(e.Functions) != 1 || e.Functions[0] != "example.com/real/lib.Answer" {
		t.Fatalf("applied %+v", e)
	}
	t.Logf("patch applied after %v", time.Since(patched).Round(time.Millisecond))
	deadline := time.Now().Add(time.Minute)
	for {
		s.Expect("/", "v2")
		out, _ := os.ReadFile(stderr)
		if i := strings.Index(string(out), report); i >= 0 {
			race := string(out[i:])
			// The report reaches the file while the program writes it:
			// read on until its closing rule is there.
			j := strings.Index(race, "\n==================")
			if j < 0 {
				if time.Now().After(deadline) {
					t.Fatalf("a race report without its end a minute after the racy patch was applied:\n%s", race)
				}
				time.Sleep(100 * time.Millisecond)
				continue
			}
			race = race[:j]
			t.Logf("the race report:\n%s", race)
			// Both accesses are the patch's hits++ (lines 8 and 11 of the
			// edited file), under the edited function.
			for _, want := range []string{"example.com/real/lib.Answer(", "lib/lib.go:8 ", "lib/lib.go:11 "} {
				if !strings.Contains(race, want) {
					t.Fatalf("the race report does not name %q (lib.Answer's two writes of hits):\n%s", want, race)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q on the program's stderr a minute after the racy patch was applied (was the patch built without -race?); stderr:\n%s", report, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
