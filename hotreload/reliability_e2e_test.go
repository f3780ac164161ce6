package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/internal/hotevent"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// Reliability under load (issue 13): a real program under `hotreload
// run`, a loopback load generator checking every response against the
// generation serving it, and live edits and reverts meanwhile. The fault
// tests (faults_e2e_test.go) drive the same program. docs/RELIABILITY.md
// says how to run them and what was measured.

// tagModule is a service whose every response names the generation of
// the code serving it twice: "ta/tb", from a.Tag and b.Tag, two
// functions in two packages that every edit of these tests changes
// together. /debug/goroutines is runtime.NumGoroutine().
var tagModule = map[string]string{
	"go.mod": "module example.com/tags\n\ngo 1.26.0\n",
	"main.go": `package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"runtime"

	"example.com/tags/a"
	"example.com/tags/b"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		panic(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	http.HandleFunc("/", tags)
	http.HandleFunc("/debug/goroutines", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, runtime.NumGoroutine())
	})
	http.Serve(ln, nil)
}

// tags names the code serving the request, once per package.
func tags(w http.ResponseWriter, r *http.Request) {
	ta := a.Tag()
	tb := b.Tag()
	fmt.Fprintf(w, "%s/%s\n", ta, tb)
}
`,
	"a/a.go": "package a\n\n// Tag names the generation of this package's code.\nfunc Tag() string { return \"g0\" }\n",
	"b/b.go": "package b\n\n// Tag names the generation of this package's code.\nfunc Tag() string { return \"g0\" }\n",
}

// Both functions every tag edit changes, as the applied event names them.
var tagFunctions = []string{"example.com/tags/a.Tag", "example.com/tags/b.Tag"}

// tagSession is a `hotreload run` of a copy of tagModule.
type tagSession struct {
	*session
	t     *testing.T
	mod   string            // the module
	state string            // the launcher's --state-dir
	hot   string            // the hotreload command, for the control verbs
	tag   map[string]string // the token each package's source holds now
}

// startTags runs a copy of tagModule with its state in state ("": a
// temporary directory) and waits until it serves and its kit is ready.
func startTags(t *testing.T, state string) *tagSession {
	t.Helper()
	if state == "" {
		state = t.TempDir()
	}
	mod := writeModule(t, tagModule)
	s := runHot(t, mod, []string{"GOFLAGS=", "GOPROXY=off", "GOTOOLCHAIN=local"}, "--state-dir", state)
	s.ready()
	ts := &tagSession{session: s, t: t, mod: mod, state: state, hot: hotreloadCommand(t), tag: map[string]string{"a": "g0", "b": "g0"}}
	ts.Expect("/", "g0/g0")
	return ts
}

// save sets the token of the named packages' Tag (both when none is
// named), saving each file as an editor does.
func (s *tagSession) save(tok string, pkgs ...string) {
	s.t.Helper()
	if len(pkgs) == 0 {
		pkgs = []string{"a", "b"}
	}
	for _, p := range pkgs {
		s.Edit(filepath.Join(p, p+".go"), `return "`+s.tag[p]+`"`, `return "`+tok+`"`)
		s.tag[p] = tok
	}
}

// outcome returns the next event that ends the handling of a change
// (applied, unchanged, refused, error, exit), whatever it is.
func (s *tagSession) outcome(timeout time.Duration) hotevent.Event {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		e := s.Next(time.Until(deadline))
		switch e.Event {
		case events.Applied, events.Unchanged, events.Refused, events.Error, events.Exit:
			return e
		}
	}
}

// applied awaits the applied event of generation gen, which must switch
// funcs.
func (s *tagSession) applied(gen int, funcs ...string) hotevent.Event {
	s.t.Helper()
	e := s.outcome(5 * time.Minute)
	if e.Event != events.Applied || e.Gen != gen {
		s.t.Fatalf("want generation %d applied, got %s", gen, e.JSON)
	}
	for _, f := range funcs {
		if !slices.Contains(e.Functions, f) {
			s.t.Fatalf("generation %d does not switch %s: %s", gen, f, e.JSON)
		}
	}
	return e
}

// cli runs a hotreload control verb against the session's program.
func (s *tagSession) cli(verb string, args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(s.hot, append([]string{verb, "--pid", strconv.Itoa(s.PID)}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		s.t.Fatalf("hotreload %s: %v", verb, err)
	}
	return out.String(), errb.String(), code
}

// status is `hotreload status --json`.
func (s *tagSession) status() protocol.Response {
	s.t.Helper()
	out, errs, code := s.cli("status", "--json")
	var r protocol.Response
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || !r.OK {
		s.t.Fatalf("hotreload status: exit %d\n%s%s", code, out, errs)
	}
	return r
}

// genTracker is what the load generator knows of the generations: the
// tokens each one serves, the newest known applied, and whether the next
// one is being made (an edit saved, a revert sent, not yet confirmed).
type genTracker struct {
	mu        sync.Mutex
	tokens    []string // by generation; tokens[0] is the base's
	confirmed int
	pending   bool
	overlaps  []int // by generation: requests under way while it was made
}

func newGenTracker() *genTracker { return &genTracker{tokens: []string{"g0"}, overlaps: []int{0}} }

// begin announces the next generation, which will serve tok.
func (g *genTracker) begin(tok string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokens = append(g.tokens, tok)
	g.overlaps = append(g.overlaps, 0)
	g.pending = true
	return len(g.tokens) - 1
}

// confirm records that the announced generation is applied.
func (g *genTracker) confirm() {
	g.mu.Lock()
	g.confirmed++
	g.pending = false
	g.mu.Unlock()
}

func (g *genTracker) current() (gen int, tok string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.confirmed, g.tokens[g.confirmed]
}

// lo is the newest generation applied before a request is sent.
func (g *genTracker) lo() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.confirmed
}

// window returns the tokens a request sent when lo was the newest
// generation may see, now that it has completed: those of lo up to the
// newest generation that may be applied now (the pending one included).
func (g *genTracker) window(lo int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	hi := g.confirmed
	if g.pending {
		hi++
	}
	for gen := lo + 1; gen <= hi; gen++ {
		g.overlaps[gen]++
	}
	return g.tokens[lo : hi+1]
}

// judge classifies a response: "" when both tags are the same token of
// the window; "mixed" when they are two tokens of the window (a switch
// landed between the handler's calls of a.Tag and b.Tag: the agent's
// switch redirects each function's next call, docs/AGENT.md "Applying");
// "torn" otherwise: a tag outside the window, or two tags with no switch
// under way.
func judge(body string, window []string) string {
	ta, tb, ok := strings.Cut(strings.TrimSpace(body), "/")
	if !ok || !slices.Contains(window, ta) || !slices.Contains(window, tb) {
		return "torn"
	}
	if ta == tb {
		return ""
	}
	if len(window) > 1 {
		return "mixed"
	}
	return "torn"
}

// loadGen sends GET / from several goroutines over keep-alive
// connections and judges every response.
type loadGen struct {
	url string
	tr  *http.Transport
	// lo says what a request is sent under; window, once it completed,
	// which tokens it may see (genTracker's).
	lo     func() int
	window func(lo int) []string
	stop   chan struct{}
	wg     sync.WaitGroup

	requests, failures, torn, mixed atomic.Int64
	mu                              sync.Mutex
	samples                         []string // the first failures and torn responses
}

func startLoad(addr string, workers int, lo func() int, window func(lo int) []string) *loadGen {
	l := &loadGen{
		url:    "http://" + addr + "/",
		tr:     &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, DisableCompression: true},
		lo:     lo,
		window: window,
		stop:   make(chan struct{}),
	}
	for i := 0; i < workers; i++ {
		l.wg.Add(1)
		go l.worker()
	}
	return l
}

func (l *loadGen) worker() {
	defer l.wg.Done()
	client := &http.Client{Transport: l.tr, Timeout: 30 * time.Second}
	for {
		select {
		case <-l.stop:
			return
		default:
		}
		lo := l.lo()
		body, err := fetch(client, l.url)
		window := l.window(lo)
		l.requests.Add(1)
		switch {
		case err != nil:
			l.failures.Add(1)
			l.sample("failed: %v", err)
		case judge(body, window) == "torn":
			l.torn.Add(1)
			l.sample("torn: %q, generations %d.. serve %q", body, lo, window)
		case judge(body, window) == "mixed":
			l.mixed.Add(1)
		}
	}
}

func (l *loadGen) sample(format string, args ...any) {
	l.mu.Lock()
	if len(l.samples) < 10 {
		l.samples = append(l.samples, fmt.Sprintf(format, args...))
	}
	l.mu.Unlock()
}

// halt stops the load and closes its idle connections.
func (l *loadGen) halt() {
	close(l.stop)
	l.wg.Wait()
	l.tr.CloseIdleConnections()
}

func fetch(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, b)
	}
	return string(b), nil
}

// footprint is what the program holds: goroutines (its own count, through a
// connection of its own that closes), open descriptors and RSS.
type footprint struct {
	goroutines, fds int
	rssKB           int
}

func measure(t *testing.T, pid int, addr string) footprint {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	body, err := fetch(client, "http://"+addr+"/debug/goroutines")
	if err != nil {
		t.Fatalf("goroutines: %v", err)
	}
	var u footprint
	u.goroutines, err = strconv.Atoi(strings.TrimSpace(body))
	if err != nil {
		t.Fatalf("goroutines: %q", body)
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("descriptors: %v", err)
	}
	u.fds = len(fds)
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(status), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			u.rssKB, _ = strconv.Atoi(f[1])
		}
	}
	return u
}

// settled measures until two readings 100 ms apart agree (connections
// just closed take a moment to end their goroutines and descriptors), or
// until ok accepts one; at most 10 s.
func settled(t *testing.T, pid int, addr string, ok func(footprint) bool) footprint {
	t.Helper()
	prev := measure(t, pid, addr)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if ok != nil && ok(prev) {
			return prev
		}
		time.Sleep(100 * time.Millisecond)
		u := measure(t, pid, addr)
		if ok == nil && u.goroutines == prev.goroutines && u.fds == prev.fds {
			return u
		}
		prev = u
	}
	return prev
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// Tolerances of the leak checks, start vs end with the load stopped and
// its connections closed (docs/RELIABILITY.md): a goroutine or a
// descriptor a package starts or opens on first use (the agent's, the
// runtime's) is not a leak; one per patch or per request would be 60 or
// thousands.
const (
	goroutineSlack = 2
	fdSlack        = 2
)

// TestReliabilityLoadAndPatch: while a loopback load generator (several
// goroutines, keep-alive connections) checks every response against the
// generations applied around it, 50 live edits (each an applied patch,
// confirmed by its event, then served) and 10 reverts (`hotreload
// revert`, to an earlier generation serving other code) are made. No
// request fails, no response is torn (a tag of code not in effect around
// the request, or two tags when no switch was under way), every
// generation was made under load, `hotreload status` lists the 60
// generations, and the program ends with the goroutines and descriptors
// it started with.
func TestReliabilityLoadAndPatch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a hot program, 60 patches under load")
	}
	const (
		edits   = 50
		reverts = 10
		workers = 4
	)
	started := time.Now()
	s := startTags(t, "")
	setup := time.Since(started)
	addr, pid := s.Addr(), s.PID

	// Every worker's connection once, then closed: the baseline is the
	// program at rest.
	g := newGenTracker()
	warm := startLoad(addr, workers, g.lo, g.window)
	time.Sleep(200 * time.Millisecond)
	warm.halt()
	before := settled(t, pid, addr, nil)
	t.Logf("at rest before: %d goroutines, %d descriptors, RSS %d kB", before.goroutines, before.fds, before.rssKB)

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("revert targets from seed %d", seed)

	l := startLoad(addr, workers, g.lo, g.window)
	loadStart := time.Now()
	var saveToApplied, revertTimes []time.Duration
	var totalMS []float64
	var made []string // by generation - 1: "apply", or "revert to K"
	doneEdits, doneReverts := 0, 0
	for doneEdits < edits || doneReverts < reverts {
		cur, curTok := g.current()
		if doneEdits > 0 && doneEdits%(edits/reverts) == 0 && doneReverts < doneEdits/(edits/reverts) {
			// Back to an earlier generation that serves other code.
			var to []int
			for k := 0; k < cur; k++ {
				if g.tokens[k] != curTok {
					to = append(to, k)
				}
			}
			k := to[rng.Intn(len(to))]
			gen := g.begin(g.tokens[k])
			t0 := time.Now()
			out, errs, code := s.cli("revert", "--json", strconv.Itoa(k))
			var r protocol.Response
			if code != 0 || json.Unmarshal([]byte(out), &r) != nil || !r.OK || r.Gen != gen {
				t.Fatalf("hotreload revert %d (want generation %d): exit %d\n%s%s", k, gen, code, out, errs)
			}
			revertTimes = append(revertTimes, time.Since(t0))
			made = append(made, fmt.Sprintf("revert to %d", k))
			g.confirm()
			doneReverts++
		} else {
			gen := g.begin(fmt.Sprintf("g%d", cur+1))
			t0 := time.Now()
			s.save(g.tokens[gen])
			e := s.applied(gen, tagFunctions...)
			saveToApplied = append(saveToApplied, time.Since(t0))
			totalMS = append(totalMS, e.TotalMS)
			made = append(made, "apply")
			g.confirm()
			doneEdits++
		}
		// Applied means served: nothing else is under way.
		_, tok := g.current()
		s.Expect("/", tok+"/"+tok)
	}
	l.halt()
	loadTime := time.Since(loadStart)

	after := settled(t, pid, addr, func(u footprint) bool {
		return u.goroutines <= before.goroutines+goroutineSlack && u.fds <= before.fds+fdSlack
	})
	st := s.status()

	n := l.requests.Load()
	t.Logf("requests %d (%.0f/s, %d workers), failed %d, torn %d, mixed %d", n, float64(n)/loadTime.Seconds(), workers, l.failures.Load(), l.torn.Load(), l.mixed.Load())
	t.Logf("patches %d, reverts %d in %.1f s (set-up %.1f s); save→applied median %v, max %v; launcher total_ms median %.0f; revert median %v, max %v",
		doneEdits, doneReverts, loadTime.Seconds(), setup.Seconds(),
		median(saveToApplied).Round(time.Millisecond), slices.Max(saveToApplied).Round(time.Millisecond), medianF(totalMS),
		median(revertTimes).Round(time.Millisecond), slices.Max(revertTimes).Round(time.Millisecond))
	t.Logf("at rest after: %d goroutines (%+d), %d descriptors (%+d), RSS %d kB (%+d kB)",
		after.goroutines, after.goroutines-before.goroutines, after.fds, after.fds-before.fds, after.rssKB, after.rssKB-before.rssKB)
	for _, m := range l.samples {
		t.Log(m)
	}

	if l.failures.Load() != 0 || l.torn.Load() != 0 {
		t.Errorf("%d requests failed, %d responses torn (first ones above)", l.failures.Load(), l.torn.Load())
	}
	if n < 10*(edits+reverts) {
		t.Errorf("only %d requests: the load did not run", n)
	}
	for gen := 1; gen < len(g.overlaps); gen++ {
		if g.overlaps[gen] == 0 {
			t.Errorf("generation %d was made with no request under way", gen)
		}
	}
	if after.goroutines > before.goroutines+goroutineSlack {
		t.Errorf("goroutines: %d at rest before, %d after: a leak", before.goroutines, after.goroutines)
	}
	if after.fds > before.fds+fdSlack {
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		var what []string
		for _, fd := range fds {
			target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			what = append(what, fd.Name()+" -> "+target)
		}
		t.Errorf("descriptors: %d at rest before, %d after: a leak\n%s", before.fds, after.fds, strings.Join(what, "\n"))
	}
	if st.Gen != edits+reverts || len(st.Generations) != edits+reverts {
		t.Fatalf("hotreload status: generation %d, %d generations listed; want %d", st.Gen, len(st.Generations), edits+reverts)
	}
	for i, gen := range st.Generations {
		what := gen.Kind
		if gen.To != nil {
			what = fmt.Sprintf("%s to %d", gen.Kind, *gen.To)
		}
		if gen.Gen != i+1 || what != made[i] {
			t.Errorf("hotreload status: generation %d is %q (%s), want %q", gen.Gen, what, gen.PatchID, made[i])
		}
	}
}

func medianF(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	return s[len(s)/2]
}

// TestJudge: the load generator's verdicts (it runs under -short).
func TestJudge(t *testing.T) {
	for _, c := range []struct {
		body   string
		window []string
		want   string
	}{
		{"g3/g3\n", []string{"g3"}, ""},
		{"g3/g4\n", []string{"g3", "g4"}, "mixed"}, // a switch between the two calls
		{"g4/g3\n", []string{"g3", "g4"}, "mixed"}, // or within the agent's pass
		{"g3/g4\n", []string{"g4"}, "torn"},        // no switch under way
		{"g2/g2\n", []string{"g3", "g4"}, "torn"},  // code not in effect around the request
		{"g5/g5\n", []string{"g3", "g4"}, "torn"},  // code not applied yet
		{"g1/g1\n", []string{"g3", "g1"}, ""},      // a revert to generation 1's code
		{"g3\n", []string{"g3"}, "torn"},
		{"", []string{"g3"}, "torn"},
	} {
		if got := judge(c.body, c.window); got != c.want {
			t.Errorf("judge(%q, %q) = %q, want %q", c.body, c.window, got, c.want)
		}
	}
	g := newGenTracker()
	lo := g.lo()
	g.begin("g1")
	if w := g.window(lo); !slices.Equal(w, []string{"g0", "g1"}) {
		t.Errorf("window across a pending generation: %q", w)
	}
	g.confirm()
	if w := g.window(g.lo()); !slices.Equal(w, []string{"g1"}) {
		t.Errorf("window at rest: %q", w)
	}
}
