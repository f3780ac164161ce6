// Package hotsession is the one harness of the tests that drive a reload
// session for real: a hot program started by the caller's command
// (`hotreload run --events=json ...` for the go command, `bazel run
// //x:y_hot` or `ibazel run` for Bazel), read through its public JSON
// event stream (docs/EVENTS.md) and its HTTP service, and edited on disk
// the way an editor saves.
//
// Go tests use Start and the Session's methods; txtar scripts
// (testscript) use the same session through Cmds: `hot start`, `await`,
// `get`, `edit`, `hot stop`. Events are internal/hotevent's.
package hotsession

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Timeouts a session applies where its caller gives none.
const (
	// AddrTimeout bounds the wait for the program's "listening on" line
	// after it is ready.
	AddrTimeout = time.Minute
	// StopGrace is how long Stop waits for the process group to end
	// after an interrupt, and then after SIGKILL.
	StopGrace = 30 * time.Second
)

// reporter is what a session reports failures to: a testing.TB, or a
// script's adapter (whose Fatalf must be called on the script's own
// goroutine, as a session's methods are).
type reporter interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Session is a running hot program.
type Session struct {
	// Dir is where Edit's relative paths start: the command's directory
	// ("" for the test's).
	Dir string
	// PID is the program's process: the started one, until a ready event
	// names the program the launcher runs (again after a restart).
	PID int

	t      reporter
	label  string // the command, for messages
	cmd    *exec.Cmd
	out    *output
	exited chan struct{} // closed once cmd.Wait has returned
	err    error         // cmd.Wait's result, once exited

	nextEvent int    // events Await and Next have consumed
	addr      string // where the program listens, once known
	addrsUsed int    // "listening on" lines taken by Addr

	stopped bool
	stopErr error
}

// Start starts cmd as a session of test t, and stops it when the test
// ends. The command runs in a process group of its own (the launcher,
// the go command or Bazel client, and the program), which Stop ends as a
// whole (as hotreload/internal/procgroup does for the launcher's own
// commands). Every event and output line is logged to t as it arrives.
func Start(t testing.TB, cmd *exec.Cmd) *Session {
	t.Helper()
	s := start(t, cmd, t.Logf)
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Logf("%s: %v", s.label, err)
		}
	})
	return s
}

// start starts cmd; logf, when not nil, is told every line as it
// arrives (from other goroutines).
func start(t reporter, cmd *exec.Cmd, logf func(string, ...any)) *Session {
	t.Helper()
	s := &Session{Dir: cmd.Dir, t: t, label: label(cmd), cmd: cmd, out: newOutput(logf), exited: make(chan struct{})}
	cmd.Stdout = &lineWriter{line: s.out.stdoutLine}
	cmd.Stderr = &lineWriter{line: s.out.stderrLine}
	setGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", s.label, err)
	}
	s.PID = cmd.Process.Pid
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	return s
}

// label names a command by its program and first word: "hotreload run",
// "bazel run", "ibazel run".
func label(cmd *exec.Cmd) string {
	name := filepath.Base(cmd.Path)
	for _, a := range cmd.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			return name + " " + a
		}
	}
	return name
}

// fail reports a failure with what the session saw last.
func (s *Session) fail(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("%s: %s\n%s", s.label, fmt.Sprintf(format, args...), s.out.recent())
}

// ended says how the command ended, or "" while it runs.
func (s *Session) ended() string {
	select {
	case <-s.exited:
		if s.err == nil {
			return "exited"
		}
		return s.err.Error()
	default:
		return ""
	}
}
