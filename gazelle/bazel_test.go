package gazelle

// Integration test with the real Bazel, rules_go and Gazelle that
// scripts/bazel/setup.sh installs: a user's workspace with Go sources and
// only a root BUILD file declaring a gazelle_binary with this extension
// runs `bazel run //:gazelle`, and the go_hot_binary it generates builds
// and runs under the launcher.
//
// It needs the setup (scripts/test.sh runs it): RULES_GO_HOT_BAZEL_ROOT
// names it. Without it the test skips — unless RULES_GO_HOT_REQUIRE_BAZEL=1,
// as in CI, where a missing Bazel is a failure. -short skips it too: a cold
// run builds Gazelle, the standard library three times (exec, hot, hot
// -dynlink) and takes minutes.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/internal/bazeltest"
	"github.com/gohot/rules_go_hot/internal/hotevent"
	"github.com/gohot/rules_go_hot/internal/hotsession"
)

// e2eWorkspace lays out the user's workspace at a fixed place under the
// setup root (a fixed path keeps its Bazel output base, hence warm builds,
// from one run to the next). Only the root BUILD file is written: every
// other BUILD file is Gazelle's, and the previous run's are removed first.
func e2eWorkspace(t *testing.T, s *bazeltest.Env) string {
	t.Helper()
	ws := filepath.Join(s.Root, "e2e", "gazelle")
	for _, d := range []string{"cmd", "greet"} {
		if err := os.RemoveAll(filepath.Join(ws, d)); err != nil {
			t.Fatal(err)
		}
	}
	tmpl := read(t, filepath.Join("testdata", "WORKSPACE.e2e"))
	write(t, filepath.Join(ws, "WORKSPACE"), strings.ReplaceAll(tmpl, "{{RULES_GO_HOT}}", s.Repo))
	write(t, filepath.Join(ws, "BUILD.bazel"), read(t, filepath.Join("testdata", "BUILD.e2e")))
	write(t, filepath.Join(ws, ".bazelrc"), "try-import %workspace%/.rules_go_hot.bazelrc\n")
	os.Remove(filepath.Join(ws, ".rules_go_hot.bazelrc"))
	if err := os.Symlink(filepath.Join(s.Root, "bazelrc"), filepath.Join(ws, ".rules_go_hot.bazelrc")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(ws, "greet/greet.go"), "package greet\n\n// Hello greets.\nfunc Hello(name string) string { return \"hello, \" + name }\n")
	write(t, filepath.Join(ws, "cmd/greeter/main.go"), `package main

import (
	"fmt"
	"os"
	"os/signal"

	"example.com/greeter/greet"
)

// Runs until interrupted, as the programs a launcher patches do.
func main() {
	fmt.Println(greet.Hello("bazel"))
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	<-c
}
`)
	return ws
}

// runHot runs `bazel run target` and waits until the program has printed
// want and the launcher reports it ready for patches (its reload agent
// connected: events as JSON lines, docs/EVENTS.md); then interrupts it,
// and the whole run must end (internal/hotsession).
func runHot(t *testing.T, s *bazeltest.Env, ws, target, want string) {
	t.Helper()
	cmd := s.Command(ws, "run", target)
	cmd.Env = append(cmd.Env, "HOTRELOAD_EVENTS=json")
	start := time.Now()
	h := hotsession.Start(t, cmd)
	h.AwaitOutput(want, 40*time.Minute)
	h.Await(hotevent.Ready, 40*time.Minute-time.Since(start))
	t.Logf("bazel run %s: printed and ready after %.1f s", target, time.Since(start).Seconds())

	// The launcher forwards an interrupt to the program and exits with it;
	// the program gets it from the group too.
	if err := h.Stop(); err != nil {
		t.Errorf("bazel run %s: %v", target, err)
	}
}

// TestBazelGazelle: `bazel run //:gazelle` with the extension generates
// the go_hot_binary beside the go_binary, `bazel run` of it builds the hot
// program and runs it under the launcher, and turning the directive off
// and running Gazelle again removes it.
func TestBazelGazelle(t *testing.T) {
	s := bazeltest.Setup(t)
	ws := e2eWorkspace(t, s)

	s.Must(t, ws, "run", "//:gazelle")
	build := read(t, filepath.Join(ws, "cmd/greeter/BUILD.bazel"))
	for _, want := range []string{
		`load("@rules_go_hot//rules:defs.bzl", "go_hot_binary")`,
		marker("greeter") + "\ngo_hot_binary(\n    name = \"greeter_hot\",\n    embed = [\":greeter_lib\"],\n    visibility = [\"//visibility:public\"],\n)\n",
		"go_binary(\n    name = \"greeter\",",
	} {
		if !strings.Contains(build, want) {
			t.Fatalf("cmd/greeter/BUILD.bazel lacks\n%s\n---\n%s", want, build)
		}
	}
	if lib := read(t, filepath.Join(ws, "greet/BUILD.bazel")); strings.Contains(lib, "go_hot_binary") {
		t.Errorf("a library package got a hot target:\n%s", lib)
	}
	// Gazelle's fixed point: a second run (-mode=diff exits 1 on a diff)
	// changes nothing.
	s.Must(t, ws, "run", "//:gazelle", "--", "-mode=diff")
	// The ready-made gazelle_binary of rules_go_hot's root package works in
	// a user's workspace too, with the same result.
	s.Must(t, ws, "run", "//:gazelle_shipped", "--", "-mode=diff")

	// The generated target builds, and runs the program under the
	// launcher, reload agent connected.
	runHot(t, s, ws, "//cmd/greeter:greeter_hot", "hello, bazel")

	// Directive off: Gazelle removes the target it generated, and its load.
	root := filepath.Join(ws, "BUILD.bazel")
	write(t, root, strings.Replace(read(t, root), "# gazelle:go_hot enabled", "# gazelle:go_hot disabled", 1))
	s.Must(t, ws, "run", "//:gazelle")
	if build := read(t, filepath.Join(ws, "cmd/greeter/BUILD.bazel")); strings.Contains(build, "go_hot_binary") || strings.Contains(build, "rules_go_hot") {
		t.Errorf("directive disabled, the hot target stayed:\n%s", build)
	}
}
