package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/gohot/rules_go_hot/hotreload/internal/testutil"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// hotreloadCommand returns a path that runs this test binary as the
// hotreload command (testscript.Main dispatches on the program name).
func hotreloadCommand(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "hotreload")
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// session is a `hotreload run` of a copy of examples/visits.
type session struct {
	t      *testing.T
	hot    string
	mod    string
	cmd    *exec.Cmd
	events chan events.Event
	addr   string
	addrs  chan string // every "listening on" the program prints
	pid    int
}

// startSession runs a copy of examples/visits under `hotreload run` and
// waits until it serves and its patch kit is ready.
func startSession(t *testing.T, flags ...string) *session {
	t.Helper()
	mod := t.TempDir()
	testutil.CopyTree(t, "../examples/visits", mod)
	s := runHot(t, mod, nil, flags...)
	s.ready()
	return s
}

// runHot starts `hotreload run --events=json [flags] . -- -addr
// 127.0.0.1:0` on the module in dir, with env added to the environment,
// and does not wait. It is the one way these tests start a session.
func runHot(t *testing.T, dir string, env []string, flags ...string) *session {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("hot programs need cgo, and there is no gcc")
	}
	s := &session{t: t, hot: hotreloadCommand(t), mod: dir, events: make(chan events.Event, 100)}
	args := append([]string{"run", "--events=json", "--state-dir", t.TempDir()}, flags...)
	s.cmd = exec.Command(s.hot, append(args, ".", "--", "-addr", "127.0.0.1:0")...)
	s.cmd.Dir = dir
	if env != nil {
		s.cmd.Env = append(os.Environ(), env...)
	}
	stderr, _ := s.cmd.StderrPipe()
	stdout, _ := s.cmd.StdoutPipe()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
		}
	})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			var e events.Event
			if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &e) == nil && e.Event != "" {
				t.Logf("event %s", line)
				s.events <- e
			} else {
				t.Logf("stderr: %s", line)
			}
		}
		close(s.events)
	}()
	addrCh := make(chan string, 4)
	s.addrs = addrCh
	go func() {
		sc := bufio.NewScanner(stdout)
		re := regexp.MustCompile(`listening on http://(\S+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
			}
		}
	}()
	return s
}

// ready waits for the program (and where it listens) and its kit.
func (s *session) ready() {
	s.t.Helper()
	s.pid = s.wait(events.Ready, 15*time.Minute).PID
	select {
	case s.addr = <-s.addrs:
	case <-time.After(30 * time.Second):
		s.t.Fatal("the program did not say where it listens")
	}
	s.wait(events.Kit, 15*time.Minute)
}

// wait returns the next event of the kind, failing on an unexpected
// error or refusal.
func (s *session) wait(kind string, timeout time.Duration) events.Event {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				s.t.Fatalf("hotreload run ended while waiting for %s", kind)
			}
			if e.Event == kind {
				return e
			}
			if (e.Event == events.Error || e.Event == events.Refused || e.Event == events.Exit) && kind != e.Event {
				s.t.Fatalf("waiting for %s, got %+v", kind, e)
			}
		case <-deadline:
			s.t.Fatalf("no %s event within %v", kind, timeout)
		}
	}
}

func (s *session) get(path string) string {
	s.t.Helper()
	resp, err := http.Get("http://" + s.addr + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

func (s *session) expect(path, want string) {
	s.t.Helper()
	if got := s.get(path); got != want {
		s.t.Fatalf("GET %s = %q, want %q", path, got, want)
	}
}

func (s *session) edit(file, old, new string) {
	s.t.Helper()
	p := filepath.Join(s.mod, file)
	b, err := os.ReadFile(p)
	if err != nil {
		s.t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		s.t.Fatalf("%s does not contain %q", file, old)
	}
	// Write-and-rename, as many editors save.
	tmp := p + ".swp~"
	if err := os.WriteFile(tmp, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		s.t.Fatal(err)
	}
}

func (s *session) run(args ...string) (string, error) {
	out, err := exec.Command(s.hot, args...).CombinedOutput()
	return string(out), err
}

// TestLiveReload drives the whole loop for real: hotreload run builds the
// example service hot and runs it; HTTP requests build state; edits saved
// on disk are patched into the running process, which keeps its state.
func TestLiveReload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library twice when the cache is cold")
	}
	s := startSession(t)
	s.expect("/hit?page=home", "page home: 1 hits")
	s.expect("/hit?page=home", "page home: 2 hits")
	sid := s.get("/login?user=ann")
	s.expect("/me?sid="+sid, "user ann, 1 visits")

	// An unexported method of an unexported type.
	s.edit("store/store.go", "\tc.hits[page]++\n", "\tc.hits[page] += 10\n")
	e := s.wait(events.Applied, 5*time.Minute)
	if e.Gen != 1 || len(e.Functions) != 1 || e.Functions[0] != "example.com/visits/store.counter.add" || e.BuildMS <= 0 || e.TotalMS <= 0 {
		t.Fatalf("applied event %+v", e)
	}
	s.expect("/hit?page=home", "page home: 12 hits")
	s.expect("/me?sid="+sid, "user ann, 2 visits") // the session survived

	// The same function again, and another one.
	s.edit("store/store.go", "c.hits[page] += 10", "c.hits[page] += 100")
	s.edit("store/store.go", `"user %s, %d visits"`, `"user %s (%d visits)"`)
	if e := s.wait(events.Applied, 5*time.Minute); e.Gen != 2 {
		t.Fatalf("second patch: %+v", e)
	}
	s.expect("/hit?page=home", "page home: 112 hits")
	s.expect("/me?sid="+sid, "user ann (3 visits)")

	// A new helper, used by an edited body.
	s.edit("store/store.go", "c.hits[page] += 100", "c.hits[page] += bonus(page)")
	s.edit("store/store.go", "// session is one logged-in user.", "func bonus(page string) int { return len(page) * 1000 }\n\n// session is one logged-in user.")
	s.wait(events.Applied, 5*time.Minute)
	s.expect("/hit?page=home", "page home: 4112 hits")

	// A function of package main.
	s.edit("main.go", `fmt.Fprintln(w, "ok")`, `fmt.Fprintln(w, "ok, patched")`)
	s.wait(events.Applied, 5*time.Minute)
	s.expect("/health", "ok, patched")

	// A rude edit is refused, with where and why; the old code serves on.
	s.edit("store/store.go", "\ttotal int\n", "\ttotal int\n\tlast  string\n")
	r := s.wait(events.Refused, 5*time.Minute)
	if r.File != "store/store.go" || r.Line != 14 || r.Decl != "type counter" || !strings.Contains(r.Reason, "struct fields changed") {
		t.Fatalf("refusal %+v", r)
	}
	s.expect("/hit?page=home", "page home: 8112 hits")
	s.edit("store/store.go", "\ttotal int\n\tlast  string\n", "\ttotal int\n")
	s.wait(events.Unchanged, 5*time.Minute)

	// A compile error is reported with file:line; the process is untouched.
	s.edit("store/store.go", "c.total++", "c.total += page")
	ce := s.wait(events.Error, 5*time.Minute)
	if ce.Kind != "compile" || len(ce.Errors) == 0 || ce.Errors[0].File != "store/store.go" || ce.Errors[0].Line != 24 {
		t.Fatalf("compile error event %+v", ce)
	}
	s.expect("/hit?page=home", "page home: 12112 hits")
	s.edit("store/store.go", "c.total += page", "c.total++")
	s.wait(events.Unchanged, 5*time.Minute)

	// status lists the generations; revert goes back to the original code.
	out, err := s.run("status", "--pid", fmt.Sprint(s.pid))
	if err != nil || !strings.Contains(out, "generation 4") || !strings.Contains(out, "store.counter.add") {
		t.Fatalf("status: %v\n%s", err, out)
	}
	if out, err := s.run("revert", "--pid", fmt.Sprint(s.pid), "0"); err != nil || !strings.Contains(out, "now generation 5") {
		t.Fatalf("revert: %v\n%s", err, out)
	}
	s.expect("/hit?page=home", "page home: 12113 hits")
	s.expect("/health", "ok")
	s.expect("/me?sid="+sid, "user ann, 4 visits")

	// A patch built for another binary is refused, naming both builds.
	st, err := protocol.Dial(protocol.DefaultSocket(s.pid))
	if err != nil {
		t.Fatal(err)
	}
	status, err := st.Status()
	st.Close()
	if err != nil || len(status.Generations) == 0 {
		t.Fatalf("status: %v %+v", err, status)
	}
	plugin := status.Generations[0].Plugin
	m, err := protocol.ReadManifest(protocol.ManifestPath(plugin))
	if err != nil {
		t.Fatal(err)
	}
	m.BaseBuildID = "another-binary/xyz"
	foreign := filepath.Join(t.TempDir(), "foreign.so")
	b, _ := os.ReadFile(plugin)
	os.WriteFile(foreign, b, 0o644)
	if err := protocol.WriteManifest(protocol.ManifestPath(foreign), m); err != nil {
		t.Fatal(err)
	}
	out, err = s.run("apply", "--pid", fmt.Sprint(s.pid), foreign)
	if err == nil || !strings.Contains(out, "another-binary/xyz") || !strings.Contains(out, status.BuildID) {
		t.Fatalf("foreign patch: %v\n%s", err, out)
	}
	s.expect("/hit?page=home", "page home: 12114 hits")
}

// TestRestartOnRude: with --restart-on-rude an edit a patch cannot take
// rebuilds and restarts the program, and says that its state is lost.
func TestRestartOnRude(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	s := startSession(t, "--restart-on-rude")
	s.expect("/hit?page=home", "page home: 1 hits")
	s.expect("/hit?page=home", "page home: 2 hits")
	s.edit("store/store.go", "\ttotal int\n", "\ttotal int\n\tlast  string\n")
	s.edit("store/store.go", "\tc.total++\n", "\tc.total++\n\tc.last = page + \"!\"\n")
	s.wait(events.Refused, 5*time.Minute)
	r := s.wait(events.Restart, time.Minute)
	if !strings.Contains(events.Human(r), "state is lost") {
		t.Fatalf("restart event: %s", events.Human(r))
	}
	ready := s.wait(events.Ready, 10*time.Minute)
	if ready.PID == s.pid {
		t.Fatalf("same pid %d after a restart", ready.PID)
	}
	select {
	case s.addr = <-s.addrs:
	case <-time.After(30 * time.Second):
		t.Fatal("the restarted program did not say where it listens")
	}
	s.expect("/hit?page=home", "page home: 1 hits") // a new process: counters start over
}
