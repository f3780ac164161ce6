package gazelle

// Integration test with the real Bazel, rules_go and Gazelle that
// tools/bazel/setup.sh installs: a user's workspace with Go sources and
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
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bazelSetup is what the test needs from the setup.
type bazelSetup struct {
	root      string // RULES_GO_HOT_BAZEL_ROOT
	repo      string // this repository
	hotreload string // hotreload built from this tree, named by its content
}

func needBazel(t *testing.T) *bazelSetup {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real Bazel builds (minutes when cold)")
	}
	root := os.Getenv("RULES_GO_HOT_BAZEL_ROOT")
	if root == "" {
		if os.Getenv("RULES_GO_HOT_REQUIRE_BAZEL") == "1" {
			t.Fatal("RULES_GO_HOT_REQUIRE_BAZEL=1 but RULES_GO_HOT_BAZEL_ROOT is unset: run tools/bazel/setup.sh and source its env.sh")
		}
		t.Skip("no Bazel setup (RULES_GO_HOT_BAZEL_ROOT unset): run tools/bazel/setup.sh and source its env.sh")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	s := &bazelSetup{root: root, repo: repo}
	// As rules/bazel_test.go does: the hot SDK's repository rule takes a
	// prebuilt hotreload from RULES_GO_HOT_HOTRELOAD, and a new path (new
	// content) re-runs it, so the same tool keeps every hot object cached.
	dir := filepath.Join(root, "hotreload")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, fmt.Sprintf("build-%d", os.Getpid()))
	cmd := exec.Command("go", "build", "-trimpath", "-o", tmp, "./hotreload")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building hotreload: %v\n%s", err, out)
	}
	b, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	s.hotreload = filepath.Join(dir, "hotreload-"+hex.EncodeToString(sum[:6]))
	if err := os.Rename(tmp, s.hotreload); err != nil {
		t.Fatal(err)
	}
	return s
}

// bazel runs a Bazel command in ws, with the shared output user root (and
// through the rc, the shared disk cache).
func (s *bazelSetup) bazel(t *testing.T, ws string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bazel", append([]string{"--output_user_root=" + filepath.Join(s.root, "output_user_root")}, args...)...)
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "RULES_GO_HOT_HOTRELOAD="+s.hotreload)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("bazel %s: %.1f s", strings.Join(args, " "), time.Since(start).Seconds())
	return string(out), err
}

func (s *bazelSetup) mustBazel(t *testing.T, ws string, args ...string) string {
	t.Helper()
	out, err := s.bazel(t, ws, args...)
	if err != nil {
		t.Fatalf("bazel %s: %v\n%s", strings.Join(args, " "), err, lastLines(out, 60))
	}
	return out
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// e2eWorkspace lays out the user's workspace at a fixed place under the
// setup root (a fixed path keeps its Bazel output base, hence warm builds,
// from one run to the next). Only the root BUILD file is written: every
// other BUILD file is Gazelle's, and the previous run's are removed first.
func (s *bazelSetup) e2eWorkspace(t *testing.T) string {
	t.Helper()
	ws := filepath.Join(s.root, "e2e", "gazelle")
	for _, d := range []string{"cmd", "greet"} {
		if err := os.RemoveAll(filepath.Join(ws, d)); err != nil {
			t.Fatal(err)
		}
	}
	tmpl := read(t, filepath.Join("testdata", "WORKSPACE.e2e"))
	write(t, filepath.Join(ws, "WORKSPACE"), strings.ReplaceAll(tmpl, "{{RULES_GO_HOT}}", s.repo))
	write(t, filepath.Join(ws, "BUILD.bazel"), read(t, filepath.Join("testdata", "BUILD.e2e")))
	write(t, filepath.Join(ws, ".bazelrc"), "try-import %workspace%/.rules_go_hot.bazelrc\n")
	os.Remove(filepath.Join(ws, ".rules_go_hot.bazelrc"))
	if err := os.Symlink(filepath.Join(s.root, "bazelrc"), filepath.Join(ws, ".rules_go_hot.bazelrc")); err != nil {
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
// connected: events as JSON lines, docs/EVENTS.md); then interrupts it.
func (s *bazelSetup) runHot(t *testing.T, ws, target, want string) {
	t.Helper()
	cmd := exec.Command("bazel", "--output_user_root="+filepath.Join(s.root, "output_user_root"), "run", target)
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "RULES_GO_HOT_HOTRELOAD="+s.hotreload, "HOTRELOAD_EVENTS=json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Its own process group: the client execs the launcher, which starts
	// the program; signals and, if need be, SIGKILL go to all of them (not
	// to the Bazel server, a daemon in a session of its own).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	group := func(sig syscall.Signal) { syscall.Kill(-cmd.Process.Pid, sig) }

	var (
		mu     sync.Mutex
		output []string
		wg     sync.WaitGroup
	)
	printed, ready := make(chan bool, 1), make(chan bool, 1)
	scan := func(r io.Reader, match string, found chan bool) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			mu.Lock()
			output = append(output, sc.Text())
			mu.Unlock()
			if strings.Contains(sc.Text(), match) {
				select {
				case found <- true:
				default:
				}
			}
		}
	}
	wg.Add(2)
	go scan(stdout, want, printed)
	go scan(stderr, `{"event":"ready"`, ready)
	exited := make(chan error, 1)
	go func() {
		wg.Wait() // Wait closes the pipes: read them to the end first
		exited <- cmd.Wait()
	}()
	fail := func(format string, args ...interface{}) {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("bazel run %s: %s\n%s", target, fmt.Sprintf(format, args...), lastLines(strings.Join(output, "\n"), 60))
	}

	deadline := time.After(40 * time.Minute)
	for printed != nil || ready != nil {
		select {
		case <-printed:
			printed = nil
		case <-ready:
			ready = nil
		case err := <-exited:
			fail("ended (%v) before the program printed %q and was ready", err, want)
		case <-deadline:
			group(syscall.SIGKILL)
			fail("no %q and ready event within the deadline", want)
		}
	}
	t.Logf("bazel run %s: printed and ready after %.1f s", target, time.Since(start).Seconds())

	// The launcher forwards an interrupt to the program and exits with it;
	// the program gets it from the group too.
	group(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		left := processGroup(cmd.Process.Pid)
		group(syscall.SIGKILL)
		t.Errorf("bazel run %s: still running 30 s after an interrupt:\n%s", target, left)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Errorf("bazel run %s: its output is still open 30 s after SIGKILL", target)
		}
	}
}

// processGroup lists the processes of group pgid, for a failure message.
func processGroup(pgid int) string {
	out, err := exec.Command("ps", "-eo", "pgid=,pid=,ppid=,stat=,args=").Output()
	if err != nil {
		return fmt.Sprintf("(ps: %v)", err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == fmt.Sprint(pgid) {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "(no process left in its group: something outside it holds its output open)"
	}
	return strings.Join(lines, "\n")
}

// TestBazelGazelle: `bazel run //:gazelle` with the extension generates
// the go_hot_binary beside the go_binary, `bazel run` of it builds the hot
// program and runs it under the launcher, and turning the directive off
// and running Gazelle again removes it.
func TestBazelGazelle(t *testing.T) {
	s := needBazel(t)
	ws := s.e2eWorkspace(t)

	s.mustBazel(t, ws, "run", "//:gazelle")
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
	s.mustBazel(t, ws, "run", "//:gazelle", "--", "-mode=diff")
	// The ready-made gazelle_binary of rules_go_hot's root package works in
	// a user's workspace too, with the same result.
	s.mustBazel(t, ws, "run", "//:gazelle_shipped", "--", "-mode=diff")

	// The generated target builds, and runs the program under the
	// launcher, reload agent connected.
	s.runHot(t, ws, "//cmd/greeter:greeter_hot", "hello, bazel")

	// Directive off: Gazelle removes the target it generated, and its load.
	root := filepath.Join(ws, "BUILD.bazel")
	write(t, root, strings.Replace(read(t, root), "# gazelle:go_hot enabled", "# gazelle:go_hot disabled", 1))
	s.mustBazel(t, ws, "run", "//:gazelle")
	if build := read(t, filepath.Join(ws, "cmd/greeter/BUILD.bazel")); strings.Contains(build, "go_hot_binary") || strings.Contains(build, "rules_go_hot") {
		t.Errorf("directive disabled, the hot target stayed:\n%s", build)
	}
}
