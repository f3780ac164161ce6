package rules_test

// Integration tests of the Bazel rules with the real Bazel and rules_go that
// tools/bazel/setup.sh installs: a user's workspace (rules_go_hot as an
// external repository) builds the example service as a go_hot_binary, runs
// it with `bazel run`, and has its edits patched into the running process.
//
// They need the setup (scripts/test.sh runs it): RULES_GO_HOT_BAZEL_ROOT
// names it. Without it they skip — unless RULES_GO_HOT_REQUIRE_BAZEL=1, as
// in CI, where a missing Bazel is a failure.

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/internal/bazeltest"
)

// env is the shared Bazel setup (internal/bazeltest) plus this package's
// example workspaces.
type env struct{ *bazeltest.Env }

func bazelEnv(t *testing.T) *env { return &env{bazeltest.Setup(t)} }

// workspace lays out a user's workspace at a fixed place under the setup
// root (a fixed path keeps its Bazel output base, hence warm builds, from
// one run to the next): the example service with its BUILD files and the
// given WORKSPACE template.
func (e *env) workspace(t *testing.T, name, workspaceTemplate string, hot bool) string {
	t.Helper()
	ws := filepath.Join(e.Root, "e2e", name)
	e.layout(t, ws, workspaceTemplate, hot)
	return ws
}

// layout writes the example workspace into ws.
func (e *env) layout(t *testing.T, ws, workspaceTemplate string, hot bool) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(ws, "examples")); err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile(filepath.Join("testdata", workspaceTemplate))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(ws, "WORKSPACE"), strings.ReplaceAll(string(tmpl), "{{RULES_GO_HOT}}", e.Repo))
	write(t, filepath.Join(ws, ".bazelrc"), "try-import %workspace%/.rules_go_hot.bazelrc\n")
	os.Remove(filepath.Join(ws, ".rules_go_hot.bazelrc"))
	if err := os.Symlink(filepath.Join(e.Root, "bazelrc"), filepath.Join(ws, ".rules_go_hot.bazelrc")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"main.go", "store/store.go", "store/BUILD.bazel", "BUILD.bazel"} {
		b, err := os.ReadFile(filepath.Join(e.Repo, "examples/visits", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "BUILD.bazel" && !hot {
			b = withoutHotTargets(t, b)
		}
		write(t, filepath.Join(ws, "examples/visits", f), string(b))
	}
}

// withoutHotTargets removes rules_go_hot's load and go_hot_binary targets
// from a BUILD file.
func withoutHotTargets(t *testing.T, b []byte) []byte {
	s := regexp.MustCompile(`(?m)^load\("@rules_go_hot//rules:defs.bzl".*\n`).ReplaceAllString(string(b), "")
	s = regexp.MustCompile(`(?ms)^(# [^\n]*\n)*go_hot_binary\(.*?^\)\n`).ReplaceAllString(s, "")
	if strings.Contains(s, "go_hot_binary(") || strings.Contains(s, "@rules_go_hot//") {
		t.Fatalf("could not strip the hot targets:\n%s", s)
	}
	return []byte(s)
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestPlainBinaryUnchanged: a go_binary beside go_hot_binary targets is
// byte-identical to the same go_binary in a workspace without
// rules_go_hot, and the hot binary differs (it is instrumented).
func TestPlainBinaryUnchanged(t *testing.T) {
	e := bazelEnv(t)
	hot := e.workspace(t, "hot", "WORKSPACE.hot", true)
	plain := e.workspace(t, "plain", "WORKSPACE.plain", false)
	e.Must(t, hot, "build", "//examples/visits:visits", "//examples/visits:visits_hot")
	e.Must(t, plain, "build", "//examples/visits:visits")
	withHot := sha(t, filepath.Join(hot, "bazel-bin/examples/visits/visits_/visits"))
	without := sha(t, filepath.Join(plain, "bazel-bin/examples/visits/visits_/visits"))
	if withHot != without {
		t.Errorf("go_binary built beside go_hot_binary differs from one built without rules_go_hot: %s vs %s", withHot, without)
	}
	// The hot binary lives in the hot configuration's output tree; its
	// runfiles link it.
	hotBin := sha(t, filepath.Join(hot, "bazel-bin/examples/visits/visits_hot.runfiles/visits_e2e/examples/visits/visits_hot.hotbin_/visits_hot.hotbin"))
	if hotBin == withHot {
		t.Error("the hot binary is the plain one")
	}
}

// event is the public JSON event stream (docs/EVENTS.md), as a consumer
// reads it.
type event struct {
	Event     string   `json:"event"`
	PID       int      `json:"pid"`
	Gen       int      `json:"gen"`
	Functions []string `json:"functions"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Decl      string   `json:"decl"`
	Reason    string   `json:"reason"`
	Kind      string   `json:"kind"`
	Message   string   `json:"message"`
	BuildMS   float64  `json:"build_ms"`
	TotalMS   float64  `json:"total_ms"`
	Errors    []struct {
		File string `json:"file"`
		Line int    `json:"line"`
	} `json:"errors"`
}

// run is a `bazel run` of the hot target.
type run struct {
	t      *testing.T
	ws     string
	cmd    *exec.Cmd
	events chan event
	addr   string
}

func (e *env) bazelRun(t *testing.T, ws, target string) *run {
	t.Helper()
	r := &run{t: t, ws: ws, events: make(chan event, 100)}
	r.cmd = e.Command(ws, "run", target, "--", "-addr", "127.0.0.1:0")
	r.cmd.Env = append(r.cmd.Env, "HOTRELOAD_EVENTS=json")
	r.start(t)
	return r
}

// start runs r.cmd, collects its events and waits for the program.
func (r *run) start(t *testing.T) {
	t.Helper()
	stderr, _ := r.cmd.StderrPipe()
	stdout, _ := r.cmd.StdoutPipe()
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- r.cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			r.cmd.Process.Kill()
		}
	})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			// ibazel writes to the same stderr, at times without ending its
			// line first: an event may start mid-line.
			var ev event
			if i := strings.Index(line, `{"event":`); i >= 0 && json.Unmarshal([]byte(line[i:]), &ev) == nil {
				t.Logf("event %s", line)
				r.events <- ev
			} else if !strings.HasPrefix(line, "[") && !strings.HasPrefix(line, "Loading") && !strings.HasPrefix(line, "Analyzing") {
				t.Logf("stderr: %s", line)
			}
		}
		close(r.events)
	}()
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		re := regexp.MustCompile(`listening on http://(\S+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- m[1]
			}
		}
	}()
	r.wait("ready", 20*time.Minute)
	select {
	case r.addr = <-addrs:
	case <-time.After(time.Minute):
		t.Fatal("the program did not say where it listens")
	}
}

func (r *run) wait(kind string, timeout time.Duration) event {
	r.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-r.events:
			if !ok {
				r.t.Fatalf("bazel run ended while waiting for %s", kind)
			}
			if ev.Event == kind {
				return ev
			}
			if ev.Event == "error" || ev.Event == "refused" || ev.Event == "exit" {
				r.t.Fatalf("waiting for %s, got %+v", kind, ev)
			}
		case <-deadline:
			r.t.Fatalf("no %s event within %v", kind, timeout)
		}
	}
}

func (r *run) get(path string) string {
	r.t.Helper()
	resp, err := http.Get("http://" + r.addr + path)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

func (r *run) expect(path, want string) {
	r.t.Helper()
	if got := r.get(path); got != want {
		r.t.Fatalf("GET %s = %q, want %q", path, got, want)
	}
}

// edit saves a file the way many editors do (write a copy, rename it).
func (r *run) edit(file, old, new string) {
	r.t.Helper()
	p := filepath.Join(r.ws, file)
	b, err := os.ReadFile(p)
	if err != nil {
		r.t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		r.t.Fatalf("%s does not contain %q", file, old)
	}
	tmp := p + ".swp~"
	if err := os.WriteFile(tmp, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		r.t.Fatal(err)
	}
}

// TestBazelRunLiveReload: `bazel run //examples/visits:visits_hot` runs the
// service under the launcher; edits to the workspace's sources are patched
// into the running process through the fast path, state intact; a rude
// edit is refused with file:line and the old code serves on.
func TestBazelRunLiveReload(t *testing.T) {
	e := bazelEnv(t)
	ws := e.workspace(t, "hot", "WORKSPACE.hot", true)
	r := e.bazelRun(t, ws, "//examples/visits:visits_hot")
	r.expect("/hit?page=home", "page home: 1 hits")
	r.expect("/hit?page=home", "page home: 2 hits")
	sid := r.get("/login?user=ann")
	r.expect("/me?sid="+sid, "user ann, 1 visits")

	// An unexported method of an unexported type, in a library package.
	r.edit("examples/visits/store/store.go", "\tc.hits[page]++\n", "\tc.hits[page] += 10\n")
	ev := r.wait("applied", 5*time.Minute)
	if ev.Gen != 1 || len(ev.Functions) != 1 || ev.Functions[0] != "example.com/visits/store.counter.add" {
		t.Fatalf("applied %+v", ev)
	}
	t.Logf("edit -> applied: %.0f ms (build %.0f ms)", ev.TotalMS, ev.BuildMS)
	r.expect("/hit?page=home", "page home: 12 hits")
	r.expect("/me?sid="+sid, "user ann, 2 visits") // the session survived

	// A function of package main.
	r.edit("examples/visits/main.go", `fmt.Fprintln(w, "ok")`, `fmt.Fprintln(w, "ok, patched")`)
	if ev := r.wait("applied", 5*time.Minute); ev.Gen != 2 {
		t.Fatalf("applied %+v", ev)
	}
	r.expect("/health", "ok, patched")

	// A rude edit: refused with where and why; the old code serves on.
	r.edit("examples/visits/store/store.go", "\ttotal int\n", "\ttotal int\n\tlast  string\n")
	ref := r.wait("refused", 5*time.Minute)
	if ref.File != "examples/visits/store/store.go" || ref.Line != 14 || ref.Decl != "type counter" || !strings.Contains(ref.Reason, "struct fields changed") {
		t.Fatalf("refusal %+v", ref)
	}
	r.expect("/hit?page=home", "page home: 22 hits")

	// A compile error: file:line, and nothing changes.
	r.edit("examples/visits/store/store.go", "\ttotal int\n\tlast  string\n", "\ttotal int\n")
	r.wait("unchanged", 5*time.Minute)
	r.edit("examples/visits/store/store.go", "c.total++", "c.total += page")
	ce := r.wait("error", 5*time.Minute)
	if ce.Kind != "compile" || len(ce.Errors) == 0 || ce.Errors[0].File != "examples/visits/store/store.go" || ce.Errors[0].Line != 24 {
		t.Fatalf("compile error %+v", ce)
	}
	r.expect("/hit?page=home", "page home: 32 hits")
	r.expect("/me?sid="+sid, "user ann, 3 visits")

	// Every edit undone: the original code again, by a patch that resets
	// both functions; the state stays.
	r.edit("examples/visits/store/store.go", "c.total += page", "c.total++")
	r.edit("examples/visits/store/store.go", "\tc.hits[page] += 10\n", "\tc.hits[page]++\n")
	r.edit("examples/visits/main.go", `fmt.Fprintln(w, "ok, patched")`, `fmt.Fprintln(w, "ok")`)
	for {
		ev := r.wait("applied", 5*time.Minute)
		if len(ev.Functions) == 2 && r.get("/health") == "ok" {
			break
		}
	}
	r.expect("/hit?page=home", "page home: 33 hits")
	r.expect("/me?sid="+sid, "user ann, 4 visits")
}

// TestHotSDKBuildsHotreload: without a prebuilt tool, the hot SDK's
// repository rule builds hotreload from this repository with the user's Go
// (what users get), and it is the very binary the other tests use.
func TestHotSDKBuildsHotreload(t *testing.T) {
	e := bazelEnv(t)
	ws := e.workspace(t, "fetch", "WORKSPACE.hot", true)
	cmd := e.Command(ws, "fetch", "@go_hot_sdk_tools//:all")
	var env []string
	for _, kv := range cmd.Env {
		if !strings.HasPrefix(kv, "RULES_GO_HOT_HOTRELOAD=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bazel fetch: %v\n%s", err, bazeltest.Tail(string(out), 40))
	}
	out, err := e.Command(ws, "info", "output_base").Output()
	if err != nil {
		t.Fatalf("bazel info output_base: %v", err)
	}
	base := strings.TrimSpace(string(out))
	built := filepath.Join(base, "external/go_hot_sdk_tools/hotreload")
	if got, want := sha(t, built), sha(t, e.Hotreload); got != want {
		t.Errorf("the repository rule's hotreload (%s) differs from `go build -trimpath ./hotreload` (%s)", got, want)
	}
	// The mirror's compiler is the wrapper, and the rest is the real SDK.
	script, err := os.ReadFile(filepath.Join(base, "external/go_hot_sdk_tools/goroot/pkg/tool/linux_amd64/compile"))
	if err != nil || !strings.Contains(string(script), `exec "$d/gohot-hotreload"`) {
		t.Errorf("hot SDK compile script: %v\n%s", err, script)
	}
	if fi, err := os.Lstat(filepath.Join(base, "external/go_hot_sdk_tools/goroot/pkg/tool/linux_amd64/link")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the hot SDK's link should be the real one (a symlink): %v", err)
	}
}
