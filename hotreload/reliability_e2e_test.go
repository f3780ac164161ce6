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
	gen   int               // the program's generation, as far as the test knows
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

// edit saves tok in the named packages (both when none is named) and
// returns the outcome of each change the saves made: one change, or one
// per file when the watcher saw the saves apart (more than its quiet
// time between them: the test was not scheduled meanwhile). The first
// change's patch may then carry both saves, and the second be
// unchanged, or carry only the first, and the second be applied too.
func (s *tagSession) edit(tok string, pkgs ...string) []hotevent.Event {
	s.t.Helper()
	if len(pkgs) == 0 {
		pkgs = []string{"a", "b"}
	}
	s.save(tok, pkgs...)
	unseen := map[string]bool{}
	for _, p := range pkgs {
		unseen[p+"/"+p+".go"] = true
	}
	var outcomes []hotevent.Event
	for changes := 0; len(unseen) > 0 || len(outcomes) < changes; {
		e := s.Next(5 * time.Minute)
		switch e.Event {
		case events.Change:
			changes++
			for _, f := range e.Files {
				delete(unseen, f)
			}
		case events.Applied, events.Unchanged, events.Refused, events.Error:
			outcomes = append(outcomes, e)
		case events.Exit:
			s.t.Fatalf("the program exited: %s", e.JSON)
		}
	}
	return outcomes
}

// patch is edit, wanting the edit patched in: every outcome applied (the
// next generations, counted in s.gen) or unchanged, the last applied one
// switching the named packages' Tag. It returns the applied events.
func (s *tagSession) patch(tok string, pkgs ...string) []hotevent.Event {
	s.t.Helper()
	var applied []hotevent.Event
	for _, e := range s.edit(tok, pkgs...) {
		switch {
		case e.Event == events.Applied && e.Gen == s.gen+1:
			s.gen++
			applied = append(applied, e)
		case e.Event == events.Unchanged && len(applied) > 0:
		default:
			s.t.Fatalf("saving %q: want generation %d applied, got %s", tok, s.gen+1, e.JSON)
		}
	}
	if len(applied) == 0 {
		s.t.Fatalf("saving %q: nothing applied", tok)
	}
	last := applied[len(applied)-1]
	for _, p := range pkgs {
		if f := "example.com/tags/" + p + ".Tag"; !slices.Contains(last.Functions, f) {
			s.t.Fatalf("generation %d does not switch %s: %s", last.Gen, f, last.JSON)
		}
	}
	return applied
}

// applied awaits the next outcome, which must be the next generation
// applied, switching funcs.
func (s *tagSession) applied(funcs ...string) hotevent.Event {
	s.t.Helper()
	e := s.outcome(5 * time.Minute)
	if e.Event != events.Applied || e.Gen != s.gen+1 {
		s.t.Fatalf("want generation %d applied, got %s", s.gen+1, e.JSON)
	}
	s.gen++
	for _, f := range funcs {
		if !slices.Contains(e.Functions, f) {
			s.t.Fatalf("generation %d does not switch %s: %s", e.Gen, f, e.JSON)
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

// genTracker is what the load generator knows of the generations: what
// each one serves (its response, "ta/tb"), the newest known applied, and
// what the next one may serve while it is being made (an edit saved, a
// revert sent, not yet confirmed).
type genTracker struct {
	mu        sync.Mutex
	serves    []string // by generation; serves[0] is the base's
	confirmed int
	pending   []string    // what the generations being made may serve
	overlaps  map[int]int // by generation: requests under way while it was made
}

func newGenTracker() *genTracker {
	return &genTracker{serves: []string{"g0/g0"}, overlaps: map[int]int{}}
}

// begin announces the next generation, which will serve one of serves
// (an edit the watcher sees as two changes makes two generations: the
// first serves the new token of package a and b's old one).
func (g *genTracker) begin(serves ...string) {
	g.mu.Lock()
	g.pending = serves
	g.mu.Unlock()
}

// confirm records the generations made, by what each serves.
func (g *genTracker) confirm(serves ...string) {
	g.mu.Lock()
	g.serves = append(g.serves, serves...)
	g.confirmed += len(serves)
	g.pending = nil
	g.mu.Unlock()
}

func (g *genTracker) current() (gen int, serves string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.confirmed, g.serves[g.confirmed]
}

// lo is the newest generation applied before a request is sent.
func (g *genTracker) lo() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.confirmed
}

// window returns what a request sent when lo was the newest generation
// may see, now that it has completed: what the generations from lo to
// the newest one serve, and what the one being made may serve.
func (g *genTracker) window(lo int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	for gen := lo + 1; gen <= g.confirmed; gen++ {
		g.overlaps[gen]++
	}
	if len(g.pending) > 0 {
		g.overlaps[g.confirmed+1]++
	}
	return append(slices.Clone(g.serves[lo:g.confirmed+1]), g.pending...)
}

// judge classifies a response: "" when it is what a generation of the
// window serves; "mixed" when its two tags are of two generations of the
// window (a switch landed between the handler's calls of a.Tag and
// b.Tag: the agent's switch redirects each function's next call,
// docs/AGENT.md "Applying"); "torn" otherwise: a tag of code not in
// effect around the request, or two tags with no switch under way.
func judge(body string, window []string) string {
	body = strings.TrimSpace(body)
	if slices.Contains(window, body) {
		return ""
	}
	ta, tb, ok := strings.Cut(body, "/")
	var as, bs []string
	for _, w := range window {
		a, b, _ := strings.Cut(w, "/")
		as, bs = append(as, a), append(bs, b)
	}
	if ok && len(window) > 1 && slices.Contains(as, ta) && slices.Contains(bs, tb) {
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
	// what it may see (genTracker's).
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
// the request, or two tags when no switch was under way), every edit and
// revert was made under load, `hotreload status` lists the generations
// made (60; one more for each edit the watcher saw as two changes), and
// the program ends with the goroutines and descriptors it started with
// (within goroutineSlack, fdSlack).
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
	var opGens []int  // the first generation each edit or revert made
	doneEdits, doneReverts, split := 0, 0, 0
	for doneEdits < edits || doneReverts < reverts {
		cur, curServes := g.current()
		if doneEdits > 0 && doneEdits%(edits/reverts) == 0 && doneReverts < doneEdits/(edits/reverts) {
			// Back to an earlier generation that serves other code.
			var to []int
			for k := 0; k < cur; k++ {
				if g.serves[k] != curServes {
					to = append(to, k)
				}
			}
			k := to[rng.Intn(len(to))]
			g.begin(g.serves[k])
			t0 := time.Now()
			out, errs, code := s.cli("revert", "--json", strconv.Itoa(k))
			var r protocol.Response
			if code != 0 || json.Unmarshal([]byte(out), &r) != nil || !r.OK || r.Gen != cur+1 {
				t.Fatalf("hotreload revert %d (want generation %d): exit %d\n%s%s", k, cur+1, code, out, errs)
			}
			revertTimes = append(revertTimes, time.Since(t0))
			made = append(made, fmt.Sprintf("revert to %d", k))
			g.confirm(g.serves[k])
			s.gen = r.Gen
			doneReverts++
		} else {
			tok := fmt.Sprintf("g%d", cur+1)
			both, aOnly := tok+"/"+tok, tok+"/"+s.tag["b"]
			g.begin(both, aOnly)
			t0 := time.Now()
			applied := s.patch(tok)
			saveToApplied = append(saveToApplied, time.Since(t0))
			for _, e := range applied {
				totalMS = append(totalMS, e.TotalMS)
				made = append(made, "apply")
			}
			if len(applied) == 2 {
				split++
				g.confirm(aOnly, both)
			} else {
				g.confirm(both)
			}
			doneEdits++
		}
		opGens = append(opGens, cur+1)
		// Applied means served: nothing else is under way.
		_, serves := g.current()
		s.Expect("/", serves)
	}
	l.halt()
	loadTime := time.Since(loadStart)

	// Back to the baseline, or as close as it gets in 10 s (a connection
	// just closed may take a moment to end on the server's side).
	after := settled(t, pid, addr, func(u footprint) bool {
		return u.goroutines <= before.goroutines && u.fds <= before.fds
	})
	st := s.status()

	n := l.requests.Load()
	t.Logf("requests %d (%.0f/s, %d workers), failed %d, torn %d, mixed %d", n, float64(n)/loadTime.Seconds(), workers, l.failures.Load(), l.torn.Load(), l.mixed.Load())
	t.Logf("patches %d (%d edits, %d of them seen as two changes), reverts %d in %.1f s (set-up %.1f s); save→applied median %v, max %v; launcher total_ms median %.0f; revert median %v, max %v",
		len(totalMS), doneEdits, split, doneReverts, loadTime.Seconds(), setup.Seconds(),
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
	for _, gen := range opGens {
		if g.overlaps[gen] == 0 {
			t.Errorf("generation %d was made with no request under way: the load did not run", gen)
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
	if st.Gen != len(made) || len(st.Generations) != len(made) {
		t.Fatalf("hotreload status: generation %d, %d generations listed; want %d", st.Gen, len(st.Generations), len(made))
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
		{"g3/g3\n", []string{"g3/g3"}, ""},
		{"g3/g4\n", []string{"g3/g3", "g4/g4"}, "mixed"},     // a switch between the two calls
		{"g4/g3\n", []string{"g3/g3", "g4/g4"}, "mixed"},     // or within the agent's pass
		{"g4/g3\n", []string{"g3/g3", "g4/g4", "g4/g3"}, ""}, // an edit seen as two changes
		{"g3/g4\n", []string{"g4/g4"}, "torn"},               // no switch under way
		{"g2/g2\n", []string{"g3/g3", "g4/g4"}, "torn"},      // code not in effect around the request
		{"g5/g5\n", []string{"g3/g3", "g4/g4"}, "torn"},      // code not applied yet
		{"g1/g1\n", []string{"g3/g3", "g1/g1"}, ""},          // a revert to generation 1's code
		{"g3\n", []string{"g3/g3"}, "torn"},
		{"", []string{"g3/g3"}, "torn"},
	} {
		if got := judge(c.body, c.window); got != c.want {
			t.Errorf("judge(%q, %q) = %q, want %q", c.body, c.window, got, c.want)
		}
	}
	g := newGenTracker()
	lo := g.lo()
	g.begin("g1/g1", "g1/g0")
	if w := g.window(lo); !slices.Equal(w, []string{"g0/g0", "g1/g1", "g1/g0"}) {
		t.Errorf("window across a pending generation: %q", w)
	}
	g.confirm("g1/g0", "g1/g1")
	if w := g.window(lo); !slices.Equal(w, []string{"g0/g0", "g1/g0", "g1/g1"}) {
		t.Errorf("window across two generations: %q", w)
	}
	if w := g.window(g.lo()); !slices.Equal(w, []string{"g1/g1"}) {
		t.Errorf("window at rest: %q", w)
	}
}
