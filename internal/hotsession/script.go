package hotsession

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gohot/rules_go_hot/internal/hotevent"
)

// How long a script's await waits: the builds (the base, the patch kit,
// a restart's rebuild) take minutes when the cache is cold; an edit's
// patch, seconds.
const (
	buildTimeout = 20 * time.Minute
	editTimeout  = 5 * time.Minute
)

func awaitTimeout(kind string) time.Duration {
	switch kind {
	case hotevent.Building, hotevent.Built, hotevent.Ready, hotevent.Kit, hotevent.Restart:
		return buildTimeout
	}
	return editTimeout
}

// Script returns p with the session commands (Cmds) added and its Setup
// wrapped to record the script's environment, which `hot start` runs its
// command in.
func Script(p testscript.Params) testscript.Params {
	if p.Cmds == nil {
		p.Cmds = map[string]func(*testscript.TestScript, bool, []string){}
	}
	for name, cmd := range Cmds() {
		p.Cmds[name] = cmd
	}
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if setup != nil {
			if err := setup(env); err != nil {
				return err
			}
		}
		var names []string
		for _, kv := range env.Vars {
			if name, _, ok := strings.Cut(kv, "="); ok {
				names = append(names, name)
			}
		}
		env.Values[envNames{}] = names
		return nil
	}
	return p
}

// envNames keys the names of the script's environment variables in the
// script's values.
type envNames struct{}

// Cmds returns the session commands for testscript, one session per
// script:
//
//	hot start [NAME=VALUE...] PROGRAM [ARGS...]
//		starts PROGRAM (found on the script's PATH) in the current
//		directory, with the script's environment (see Script) and the
//		given variables; it is stopped when the script ends.
//	hot stop
//		stops it: an interrupt must end it (Session.Stop).
//	await KIND [REGEXP]
//		waits for the next event of KIND (whose JSON line matches REGEXP),
//		as Session.Await does, and prints its JSON line to stdout. A
//		ready event sets $HOT_PID and $HOT_SOCKET.
//	get URL-PATH [WANT]
//		prints the program's answer to GET URL-PATH; with WANT, it must
//		be WANT.
//	edit FILE OLD NEW
//		replaces the first OLD in FILE with NEW as an editor saves (\n,
//		\t and \\ in OLD and NEW stand for a newline, a tab, a backslash).
//
// `edit` needs no session.
func Cmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	r := &scriptSessions{byScript: map[*testscript.TestScript]*Session{}}
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"hot":   r.hot,
		"await": r.await,
		"get":   r.get,
		"edit":  edit,
	}
}

// scriptSessions are the sessions of the scripts that run.
type scriptSessions struct {
	mu       sync.Mutex
	byScript map[*testscript.TestScript]*Session
}

// of returns the script's session, which reports to the script.
func (r *scriptSessions) of(ts *testscript.TestScript) *Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.byScript[ts]
	if s == nil {
		ts.Fatalf("no session: run `hot start` first")
	}
	return s
}

func (r *scriptSessions) hot(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "hot")
	switch {
	case len(args) > 1 && args[0] == "start":
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.byScript[ts] != nil {
			ts.Fatalf("hot start: a session runs already")
		}
		s := start(scriptT{ts}, scriptCommand(ts, args[1:]), nil)
		r.byScript[ts] = s
		ts.Defer(func() {
			s.Stop()
			r.mu.Lock()
			delete(r.byScript, ts)
			r.mu.Unlock()
		})
	case len(args) == 1 && args[0] == "stop":
		ts.Check(r.of(ts).Stop())
	default:
		ts.Fatalf("usage: hot start [NAME=VALUE...] PROGRAM [ARGS...] | hot stop")
	}
}

func (r *scriptSessions) await(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "await")
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: await KIND [REGEXP]")
	}
	kind, match := args[0], func(hotevent.Event) bool { return true }
	if len(args) == 2 {
		re, err := regexp.Compile(args[1])
		ts.Check(err)
		match = func(e hotevent.Event) bool { return re.MatchString(e.JSON) }
	}
	s := r.of(ts)
	e, err := s.await(kind, match, awaitTimeout(kind))
	if err != nil {
		s.fail("await %s: %v", strings.Join(args, " "), err)
	}
	fmt.Fprintln(ts.Stdout(), e.JSON)
	if kind == hotevent.Ready {
		ts.Setenv("HOT_PID", strconv.Itoa(e.PID))
		ts.Setenv("HOT_SOCKET", e.Socket)
	}
}

func (r *scriptSessions) get(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "get")
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: get URL-PATH [WANT]")
	}
	got := r.of(ts).Get(args[0])
	fmt.Fprintln(ts.Stdout(), got)
	if len(args) == 2 && got != args[1] {
		ts.Fatalf("GET %s = %q, want %q", args[0], got, args[1])
	}
}

func edit(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "edit")
	if len(args) != 3 {
		ts.Fatalf("usage: edit FILE OLD NEW")
	}
	ts.Check(EditFile(ts.MkAbs(args[0]), unescape(args[1]), unescape(args[2])))
}

func noNeg(ts *testscript.TestScript, neg bool, name string) {
	if neg {
		ts.Fatalf("unsupported: ! %s", name)
	}
}

// scriptCommand is the command of `hot start`: args are [NAME=VALUE...]
// PROGRAM [ARGS...].
func scriptCommand(ts *testscript.TestScript, args []string) *exec.Cmd {
	names, ok := ts.Value(envNames{}).([]string)
	if !ok {
		ts.Fatalf("hot start: the script's environment is unknown: run the script with hotsession.Script(params)")
	}
	env := []string{"PWD=" + ts.MkAbs(".")}
	for _, name := range names {
		env = append(env, name+"="+ts.Getenv(name))
	}
	for len(args) > 0 && strings.Contains(args[0], "=") {
		env, args = append(env, args[0]), args[1:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: hot start [NAME=VALUE...] PROGRAM [ARGS...]")
	}
	prog, err := lookPath(args[0], ts.Getenv("PATH"))
	ts.Check(err)
	cmd := exec.Command(prog, args[1:]...)
	cmd.Dir, cmd.Env = ts.MkAbs("."), env
	return cmd
}

// lookPath finds an executable on path (the script's PATH, not ours).
func lookPath(name, path string) (string, error) {
	if strings.ContainsRune(name, filepath.Separator) {
		return name, nil
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found on the script's PATH", name)
}

// unescape turns \n, \t and \\ into a newline, a tab and a backslash.
var unescape = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\t`, "\t").Replace

// scriptT reports a session's failures to a script.
type scriptT struct{ ts *testscript.TestScript }

func (scriptT) Helper()                             {}
func (r scriptT) Fatalf(format string, args ...any) { r.ts.Fatalf(format, args...) }
