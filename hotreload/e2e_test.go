package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/testutil"
	"github.com/gohot/rules_go_hot/internal/hotsession"
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

// session is a `hotreload run` of a module (internal/hotsession).
type session struct{ *hotsession.Session }

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
	args := append([]string{"run", "--events=json", "--state-dir", t.TempDir()}, flags...)
	cmd := exec.Command(hotreloadCommand(t), append(args, ".", "--", "-addr", "127.0.0.1:0")...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	return &session{hotsession.Start(t, cmd)}
}

// ready waits for the program (and where it listens) and its kit.
func (s *session) ready() {
	s.Ready(15 * time.Minute)
	s.Await(events.Kit, 15*time.Minute)
}

// TestLiveReload drives the whole loop for real: hotreload run builds the
// example service hot and runs it; HTTP requests build state; edits saved
// on disk are patched into the running process, which keeps its state.
// The scenario is testdata/session/live_reload.txtar.
func TestLiveReload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library twice when the cache is cold")
	}
	p := scriptParams(t)
	p.Files = []string{"testdata/session/live_reload.txtar"}
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		// $WORK/visits: a copy of the example service.
		if err := os.CopyFS(filepath.Join(env.WorkDir, "visits"), os.DirFS("../examples/visits")); err != nil {
			return err
		}
		return setup(env)
	}
	p.Cmds["foreignpatch"] = foreignPatch
	testscript.Run(t, hotsession.Script(p))
}

// foreignPatch is the script command `foreignpatch SOCKET FILE`: it
// writes FILE, a copy of the last patch applied by the agent at SOCKET
// (the launcher keeps only that one's plugin) whose
// manifest names another build as its base (another-binary/xyz), and sets
// $BUILD_ID to the running program's build.
func foreignPatch(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: foreignpatch SOCKET FILE")
	}
	st, err := protocol.Dial(args[0])
	ts.Check(err)
	status, err := st.Status()
	st.Close()
	if err != nil || len(status.Generations) == 0 {
		ts.Fatalf("status: %v %+v", err, status)
	}
	var plugin string
	for _, g := range status.Generations {
		if g.Kind == protocol.KindApply {
			plugin = g.Plugin
		}
	}
	m, err := protocol.ReadManifest(protocol.ManifestPath(plugin))
	ts.Check(err)
	m.BaseBuildID = "another-binary/xyz"
	foreign := ts.MkAbs(args[1])
	b, err := os.ReadFile(plugin)
	ts.Check(err)
	ts.Check(os.WriteFile(foreign, b, 0o644))
	ts.Check(protocol.WriteManifest(protocol.ManifestPath(foreign), m))
	ts.Setenv("BUILD_ID", status.BuildID)
}

// TestRestartOnRude: with --restart-on-rude an edit a patch cannot take
// rebuilds and restarts the program, and says that its state is lost.
func TestRestartOnRude(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library when the cache is cold")
	}
	// Plugin mode (--link=shared is the default, and TestLinkShared's).
	s := startSession(t, "--restart-on-rude", "--link=plugin")
	s.Expect("/hit?page=home", "page home: 1 hits")
	s.Expect("/hit?page=home", "page home: 2 hits")
	s.Edit("store/store.go", "\ttotal int\n", "\ttotal int\n\tlast  string\n")
	s.Edit("store/store.go", "\tc.total++\n", "\tc.total++\n\tc.last = page + \"!\"\n")
	s.Await(events.Refused, 5*time.Minute)
	var r events.Event
	if err := s.Await(events.Restart, time.Minute).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(events.Human(r), "state is lost") {
		t.Fatalf("restart event: %s", events.Human(r))
	}
	pid := s.PID
	// Ready waits for the restarted program to say where it listens.
	if ready := s.Ready(10 * time.Minute); ready.PID == pid {
		t.Fatalf("same pid %d after a restart", ready.PID)
	}
	s.Expect("/hit?page=home", "page home: 1 hits") // a new process: counters start over
}
