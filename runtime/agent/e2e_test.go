package agent_test

// End-to-end tests: a real hot host (testdata/) built with hotreload, real
// patch plugins, the agent driven over its socket, stdin and patch dir.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/internal/hotbin"
	"github.com/gohot/rules_go_hot/runtime/agent"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

func TestMain(m *testing.M) {
	// The test binary links the agent, whose init started it; these tests
	// start their own agents in child processes.
	if a := agent.Default(); a != nil {
		a.Close()
	}
	code := m.Run()
	if fx.dir != "" {
		os.RemoveAll(fx.dir)
	}
	os.Exit(code)
}

// The fixture: the testdata module copied to a temp dir, its hot host and
// patch plugins, built once for all tests.
var (
	fxOnce sync.Once
	fx     struct {
		dir     string // the module
		host    string // the host executable
		buildID string
		err     error
	}
)

// libHash is the hash the host's package table (injected through
// -overlay, as the launcher does) holds for the host's lib package.
const libHash = "1111aaaa"

var patches = []string{"p1", "p2", "panics", "badtype", "parked", "wedged"}

func fixture(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("plugins need cgo: no gcc")
	}
	if testing.Short() {
		t.Skip("builds a hot host and plugins")
	}
	fxOnce.Do(func() { fx.err = buildFixture() })
	if fx.err != nil {
		t.Fatal(fx.err)
	}
}

func buildFixture() error {
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "agent-e2e-")
	if err != nil {
		return err
	}
	fx.dir = dir
	mod := filepath.Join(dir, "mod")
	if err := os.CopyFS(mod, os.DirFS("testdata")); err != nil {
		return err
	}
	gomod := filepath.Join(mod, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return err
	}
	data = []byte(strings.Replace(string(data), "=> ../../..", "=> "+root, 1))
	if err := os.WriteFile(gomod, data, 0o644); err != nil {
		return err
	}

	// hotreload: $HOTRELOAD pins a binary (each new hotreload binary means
	// a cold instrumented build of the standard library).
	hot, err := hotbin.Path(root, dir)
	if err != nil {
		return err
	}

	base := filepath.Join(dir, "zz_gohot_base.go")
	src := fmt.Sprintf("package agent\n\nfunc init() { basePackages = map[string]string{%q: %q} }\n", "example.com/agenthost/lib", libHash)
	if err := os.WriteFile(base, []byte(src), 0o644); err != nil {
		return err
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{
		filepath.Join(root, "runtime/agent/zz_gohot_base.go"): base,
	}})
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return err
	}

	fx.host = filepath.Join(dir, "host")
	start := time.Now()
	if err := run(mod, hot, "build", "-overlay="+overlayFile, "-o", fx.host, "."); err != nil {
		return err
	}
	hostTime := time.Since(start)
	for _, p := range patches {
		if err := run(mod, hot, "go", "build", "-buildmode=plugin", "-o", filepath.Join(dir, p+".so"), "./patches/"+p); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "fixture: host %.1f s, %d plugins %.1f s\n", hostTime.Seconds(), len(patches), (time.Since(start) - hostTime).Seconds())
	fx.buildID, err = protocol.ReadBuildID(fx.host)
	return err
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// patch copies plugin p of the fixture to dir as name.so and writes its
// manifest (edit may change it first).
func patch(t *testing.T, dir, p, name string, edit func(*protocol.Manifest)) string {
	t.Helper()
	so := filepath.Join(dir, name+".so")
	if p != "" {
		data, err := os.ReadFile(filepath.Join(fx.dir, p+".so"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(so, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	m := &protocol.Manifest{
		Format: protocol.Format, PatchID: name + "-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		BaseBuildID: fx.buildID, Packages: map[string]string{"example.com/agenthost/lib": libHash},
		Created: time.Now().Format(time.RFC3339),
	}
	if _, err := os.Stat(so); err == nil {
		if err := m.Stamp(so); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(m)
	}
	if err := protocol.WriteManifest(protocol.ManifestPath(so), m); err != nil {
		t.Fatal(err)
	}
	return so
}

type host struct {
	t      *testing.T
	port   string
	socket string
	stdin  io.WriteCloser
	stderr chan string
}

// startHost runs the fixture's host with env added to ours and waits
// for it to serve.
func startHost(t *testing.T, env ...string) *host {
	t.Helper()
	cmd := exec.Command(fx.host)
	cmd.Env = append(os.Environ(), protocol.EnvSocket+"="+filepath.Join(t.TempDir(), "agent.sock"))
	cmd.Env = append(cmd.Env, env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	h := &host{t: t, stdin: stdin, stderr: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			h.stderr <- sc.Text()
		}
		close(h.stderr)
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("host did not start: %v", err)
	}
	if _, err := fmt.Sscanf(line, "port %s socket %s", &h.port, &h.socket); err != nil {
		t.Fatalf("host said %q: %v", line, err)
	}
	return h
}

// get returns the host's answer without its request counter, and the
// counter.
func (h *host) get() (string, int) {
	h.t.Helper()
	resp, err := http.Get("http://127.0.0.1:" + h.port + "/")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	s := string(body)
	i := strings.LastIndexByte(s, ' ')
	n, err := strconv.Atoi(s[i+1:])
	if err != nil {
		h.t.Fatalf("host answered %q", s)
	}
	return s[:i], n
}

// expect checks the host's behaviour and that its state (the counter)
// survived: each request adds one, or ten once p1's incr runs.
func (h *host) expect(want string) {
	h.t.Helper()
	got, _ := h.get()
	if got != want {
		h.t.Fatalf("host answers %q, want %q", got, want)
	}
}

func (h *host) client() *protocol.Client {
	h.t.Helper()
	c, err := protocol.Dial(h.socket)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// stderrSoFar returns the host's stderr lines not read yet, without
// waiting (for failure messages: a host that died says why there).
func (h *host) stderrSoFar() []string {
	var lines []string
	for {
		select {
		case l, ok := <-h.stderr:
			if !ok {
				return append(lines, "(host exited)")
			}
			lines = append(lines, l)
		case <-time.After(100 * time.Millisecond):
			return lines
		}
	}
}

// event waits for the next stderr line of the agent.
func (h *host) event() string {
	h.t.Helper()
	select {
	case l, ok := <-h.stderr:
		if !ok {
			h.t.Fatal("host exited")
		}
		return l
	case <-time.After(30 * time.Second):
		h.t.Fatal("no event from the agent")
	}
	return ""
}

func intp(i int) *int { return &i }

func TestApplyRevert(t *testing.T) {
	fixture(t)
	h := startHost(t)
	c := h.client()
	dir := t.TempDir()
	h.expect("hello base 2")
	_, n0 := h.get()

	r, err := c.Apply(patch(t, dir, "p1", "p1", nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("p1: verify %.3f ms, load %.3f ms, apply %.4f ms", r.VerifyMS, r.LoadMS, r.ApplyMS)
	if r.Gen != 1 || len(r.Functions) != 4 {
		t.Fatalf("apply p1: %+v", r)
	}
	got, n1 := h.get()
	if got != "hi one -1" || n1 != n0+10 {
		t.Fatalf("after p1: %q %d (before: %d)", got, n1, n0)
	}

	if r, err = c.Apply(patch(t, dir, "p2", "p2", nil)); err != nil || r.Gen != 2 {
		t.Fatalf("apply p2: %+v %v", r, err)
	}
	h.expect("hi two -1")

	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Gen != 2 || len(st.Generations) != 2 || st.BuildID != fx.buildID || st.Generations[0].Kind != "apply" ||
		!strings.HasPrefix(st.Generations[1].PatchID, "p2-") || len(st.Generations[1].Functions) != 0 && st.Generations[1].Functions[0] != "example.com/agenthost/lib.word" {
		t.Fatalf("status: %+v", st)
	}

	if r, err = c.Revert(intp(1)); err != nil || r.Gen != 3 {
		t.Fatalf("revert 1: %+v %v", r, err)
	}
	h.expect("hi one -1")
	if r, err = c.Revert(intp(0)); err != nil || r.Gen != 4 || len(r.Functions) != 4 {
		t.Fatalf("revert 0: %+v %v", r, err)
	}
	got, n4 := h.get()
	if got != "hello base 2" {
		t.Fatalf("after revert 0: %q", got)
	}
	if r, err = c.Revert(nil); err != nil || r.Gen != 5 { // undo the revert to 0
		t.Fatalf("revert: %+v %v", r, err)
	}
	if got, n := h.get(); got != "hi one -1" || n != n4+10 {
		t.Fatalf("after undoing the revert: %q %d", got, n)
	}
	if _, err := c.Revert(intp(9)); err == nil || err.(*protocol.Error).Code != protocol.CodeNotFound {
		t.Fatalf("revert 9: %v", err)
	}
	st, _ = c.Status()
	if g := st.Generations[3]; g.Kind != "revert" || g.To == nil || *g.To != 0 || st.Gen != 5 || *st.Generations[4].To != 3 {
		t.Fatalf("status after reverts: %+v", st)
	}
}

// TestParkedGoroutines: a switch reports the goroutines still inside the
// old code of the functions it switched (main.main waiting in http.Serve,
// a goroutine in lib.Wait, one in a function literal of main), and not
// the functions nobody is inside (lib.word).
func TestParkedGoroutines(t *testing.T) {
	fixture(t)
	h := startHost(t)
	c := h.client()
	h.expect("hello base 2")
	r, err := c.Apply(patch(t, t.TempDir(), "parked", "parked", nil))
	if err != nil {
		t.Fatal(err)
	}
	h.expect("hello parked 2")
	t.Logf("scan %.2f ms; notes:\n%s", r.ScanMS, strings.Join(r.Notes, "\n"))
	got := map[string]protocol.OldCode{}
	for _, o := range r.OldCode {
		got[o.Function] = o
	}
	if m := got["example.com/agenthost.main"]; m.Goroutines != 1 || m.Closures != 1 || len(m.Where) != 2 || !strings.Contains(m.Where[0], "main.go:") {
		t.Errorf("main: %+v", m)
	}
	if w := got["example.com/agenthost/lib.Wait"]; w.Goroutines != 1 || w.Closures != 0 || !strings.Contains(w.Where[0], "[chan receive] at lib.go:") {
		t.Errorf("lib.Wait: %+v", w)
	}
	if o, ok := got["example.com/agenthost/lib.word"]; ok || len(r.OldCode) != 2 || len(r.Notes) != 2 {
		t.Errorf("lib.word reported (%+v), or not 2 functions: %+v %q", o, r.OldCode, r.Notes)
	}
	for _, n := range r.Notes {
		if strings.Contains(n, "\n") || !strings.Contains(n, "restart") {
			t.Errorf("note %q", n)
		}
	}
	if !strings.HasPrefix(r.Notes[0], "example.com/agenthost.main: 1 goroutine is still inside its old code (goroutine 1 [IO wait") {
		t.Errorf("main's note: %q", r.Notes[0])
	}
	// Back to the base: the parked goroutines run the code the slots hold
	// again, so nothing is reported.
	if r, err = c.Revert(intp(0)); err != nil || len(r.OldCode) != 0 || len(r.Notes) != 0 {
		t.Fatalf("revert 0: %+v %v", r, err)
	}
}

func TestRefusals(t *testing.T) {
	fixture(t)
	h := startHost(t)
	c := h.client()
	dir := t.TempDir()
	refused := func(so, code string, says ...string) {
		t.Helper()
		r, err := c.Apply(so)
		if err == nil {
			t.Fatalf("%s applied: %+v", so, r)
		}
		if r == nil || r.Code != code || r.Gen != 0 {
			t.Fatalf("%s: %+v, %v; want code %s", so, r, err, code)
		}
		for _, s := range says {
			if !strings.Contains(r.Error, s) {
				t.Errorf("%s: error %q does not say %q", so, r.Error, s)
			}
		}
		t.Logf("%s: %s", code, r.Error)
		h.expect("hello base 2")
	}
	refused(patch(t, dir, "p1", "otherbuild", func(m *protocol.Manifest) { m.BaseBuildID = "abc/def" }),
		protocol.CodeMismatch, `"abc/def"`, fx.buildID)
	refused(patch(t, dir, "p1", "otherlib", func(m *protocol.Manifest) { m.Packages["example.com/agenthost/lib"] = "2222bbbb" }),
		protocol.CodeMismatch, "example.com/agenthost/lib", "2222bbbb", libHash)
	refused(filepath.Join(dir, "missing.so"), protocol.CodeNotFound, "missing.so.json")
	corrupt := filepath.Join(dir, "corrupt.so")
	os.WriteFile(corrupt, []byte("\x7fELF not really"), 0o755)
	refused(patch(t, dir, "", "corrupt", nil), protocol.CodeNotPlugin, "corrupt.so", "not a complete ELF file")
	panics := patch(t, dir, "panics", "panics", nil)
	refused(panics, protocol.CodeInitPanic, "boom in the patch's init")
	refused(panics, protocol.CodeInitPanic, "boom in the patch's init") // again: must not hang in plugin.Open
	refused(patch(t, dir, "badtype", "badtype", nil), protocol.CodeInvalid, "func() int", "func() string", "main.greet")

	// After all that the agent still applies a good patch.
	if r, err := c.Apply(patch(t, dir, "p1", "p1", nil)); err != nil || r.Gen != 1 {
		t.Fatalf("apply p1 after refusals: %+v %v", r, err)
	}
	h.expect("hi one -1")
	// A patch rebuilt at the path of one already loaded is another patch:
	// its bytes are verified and copied like any other's.
	if r, err := c.Apply(patch(t, dir, "p2", "p1", nil)); err != nil || r.Gen != 2 {
		t.Fatalf("another patch at a loaded patch's path: %+v %v; the host's stderr: %q", r, err, h.stderrSoFar())
	}
	h.expect("hi two -1")
	// Requests that make no sense.
	if r, err := c.Do(protocol.Request{Op: "frobnicate"}); err == nil || r.Code != protocol.CodeBadRequest {
		t.Fatalf("unknown op: %+v %v", r, err)
	}
	for _, p := range []string{"relative.so", dir + "/../x/p1.so"} {
		if r, err := c.Do(protocol.Request{Op: "apply", Plugin: p}); err == nil || r.Code != protocol.CodeBadRequest {
			t.Fatalf("path %q: %+v %v", p, r, err)
		}
	}
}

// TestNoPatchDir: the agent no longer loads what appears in a directory
// (anyone able to write there could run code in the process); a variable
// of that mode left set is answered with a notice, and nothing loads.
func TestNoPatchDir(t *testing.T) {
	fixture(t)
	dir := t.TempDir()
	h := startHost(t, "GOHOT_PATCH_DIR="+dir, "GOHOT_IBAZEL=1")
	for _, v := range []string{"GOHOT_PATCH_DIR", "GOHOT_IBAZEL"} {
		if l := h.event(); !strings.HasPrefix(l, "hotreload: agent: "+v+" is set, but the agent no longer loads patches from a directory") {
			t.Fatalf("event %q", l)
		}
	}
	patch(t, dir, "p1", "p1", nil)
	fmt.Fprintln(h.stdin, "IBAZEL_BUILD_COMPLETED SUCCESS")
	time.Sleep(time.Second)
	h.expect("hello base 2")
	if st, err := h.client().Status(); err != nil || st.Gen != 0 {
		t.Fatalf("status: %+v %v", st, err)
	}
}

func TestSocket(t *testing.T) {
	fixture(t)
	xdg := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	h := startHost(t, protocol.EnvSocket+"=") // the default location
	dir := filepath.Join(xdg, "gohot")
	if filepath.Dir(h.socket) != dir {
		t.Fatalf("socket %s, want it in %s", h.socket, dir)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, h.socket: 0o600 | os.ModeSocket} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	pid, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(h.socket), ".sock"))
	if s, err := protocol.FindSocket(pid); err != nil || s != h.socket {
		t.Fatalf("FindSocket(%d) = %q, %v; want %s", pid, s, err, h.socket)
	}
	// A socket left by a dead process is not listed.
	ln, err := net.Listen("unix", filepath.Join(dir, "999999999.sock"))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	list, err := protocol.ListSockets()
	found := false
	for _, s := range list {
		found = found || s.PID == pid && s.Path == h.socket
		if s.PID == 999999999 {
			t.Errorf("ListSockets lists a dead socket: %+v", s)
		}
	}
	if err != nil || !found {
		t.Fatalf("ListSockets: %+v %v", list, err)
	}
	st, err := h.client().Status()
	if err != nil || st.PID != pid {
		t.Fatalf("status: %+v %v", st, err)
	}

	// A loose directory is refused: the agent does not start.
	loose := t.TempDir()
	os.Chmod(loose, 0o775)
	cmd := exec.Command(fx.host)
	cmd.Env = append(os.Environ(), protocol.EnvSocket+"="+filepath.Join(loose, "a.sock"))
	out := startAndRead(t, cmd)
	if !strings.Contains(out, "agent not started: socket directory "+loose+" has mode -rwxrwxr-x") || !strings.Contains(out, "socket none") {
		t.Fatalf("loose dir: %q", out)
	}
}

// startAndRead runs cmd until it printed its first stdout line and returns
// stderr and that line.
func startAndRead(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	cmd.Process.Kill()
	cmd.Wait()
	return stderr.String() + line
}

func TestReadBuildID(t *testing.T) {
	fixture(t)
	for _, f := range []string{fx.host, filepath.Join(fx.dir, "p1.so")} {
		out, err := exec.Command("go", "tool", "buildid", f).Output()
		if err != nil {
			t.Fatal(err)
		}
		id, err := protocol.ReadBuildID(f)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSpace(string(out)); id != want {
			t.Errorf("%s: ReadBuildID = %q, go tool buildid = %q", f, id, want)
		}
	}
}

func TestAgentOff(t *testing.T) {
	fixture(t)
	out := startAndRead(t, exec.Command("env", protocol.EnvAgent+"=off", fx.host))
	if !strings.Contains(out, "socket none") {
		t.Fatalf("GOHOT_AGENT=off: %q", out)
	}
}

// TestUnderLoad switches slots back and forth while requests run: no
// request may fail. (Answers mixing two generations are possible: the
// switch is not stop-the-world.)
func TestUnderLoad(t *testing.T) {
	fixture(t)
	h := startHost(t)
	c := h.client()
	if _, err := c.Apply(patch(t, t.TempDir(), "p1", "p1", nil)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get("http://127.0.0.1:" + h.port + "/")
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				s := string(body)
				mu.Lock()
				answers[s[:strings.LastIndexByte(s, ' ')]]++
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	const n = 200
	for i := range n {
		if _, err := c.Revert(nil); err != nil { // alternates gen 0 and gen 1 states
			t.Fatal(err)
		}
		if i%20 == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	t.Logf("%d reverts in %v under load; answers: %v", n, elapsed, answers)
	if answers["hi one -1"] == 0 || answers["hello base 2"] == 0 {
		t.Errorf("expected both generations to answer: %v", answers)
	}
}
