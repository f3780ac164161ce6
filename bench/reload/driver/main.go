// Command driver is the reload benchmark (run it through bench/reload/run.sh):
// in one run, for each target program, it measures
//
//   - hot reload: `hotreload run --events=json` of the program, then N edits
//     of one function body, each a new return value; per edit the time from
//     writing the file to the new value being served over HTTP (what the
//     user sees), the launcher's own timings (the applied event's total_ms,
//     build_ms, load_ms, apply_ms), and after each patch the process's RSS
//     (/proc/PID/status, and the resident pages of the patch mappings from
//     /proc/PID/smaps) and the patch .so's size;
//   - rebuild+restart: the same edit, `go build` (plain, warm cache), stop
//     the old process, start the new one, wait for its listening line and
//     its first answer with the new value (what air/ibazel-style restarts
//     cost); the in-memory counter the program serves shows the state that
//     the restart loses and the hot run keeps;
//   - optionally the same with a hot rebuild (`hotreload build`: what
//     --restart-on-rude costs);
//   - where the patch build's time goes: the last patch's compile and link
//     run again by hand, the link with -benchmark=cpu, and link variants.
//
// It prints tables (median, p90, min, max) and writes every raw number as
// JSON. All traffic goes to 127.0.0.1; every wait has a timeout; every
// process it starts runs in its own process group, which is killed on exit,
// failure or interrupt.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// target is one program and the edit the benchmark makes in it.
type target struct {
	Name    string `json:"name"`
	Dir     string `json:"dir"`     // module directory (edited in place)
	Pkg     string `json:"pkg"`     // main package, relative to Dir
	File    string `json:"file"`    // the edited file, relative to Dir
	Func    string `json:"func"`    // the edited function
	Path    string `json:"path"`    // URL path that shows the value
	Comment string `json:"comment"` // what the edit exercises

	edit    *regexp.Regexp // the line the edit replaces
	replace string         // fmt format of the new line, with the revision
	rev     *regexp.Regexp // the revision in the response
	hits    *regexp.Regexp // the in-memory counter in the response

	edits, restarts, hotRestarts int
}

func targets(visitsDir, bigDir string, edits, restarts, hotRestarts, handlerEdits int) map[string]*target {
	return map[string]*target{
		"visits": {
			Name: "visits", Dir: visitsDir, Pkg: ".", File: "store/store.go",
			Func: "example.com/visits/store.(*Store).Hit", Path: "/hit?page=bench",
			Comment: "examples/visits: 2 packages; a method of package store",
			edit:    regexp.MustCompile(`return fmt\.Sprintf\("page %s: %d hits[^"]*", page, n\)`),
			replace: `return fmt.Sprintf("page %%s: %%d hits (rev %d)", page, n)`,
			rev:     regexp.MustCompile(`\(rev (\d+)\)`),
			hits:    regexp.MustCompile(`: (\d+) hits`),
			edits:   edits, restarts: restarts, hotRestarts: hotRestarts,
		},
		"bigapp": {
			Name: "bigapp", Dir: bigDir, Pkg: "./cmd/bigapp", File: "pkg/p000/p000.go",
			Func: "example.com/bigapp/pkg/p000.(*table).revision", Path: "/value",
			Comment: "generated: 100 packages + main; an unexported method in a leaf package",
			edit:    regexp.MustCompile(`return -?\d+ // bench:edit\b`),
			replace: `return %d // bench:edit`,
			rev:     regexp.MustCompile(`rev=(\d+)`),
			hits:    regexp.MustCompile(`hits=(\d+)`),
			edits:   edits, restarts: restarts, hotRestarts: hotRestarts,
		},
		"bigapp-handler": {
			Name: "bigapp-handler", Dir: bigDir, Pkg: "./cmd/bigapp", File: "cmd/bigapp/main.go",
			Func: "main.handleValue", Path: "/value",
			Comment: "generated: the HTTP handler in package main, which calls all 20 top-layer packages",
			edit:    regexp.MustCompile(`tag := "h\d+" // bench:edit-handler`),
			replace: `tag := "h%d" // bench:edit-handler`,
			rev:     regexp.MustCompile(`tag=h(\d+)`),
			hits:    regexp.MustCompile(`hits=(\d+)`),
			edits:   handlerEdits,
		},
	}
}

var (
	hotreload  = flag.String("hotreload", "", "the hotreload binary (built once, pinned)")
	visitsDir  = flag.String("visits", "", "a copy of examples/visits (edited in place)")
	bigDir     = flag.String("bigapp", "", "the generated program (bench/reload/gen.go; edited in place)")
	workDir    = flag.String("work", "", "scratch directory (state dirs, binaries, logs)")
	outFile    = flag.String("out", "", "raw results, JSON")
	targetList = flag.String("targets", "visits,bigapp,bigapp-handler", "targets, in order")
	nEdits     = flag.Int("edits", 20, "hot edits per target")
	nHandler   = flag.Int("handler-edits", 10, "hot edits of the bigapp-handler target")
	nRestarts  = flag.Int("restarts", 20, "rebuild+restart rounds per target (plain go build)")
	nHotRest   = flag.Int("hot-restarts", 5, "rebuild+restart rounds with a hot build (hotreload build); 0: skip")
	nLinkReps  = flag.Int("link-reps", 5, "repetitions of each compile/link variant in the breakdown; 0: skip")
	pollEvery  = flag.Duration("poll", 20*time.Millisecond, "HTTP poll interval while waiting for a new value")
	editWait   = flag.Duration("edit-timeout", 5*time.Minute, "timeout for one edit to be served")
	startWait  = flag.Duration("start-timeout", 40*time.Minute, "timeout for a hot build + kit (cold caches)")
	settle     = flag.Duration("settle", 300*time.Millisecond, "pause after each patch before reading RSS")
)

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("[reload-bench] ")
	flag.Parse()
	if *hotreload == "" || *workDir == "" || *outFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		log.Printf("got %v: stopping every process started", s)
		killAll()
		os.Exit(130)
	}()
	code := 0
	func() {
		defer func() {
			if r := recover(); r != nil {
				log.Printf("FAILED: %v", r)
				code = 1
			}
		}()
		run()
	}()
	killAll()
	os.Exit(code)
}

// Results is the raw output.
type Results struct {
	Meta    Meta            `json:"meta"`
	Targets []*TargetResult `json:"targets"`
}

// Meta describes the machine and the run.
type Meta struct {
	Started      string   `json:"started"`
	Finished     string   `json:"finished"`
	Host         string   `json:"host"`
	CPU          string   `json:"cpu"`
	NumCPU       int      `json:"num_cpu"`
	MemTotal     string   `json:"mem_total"`
	Kernel       string   `json:"kernel"`
	GoVersion    string   `json:"go_version"`
	Hotreload    string   `json:"hotreload"`
	Commit       string   `json:"commit"`           // the tree the hotreload binary was built from
	HotreloadSHA string   `json:"hotreload_sha256"` // its first 16 hex digits
	LoadStart    string   `json:"loadavg_start"`
	LoadEnd      string   `json:"loadavg_end"`
	Flags        []string `json:"flags"`
	CCVersion    string   `json:"cc"`
	LDVersion    string   `json:"ld"`
	PollInterval float64  `json:"poll_interval_ms"`
}

// TargetResult is everything measured on one target.
type TargetResult struct {
	Target      *target        `json:"target"`
	Hot         *HotResult     `json:"hot,omitempty"`
	Restart     *RestartResult `json:"restart,omitempty"`
	HotRestart  *RestartResult `json:"hot_restart,omitempty"`
	Breakdown   *Breakdown     `json:"breakdown,omitempty"`
	Errors      []string       `json:"errors,omitempty"`
	PlainBinary int64          `json:"plain_binary_bytes,omitempty"`
	HotBinary   int64          `json:"hot_binary_bytes,omitempty"`
}

// HotResult is a hot session.
type HotResult struct {
	BuiltMS       float64   `json:"built_ms"` // the built event: hot build of the base
	ReadyS        float64   `json:"ready_s"`  // start of hotreload run to ready
	KitMS         float64   `json:"kit_ms"`   // the kit event
	KitS          float64   `json:"kit_s"`    // start to kit
	PID           int       `json:"pid"`
	Baseline      RSS       `json:"baseline_rss"` // before the first patch
	Edits         []HotEdit `json:"edits"`
	HitsAfter     int       `json:"hits_after"` // the counter after the last edit
	LastPatchDir  string    `json:"last_patch_dir"`
	HostBinary    string    `json:"host_binary"`
	PatchesOnDisk int64     `json:"patches_on_disk_bytes"` // the whole patches directory
	Log           string    `json:"log"`
}

// HotEdit is one edit of a hot session.
type HotEdit struct {
	N          int      `json:"n"`
	Rev        int      `json:"rev"`
	ServedMS   float64  `json:"served_ms"`  // write → new value over HTTP
	ChangeMS   float64  `json:"change_ms"`  // write → change event received
	AppliedMS  float64  `json:"applied_ms"` // write → applied event received
	TotalMS    float64  `json:"total_ms"`   // event: change noticed → applied
	BuildMS    float64  `json:"build_ms"`   // event: generate + compile + link
	LoadMS     float64  `json:"load_ms"`    // event: verify + plugin.Open
	ApplyMS    float64  `json:"apply_ms"`   // event: the switch
	Gen        int      `json:"gen"`
	Functions  []string `json:"functions"`
	Hits       int      `json:"hits"` // the counter when the new value was first served
	Polls      int      `json:"polls"`
	RSS        RSS      `json:"rss"`
	Plugin     string   `json:"plugin"`
	PluginSize int64    `json:"plugin_bytes"`
	Load1      float64  `json:"load1"`
}

// RSS is the memory of a process at one moment.
type RSS struct {
	VmRSSKB     int64 `json:"vmrss_kb"`
	RssAnonKB   int64 `json:"rss_anon_kb"`
	RssFileKB   int64 `json:"rss_file_kb"`
	PatchRssKB  int64 `json:"patch_rss_kb"`   // Rss of the mappings of patch .so files (smaps)
	PatchSizeKB int64 `json:"patch_vsz_kb"`   // their mapped size
	PatchDirty  int64 `json:"patch_dirty_kb"` // their private dirty pages (relocated data, GOT)
	Mappings    int   `json:"patch_mappings"`
}

// RestartResult is a series of rebuild+restart rounds.
type RestartResult struct {
	Mode   string         `json:"mode"` // "go build" or "hotreload build"
	Rounds []RestartRound `json:"rounds"`
	Log    string         `json:"log"`
}

// RestartRound is one edit → rebuild → restart → served.
type RestartRound struct {
	N         int     `json:"n"`
	Rev       int     `json:"rev"`
	ServedMS  float64 `json:"served_ms"` // write → new value over HTTP
	BuildMS   float64 `json:"build_ms"`  // go build
	StopMS    float64 `json:"stop_ms"`   // SIGTERM → exited
	ListenMS  float64 `json:"listen_ms"` // exec → "listening on" line
	AnswerMS  float64 `json:"answer_ms"` // listening → first answer with the new value
	HitsAfter int     `json:"hits"`      // the counter in that first answer: state lost
	Load1     float64 `json:"load1"`
}

// Breakdown re-runs the last patch's compile and link by hand.
type Breakdown struct {
	PatchDir   string                 `json:"patch_dir"`
	Files      []string               `json:"files"`
	Imports    int                    `json:"importcfg_packages"`
	LinkedPkgs int                    `json:"plugin_packages"` // packages with code in the plugin (go tool nm)
	HostPkgs   int                    `json:"host_packages"`   // ... in the host binary
	Variants   map[string][]float64   `json:"variants_ms"`
	Sizes      map[string]int64       `json:"sizes"`
	Loads      map[string]VariantLoad `json:"loads"`
	LinkPhases map[string]float64     `json:"link_phases_ms"` // link -benchmark=cpu (one run)
	Notes      []string               `json:"notes,omitempty"`
}

// VariantLoad is the running program applying a link variant of the last patch.
type VariantLoad struct {
	OK       bool    `json:"ok"`
	VerifyMS float64 `json:"verify_ms,omitempty"`
	LoadMS   float64 `json:"load_ms,omitempty"`
	ApplyMS  float64 `json:"apply_ms,omitempty"`
	Error    string  `json:"error,omitempty"`
}

func run() {
	res := &Results{Meta: meta()}
	all := targets(*visitsDir, *bigDir, *nEdits, *nRestarts, *nHotRest, *nHandler)
	for _, name := range strings.Split(*targetList, ",") {
		t := all[strings.TrimSpace(name)]
		if t == nil {
			panic(fmt.Sprintf("unknown target %q", name))
		}
		if t.Dir == "" {
			panic(fmt.Sprintf("target %s: no directory (-visits / -bigapp)", t.Name))
		}
		tr := &TargetResult{Target: t}
		res.Targets = append(res.Targets, tr)
		runTarget(tr)
		save(res) // after each target, so a later failure keeps the numbers
	}
	res.Meta.Finished = time.Now().Format(time.RFC3339)
	res.Meta.LoadEnd = loadavg()
	save(res)
	report(res)
}

func save(res *Results) {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(*outFile, append(b, '\n'), 0o644); err != nil {
		panic(err)
	}
}

// runTarget measures one target; a failure of one phase is recorded and the
// next phase still runs.
func runTarget(tr *TargetResult) {
	t := tr.Target
	phase := func(name string, f func()) {
		defer func() {
			if r := recover(); r != nil {
				msg := fmt.Sprintf("%s/%s: %v", t.Name, name, r)
				log.Printf("ERROR %s", msg)
				tr.Errors = append(tr.Errors, msg)
				killAll()
			}
		}()
		f()
	}
	log.Printf("=== %s (%s)", t.Name, t.Comment)
	if t.edits > 0 {
		phase("hot", func() { hotSession(t, tr) })
	}
	if t.restarts > 0 {
		phase("restart", func() { tr.Restart, tr.PlainBinary = restartSeries(t, false, t.restarts) })
	}
	if t.hotRestarts > 0 {
		phase("hot-restart", func() { tr.HotRestart, tr.HotBinary = restartSeries(t, true, t.hotRestarts) })
	}
}

// ---------------------------------------------------------------- hot runs

type event struct {
	Event     string   `json:"event"`
	PID       int      `json:"pid"`
	Gen       int      `json:"gen"`
	Functions []string `json:"functions"`
	BuildMS   float64  `json:"build_ms"`
	LoadMS    float64  `json:"load_ms"`
	ApplyMS   float64  `json:"apply_ms"`
	TotalMS   float64  `json:"total_ms"`
	Binary    string   `json:"binary"`
	Kind      string   `json:"kind"`
	Message   string   `json:"message"`
	Reason    string   `json:"reason"`
	File      string   `json:"file"`
	Line      int      `json:"line"`

	at  time.Time
	raw string
}

func hotSession(t *target, tr *TargetResult) {
	restore := snapshotFile(t)
	defer restore()
	state := filepath.Join(*workDir, "state-"+t.Name)
	os.RemoveAll(state)
	logPath := filepath.Join(*workDir, "hot-"+t.Name+".log")
	logf, err := os.Create(logPath)
	check(err)
	defer logf.Close()
	var logMu sync.Mutex
	logLine := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(logf, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
	}

	cmd := exec.Command(*hotreload, "run", "--events=json", "--state-dir", state, t.Pkg, "--", "-addr", "127.0.0.1:0")
	cmd.Dir = t.Dir
	stderr, err := cmd.StderrPipe()
	check(err)
	stdout, err := cmd.StdoutPipe()
	check(err)
	start := time.Now()
	p := startGroup(cmd)
	// SIGTERM, not SIGINT: a program started with SIGINT ignored (a
	// background job of a non-interactive shell) keeps ignoring it, and
	// hotreload run then waits for it forever.
	defer p.stop(syscall.SIGTERM, 20*time.Second)
	log.Printf("%s: hotreload run started (pid %d); building hot (cold caches take many minutes)", t.Name, cmd.Process.Pid)

	events := make(chan event, 1000)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			line := sc.Text()
			logLine("stderr %s", line)
			var e event
			if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &e) == nil && e.Event != "" {
				e.at, e.raw = time.Now(), line
				events <- e
			}
		}
		close(events)
	}()
	addrs := make(chan string, 10)
	go scanListening(stdout, addrs, func(l string) { logLine("stdout %s", l) })

	r := &HotResult{Log: logPath}
	tr.Hot = r
	// next returns the next event, skipping those in skip; it panics on an
	// error, refusal or exit, and on timeout.
	next := func(want string, timeout time.Duration) event {
		deadline := time.After(timeout)
		for {
			select {
			case e, ok := <-events:
				if !ok {
					panic(fmt.Sprintf("hotreload run ended while waiting for %s (log: %s)", want, logPath))
				}
				if e.Event == want {
					return e
				}
				switch e.Event {
				case "error", "refused", "exit", "unchanged", "restart":
					panic(fmt.Sprintf("waiting for %s, got %s (log: %s)", want, e.raw, logPath))
				}
				if e.Event == "built" {
					r.BuiltMS, r.HostBinary = e.BuildMS, e.Binary
					log.Printf("%s: hot base built in %.1f s", t.Name, e.BuildMS/1000)
				}
			case <-deadline:
				panic(fmt.Sprintf("no %s event within %v (log: %s)", want, timeout, logPath))
			}
		}
	}
	ready := next("ready", *startWait)
	r.PID, r.ReadyS = ready.PID, time.Since(start).Seconds()
	var addr string
	select {
	case addr = <-addrs:
	case <-time.After(60 * time.Second):
		panic("the program did not print its listening address")
	}
	log.Printf("%s: ready after %.1f s (pid %d, %s); waiting for the patch kit", t.Name, r.ReadyS, r.PID, addr)
	kit := next("kit", *startWait)
	r.KitMS, r.KitS = kit.BuildMS, time.Since(start).Seconds()
	log.Printf("%s: kit after %.1f s (kit event %.1f s)", t.Name, r.KitS, kit.BuildMS/1000)

	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < 5; i++ { // warm up: first requests, page faults
		get(client, addr, t.Path)
	}
	time.Sleep(*settle)
	r.Baseline = readRSS(r.PID)
	log.Printf("%s: baseline RSS %d kB", t.Name, r.Baseline.VmRSSKB)

	for i := 1; i <= t.edits; i++ {
		rev := 1000 + i
		e := HotEdit{N: i, Rev: rev, Load1: load1()}
		t0 := time.Now()
		writeEdit(t, rev)
		served := make(chan pollResult, 1)
		stopPoll := make(chan struct{})
		go func() { served <- poll(client, addr, t, rev, t0, stopPoll) }()
		// Events until applied (change first).
		deadline := time.After(*editWait)
	wait:
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					close(stopPoll)
					panic(fmt.Sprintf("hotreload run ended during edit %d (log: %s)", i, logPath))
				}
				switch ev.Event {
				case "change":
					if e.ChangeMS == 0 {
						e.ChangeMS = ms(ev.at.Sub(t0))
					}
				case "applied":
					e.AppliedMS = ms(ev.at.Sub(t0))
					e.TotalMS, e.BuildMS, e.LoadMS, e.ApplyMS = ev.TotalMS, ev.BuildMS, ev.LoadMS, ev.ApplyMS
					e.Gen, e.Functions = ev.Gen, ev.Functions
					break wait
				case "error", "refused", "exit", "unchanged", "restart":
					close(stopPoll)
					panic(fmt.Sprintf("edit %d: %s (log: %s)", i, ev.raw, logPath))
				}
			case <-deadline:
				close(stopPoll)
				panic(fmt.Sprintf("edit %d: no applied event within %v (log: %s)", i, *editWait, logPath))
			}
		}
		pr := <-served
		if pr.err != nil {
			panic(fmt.Sprintf("edit %d: %v", i, pr.err))
		}
		e.ServedMS, e.Hits, e.Polls = ms(pr.at.Sub(t0)), pr.hits, pr.polls
		if e.Gen != i {
			panic(fmt.Sprintf("edit %d: applied generation %d, want %d", i, e.Gen, i))
		}
		time.Sleep(*settle)
		e.RSS = readRSS(r.PID)
		e.Plugin = pluginOf(r.PID, e.Gen)
		if fi, err := os.Stat(e.Plugin); err == nil {
			e.PluginSize = fi.Size()
		}
		r.Edits = append(r.Edits, e)
		log.Printf("%s: edit %2d: served %7.0f ms (event total %6.0f, build %6.0f, load %5.1f, apply %.2f) RSS %d kB (+%d) patch %.2f MB, hits %d, load %.2f",
			t.Name, i, e.ServedMS, e.TotalMS, e.BuildMS, e.LoadMS, e.ApplyMS, e.RSS.VmRSSKB, e.RSS.VmRSSKB-r.Baseline.VmRSSKB,
			float64(e.PluginSize)/1e6, e.Hits, e.Load1)
	}
	r.HitsAfter = currentHits(client, addr, t)
	r.PatchesOnDisk = duBytes(filepath.Join(state, "patches"))
	if n := len(r.Edits); n > 0 {
		r.LastPatchDir = filepath.Dir(r.Edits[n-1].Plugin)
		if *nLinkReps > 0 {
			func() {
				defer func() {
					if x := recover(); x != nil {
						msg := fmt.Sprintf("%s/breakdown: %v", t.Name, x)
						log.Printf("ERROR %s", msg)
						tr.Errors = append(tr.Errors, msg)
					}
				}()
				tr.Breakdown = breakdown(t, r.LastPatchDir, r.PID, client, addr, r.Edits[n-1].Rev)
				tr.Breakdown.HostPkgs = nmPackages(r.HostBinary)
			}()
		}
	}
}

type pollResult struct {
	at    time.Time
	hits  int
	polls int
	err   error
}

// poll asks for t.Path every -poll until the response shows rev.
func poll(c *http.Client, addr string, t *target, rev int, t0 time.Time, stop <-chan struct{}) pollResult {
	deadline := t0.Add(*editWait)
	n := 0
	for time.Now().Before(deadline) {
		n++
		body, err := get(c, addr, t.Path)
		if err == nil {
			if got, ok := match(t.rev, body); ok && got == rev {
				h, _ := match(t.hits, body)
				return pollResult{at: time.Now(), hits: h, polls: n}
			}
		}
		select {
		case <-stop:
			return pollResult{err: errors.New("stopped")}
		case <-time.After(*pollEvery):
		}
	}
	return pollResult{err: fmt.Errorf("rev %d not served within %v", rev, *editWait)}
}

func currentHits(c *http.Client, addr string, t *target) int {
	body, err := get(c, addr, t.Path)
	if err != nil {
		return -1
	}
	h, _ := match(t.hits, body)
	return h
}

func match(re *regexp.Regexp, s string) (int, bool) {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

func get(c *http.Client, addr, path string) (string, error) {
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return string(b), err
}

// scanListening sends each "listening on http://ADDR" address (only
// loopback ones) to addrs.
func scanListening(r io.Reader, addrs chan<- string, logLine func(string)) {
	re := regexp.MustCompile(`listening on http://(\S+)`)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l := sc.Text()
		logLine(l)
		if m := re.FindStringSubmatch(l); m != nil {
			host, _, err := net.SplitHostPort(m[1])
			if err != nil || host != "127.0.0.1" {
				log.Printf("ignoring %q: not a 127.0.0.1 address", m[1])
				continue
			}
			select {
			case addrs <- m[1]:
			default:
			}
		}
	}
}

// pluginOf asks the agent for generation gen's plugin.
func pluginOf(pid, gen int) string {
	sock, err := protocol.FindSocket(pid)
	check(err)
	c, err := protocol.Dial(sock)
	check(err)
	defer c.Close()
	st, err := c.Status()
	check(err)
	for _, g := range st.Generations {
		if g.Gen == gen {
			return g.Plugin
		}
	}
	panic(fmt.Sprintf("the agent has no generation %d", gen))
}

// ---------------------------------------------------------------- edits

// snapshotFile remembers the edited file and returns a function that puts
// it back.
func snapshotFile(t *target) func() {
	p := filepath.Join(t.Dir, t.File)
	orig, err := os.ReadFile(p)
	check(err)
	if !t.edit.Match(orig) {
		panic(fmt.Sprintf("%s has no line matching %s", p, t.edit))
	}
	return func() { os.WriteFile(p, orig, 0o644) }
}

// writeEdit replaces the edited line with one that yields rev, saving as
// many editors do: write a temporary file, rename it over the original.
func writeEdit(t *target, rev int) {
	p := filepath.Join(t.Dir, t.File)
	b, err := os.ReadFile(p)
	check(err)
	loc := t.edit.FindIndex(b)
	if loc == nil {
		panic(fmt.Sprintf("%s: no line matching %s", p, t.edit))
	}
	nb := append(append(append([]byte(nil), b[:loc[0]]...), fmt.Sprintf(t.replace, rev)...), b[loc[1]:]...)
	tmp := p + ".swp~"
	check(os.WriteFile(tmp, nb, 0o644))
	check(os.Rename(tmp, p))
}

// ---------------------------------------------------------------- restarts

func restartSeries(t *target, hot bool, rounds int) (*RestartResult, int64) {
	restore := snapshotFile(t)
	defer restore()
	mode, tag := "go build", "restart"
	if hot {
		mode, tag = "hotreload build", "hotrestart"
	}
	logPath := filepath.Join(*workDir, tag+"-"+t.Name+".log")
	logf, err := os.Create(logPath)
	check(err)
	defer logf.Close()
	logLine := func(l string) { fmt.Fprintf(logf, "%s %s\n", time.Now().Format("15:04:05.000"), l) }
	bin := filepath.Join(*workDir, tag+"-"+t.Name, "app")
	check(os.MkdirAll(filepath.Dir(bin), 0o755))
	build := func() time.Duration {
		var cmd *exec.Cmd
		if hot {
			cmd = exec.Command(*hotreload, "build", "-o", bin, t.Pkg)
		} else {
			cmd = exec.Command("go", "build", "-o", bin, t.Pkg)
		}
		cmd.Dir = t.Dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		s := time.Now()
		p := startGroup(cmd)
		errc := make(chan error, 1)
		go func() { errc <- cmd.Wait() }()
		select {
		case err := <-errc:
			p.done()
			logLine(mode + ": " + out.String())
			if err != nil {
				panic(fmt.Sprintf("%s failed: %v\n%s", mode, err, out.String()))
			}
		case <-time.After(*startWait):
			p.kill()
			panic(mode + " timed out")
		}
		return time.Since(s)
	}
	type proc struct {
		p     *group
		addr  string
		exitc chan error
	}
	launch := func() (*proc, time.Duration) {
		cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
		cmd.Dir = t.Dir
		cmd.Env = append(os.Environ(), "GOHOT_AGENT=off")
		stdout, err := cmd.StdoutPipe()
		check(err)
		cmd.Stderr = logf
		s := time.Now()
		pr := &proc{p: startGroup(cmd), exitc: make(chan error, 1)}
		addrs := make(chan string, 1)
		go scanListening(stdout, addrs, logLine)
		go func() { pr.exitc <- cmd.Wait() }()
		select {
		case pr.addr = <-addrs:
		case err := <-pr.exitc:
			panic(fmt.Sprintf("%s exited before listening: %v", bin, err))
		case <-time.After(60 * time.Second):
			panic("no listening line within 60 s")
		}
		return pr, time.Since(s)
	}
	stop := func(pr *proc) time.Duration {
		s := time.Now()
		syscall.Kill(-pr.p.pgid, syscall.SIGTERM)
		select {
		case <-pr.exitc:
		case <-time.After(10 * time.Second):
			pr.p.kill()
			<-pr.exitc
		}
		pr.p.done()
		return time.Since(s)
	}

	r := &RestartResult{Mode: mode, Log: logPath}
	log.Printf("%s: rebuild+restart with %s: warm-up build", t.Name, mode)
	writeEdit(t, 2000)
	wb := build()
	log.Printf("%s: warm-up %s took %.1f s", t.Name, mode, wb.Seconds())
	cur, _ := launch()
	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < 3; i++ {
		get(client, cur.addr, t.Path)
	}
	defer func() {
		if cur != nil {
			stop(cur)
		}
	}()
	for i := 1; i <= rounds; i++ {
		rev := 2000 + i
		rd := RestartRound{N: i, Rev: rev, Load1: load1()}
		// Some state to lose: a few requests to the old process.
		for k := 0; k < 3; k++ {
			get(client, cur.addr, t.Path)
		}
		t0 := time.Now()
		writeEdit(t, rev)
		rd.BuildMS = ms(build())
		rd.StopMS = ms(stop(cur))
		cur = nil
		var listen time.Duration
		cur, listen = launch()
		rd.ListenMS = ms(listen)
		ls := time.Now()
		stopPoll := make(chan struct{})
		pr := poll(client, cur.addr, t, rev, t0, stopPoll)
		if pr.err != nil {
			panic(fmt.Sprintf("round %d: %v", i, pr.err))
		}
		rd.AnswerMS = ms(pr.at.Sub(ls))
		rd.ServedMS = ms(pr.at.Sub(t0))
		rd.HitsAfter = pr.hits
		r.Rounds = append(r.Rounds, rd)
		log.Printf("%s: %s round %2d: served %6.0f ms (build %6.0f, stop %4.0f, start→listening %4.0f, →answer %4.0f), hits %d, load %.2f",
			t.Name, mode, i, rd.ServedMS, rd.BuildMS, rd.StopMS, rd.ListenMS, rd.AnswerMS, rd.HitsAfter, rd.Load1)
	}
	fi, _ := os.Stat(bin)
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	return r, size
}

// ---------------------------------------------------------------- breakdown

// linkVariant is one way of linking the patch.
type linkVariant struct {
	name  string
	flags []string
	needs string // an external linker that must be installed
}

var linkVariants = []linkVariant{
	{"link (as hotreload)", nil, ""},
	{"link -compressdwarf=false", []string{"-compressdwarf=false"}, ""},
	{"link -w", []string{"-w"}, ""},
	{"link -s -w", []string{"-s", "-w"}, ""},
	{"gold", []string{"-extldflags=-fuse-ld=gold"}, "ld.gold"},
	{"gold -s -w", []string{"-s", "-w", "-extldflags=-fuse-ld=gold"}, "ld.gold"},
	{"lld", []string{"-extldflags=-fuse-ld=lld"}, "ld.lld"},
	{"lld -s -w", []string{"-s", "-w", "-extldflags=-fuse-ld=lld"}, "ld.lld"},
	{"mold", []string{"-extldflags=-fuse-ld=mold"}, "ld.mold"},
	{"mold -s -w", []string{"-s", "-w", "-extldflags=-fuse-ld=mold"}, "ld.mold"},
}

// breakdown runs the compile and link of the last patch again by hand,
// with the arguments the patcher uses (hotreload/internal/patcher/build.go),
// to split build_ms; it tries link variants, and has the running program
// (pid) load each variant, to show that it loads and what loading costs.
func breakdown(t *target, dir string, pid int, client *http.Client, addr string, lastRev int) *Breakdown {
	log.Printf("%s: breakdown of %s", t.Name, dir)
	b := &Breakdown{PatchDir: dir, Variants: map[string][]float64{}, Sizes: map[string]int64{},
		LinkPhases: map[string]float64{}, Loads: map[string]VariantLoad{}}
	ents, err := os.ReadDir(dir)
	check(err)
	var files []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".go") {
			files = append(files, filepath.Join(dir, e.Name()))
			b.Files = append(b.Files, e.Name())
		}
	}
	cfgBytes, err := os.ReadFile(filepath.Join(dir, "importcfg"))
	check(err)
	b.Imports = strings.Count(string(cfgBytes), "packagefile ")
	manifest, err := protocol.ReadManifest(protocol.ManifestPath(filepath.Join(dir, "patch.so")))
	check(err)
	toolDir := strings.TrimSpace(goEnv("GOTOOLDIR"))
	goroot := strings.TrimSpace(goEnv("GOROOT"))
	scratch := filepath.Join(*workDir, "breakdown-"+t.Name)
	os.RemoveAll(scratch)
	check(os.MkdirAll(scratch, 0o755))
	tool := func(name string, args ...string) (time.Duration, string) {
		cmd := exec.Command(filepath.Join(toolDir, name), args...)
		cmd.Env = append(os.Environ(), "GOROOT="+goroot)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		s := time.Now()
		p := startGroup(cmd)
		errc := make(chan error, 1)
		go func() { errc <- cmd.Wait() }()
		select {
		case err := <-errc:
			p.done()
			if err != nil {
				panic(fmt.Sprintf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String()))
			}
		case <-time.After(10 * time.Minute):
			p.kill()
			panic(name + " timed out")
		}
		return time.Since(s), out.String()
	}
	linkCfg := filepath.Join(dir, "importcfg.link")
	compile := func(pkgPath, archive string) time.Duration {
		d, _ := tool("compile", append([]string{"-o", archive, "-p", pkgPath, "-lang=go1.26", "-installsuffix", "dynlink",
			"-goversion", runtime.Version(), "-c=2", "-dynlink", "-nolocalimports", "-importcfg", filepath.Join(dir, "importcfg"), "-pack"}, files...)...)
		return d
	}
	link := func(pkgPath, archive, so string, flags ...string) (time.Duration, string) {
		return tool("link", append(append([]string{"-o", so, "-importcfg", linkCfg, "-installsuffix", "dynlink",
			"-pluginpath", pkgPath, "-buildmode=plugin", "-extld=gcc"}, flags...), archive)...)
	}
	base := filepath.Base(dir)
	for i := 0; i < *nLinkReps; i++ {
		d := compile("gohotpatch/"+base+"c", filepath.Join(scratch, "compile.a"))
		b.Variants["compile"] = append(b.Variants["compile"], ms(d))
	}
	log.Printf("%s: breakdown %-20s median %6.0f ms", t.Name, "compile", median(b.Variants["compile"]))
	// Compile each variant under a plugin path of its own, so that the
	// program can load it (a plugin path loads once); the link's
	// -pluginpath must equal the compiled package path (otherwise the link
	// is faster but the plugin is broken).
	type prepared struct {
		v             linkVariant
		pkgPath, arch string
		so            string
	}
	var todo []prepared
	for k, v := range linkVariants {
		if v.needs != "" {
			if _, err := exec.LookPath(v.needs); err != nil {
				b.Notes = append(b.Notes, v.name+": "+v.needs+" not installed")
				continue
			}
		}
		vdir := filepath.Join(scratch, fmt.Sprintf("v%d", k))
		check(os.MkdirAll(vdir, 0o755))
		p := prepared{v: v, pkgPath: fmt.Sprintf("gohotpatch/%sv%d", base, k), arch: filepath.Join(vdir, "patch.a"), so: filepath.Join(vdir, "patch.so")}
		compile(p.pkgPath, p.arch)
		todo = append(todo, p)
	}
	// Round robin, so that drifts of the machine spread over all variants.
	for i := 0; i < *nLinkReps; i++ {
		for _, p := range todo {
			d, _ := link(p.pkgPath, p.arch, p.so, p.v.flags...)
			b.Variants[p.v.name] = append(b.Variants[p.v.name], ms(d))
		}
	}
	for _, p := range todo {
		fi, err := os.Stat(p.so)
		check(err)
		b.Sizes[p.v.name] = fi.Size()
		b.Loads[p.v.name] = loadVariant(pid, p.so, manifest, client, addr, t, lastRev)
		log.Printf("%s: breakdown %-26s median %6.0f ms, %.2f MB, load: %+v", t.Name, p.v.name, median(b.Variants[p.v.name]), float64(fi.Size())/1e6, b.Loads[p.v.name])
	}
	if fi, err := os.Stat(filepath.Join(scratch, "compile.a")); err == nil {
		b.Sizes["patch.a"] = fi.Size()
	}
	// Phases of one link, as the Go linker reports them ("Hostlink" is the
	// external linker: gcc and ld).
	_, out := link("gohotpatch/"+base+"c", filepath.Join(scratch, "compile.a"), filepath.Join(scratch, "bench.so"), "-benchmark=cpu")
	phaseRE := regexp.MustCompile(`(?m)^Benchmark(\w+)\s+\d+\s+(\d+) ns/op`)
	for _, m := range phaseRE.FindAllStringSubmatch(out, -1) {
		f, _ := strconv.ParseFloat(m[2], 64)
		b.LinkPhases[m[1]] += f / 1e6
	}
	if len(b.LinkPhases) == 0 {
		b.Notes = append(b.Notes, "link -benchmark=cpu output not parsed:\n"+out)
	}
	b.LinkedPkgs = nmPackages(filepath.Join(scratch, "bench.so"))
	return b
}

// loadVariant has the program apply a variant of the last patch (the same
// code) and checks that it still serves the last revision.
func loadVariant(pid int, so string, m *protocol.Manifest, client *http.Client, addr string, t *target, lastRev int) VariantLoad {
	mm := *m
	mm.PatchID = m.PatchID + "-" + filepath.Base(filepath.Dir(so))
	check(protocol.WriteManifest(protocol.ManifestPath(so), &mm))
	sock, err := protocol.FindSocket(pid)
	check(err)
	c, err := protocol.Dial(sock)
	check(err)
	defer c.Close()
	resp, err := c.Apply(so)
	if err == nil {
		err = resp.Err()
	}
	if err != nil {
		return VariantLoad{Error: err.Error()}
	}
	vl := VariantLoad{OK: true, VerifyMS: resp.VerifyMS, LoadMS: resp.LoadMS, ApplyMS: resp.ApplyMS}
	body, err := get(client, addr, t.Path)
	if rev, ok := match(t.rev, body); err != nil || !ok || rev != lastRev {
		vl.OK, vl.Error = false, fmt.Sprintf("after loading, the program serves %q (%v), want revision %d", body, err, lastRev)
	}
	return vl
}

// nmPackages counts the packages with code in a binary (go tool nm).
func nmPackages(bin string) int {
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		return -1
	}
	return countPackages(string(out))
}

// countPackages counts the distinct import paths of Go text symbols in `go
// tool nm` output.
func countPackages(nm string) int {
	pkgs := map[string]bool{}
	for _, line := range strings.Split(nm, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || (f[1] != "T" && f[1] != "t") {
			continue
		}
		sym := strings.TrimPrefix(f[2], "local.") // the external linker's local aliases
		if strings.HasPrefix(sym, "type:") || strings.HasPrefix(sym, "go:") || !strings.Contains(sym, ".") {
			continue
		}
		// import path = everything up to the first '.' after the last '/'.
		slash := strings.LastIndex(sym, "/")
		dot := strings.Index(sym[slash+1:], ".")
		if dot < 0 {
			continue
		}
		pkgs[sym[:slash+1+dot]] = true
	}
	return len(pkgs)
}

// ---------------------------------------------------------------- processes

// group is a started process in its own process group.
type group struct {
	pgid int
	cmd  *exec.Cmd
}

var (
	groupsMu sync.Mutex
	groups   = map[int]*group{}
)

func startGroup(cmd *exec.Cmd) *group {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	check(cmd.Start())
	g := &group{pgid: cmd.Process.Pid, cmd: cmd}
	groupsMu.Lock()
	groups[g.pgid] = g
	groupsMu.Unlock()
	return g
}

// done forgets a group whose leader exited (its children may live on: kill them).
func (g *group) done() {
	syscall.Kill(-g.pgid, syscall.SIGKILL)
	groupsMu.Lock()
	delete(groups, g.pgid)
	groupsMu.Unlock()
}

func (g *group) kill() {
	syscall.Kill(-g.pgid, syscall.SIGKILL)
	groupsMu.Lock()
	delete(groups, g.pgid)
	groupsMu.Unlock()
}

// stop signals the group's leader, waits up to timeout for it, then kills
// the whole group. For commands whose Wait nobody else calls.
func (g *group) stop(sig os.Signal, timeout time.Duration) {
	groupsMu.Lock()
	_, live := groups[g.pgid]
	groupsMu.Unlock()
	if !live {
		return
	}
	g.cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
	}
	g.kill()
}

func killAll() {
	groupsMu.Lock()
	defer groupsMu.Unlock()
	for pgid := range groups {
		syscall.Kill(-pgid, syscall.SIGKILL)
		delete(groups, pgid)
	}
}

// ---------------------------------------------------------------- /proc

func readRSS(pid int) RSS {
	var r RSS
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			r.VmRSSKB = v
		case "RssAnon:":
			r.RssAnonKB = v
		case "RssFile:":
			r.RssFileKB = v
		}
	}
	sm, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	check(err)
	inPatch := false
	for _, line := range strings.Split(string(sm), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if strings.Contains(f[0], "-") && len(f) >= 5 { // a mapping header
			inPatch = len(f) >= 6 && strings.HasSuffix(f[len(f)-1], ".so") && strings.Contains(f[len(f)-1], "/patches/")
			if inPatch {
				r.Mappings++
			}
			continue
		}
		if !inPatch || len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "Rss:":
			r.PatchRssKB += v
		case "Size:":
			r.PatchSizeKB += v
		case "Private_Dirty:":
			r.PatchDirty += v
		}
	}
	return r
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

func load1() float64 {
	f := strings.Fields(loadavg())
	if len(f) == 0 {
		return -1
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

func duBytes(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func meta() Meta {
	m := Meta{Started: time.Now().Format(time.RFC3339), NumCPU: runtime.NumCPU(), LoadStart: loadavg(),
		GoVersion: runtime.Version(), Hotreload: *hotreload, Flags: os.Args[1:], PollInterval: ms(*pollEvery)}
	m.Host, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				m.CPU = strings.TrimSpace(l[strings.Index(l, ":")+1:])
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemTotal = strings.Join(strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1:], " ")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("gcc", "--version").Output(); err == nil {
		m.CCVersion = strings.SplitN(string(out), "\n", 2)[0]
	}
	if out, err := exec.Command("ld", "--version").Output(); err == nil {
		m.LDVersion = strings.SplitN(string(out), "\n", 2)[0]
	}
	m.Commit = os.Getenv("BENCH_COMMIT")
	if f, err := os.Open(*hotreload); err == nil {
		h := sha256.New()
		io.Copy(h, f)
		f.Close()
		m.HotreloadSHA = hex.EncodeToString(h.Sum(nil))[:16]
	}
	return m
}

func goEnv(k string) string {
	out, err := exec.Command("go", "env", k).Output()
	check(err)
	return string(out)
}

// ---------------------------------------------------------------- report

func report(res *Results) {
	w := os.Stdout
	fmt.Fprintf(w, "\nreload benchmark — %s, %d CPU (%s), load %s → %s\n", res.Meta.GoVersion, res.Meta.NumCPU, res.Meta.CPU, res.Meta.LoadStart, res.Meta.LoadEnd)
	for _, tr := range res.Targets {
		t := tr.Target
		fmt.Fprintf(w, "\n## %s — %s; edited: %s\n\n", t.Name, t.Comment, t.Func)
		for _, e := range tr.Errors {
			fmt.Fprintf(w, "ERROR: %s\n", e)
		}
		fmt.Fprintf(w, "| %-44s | %5s | %8s | %8s | %8s | %8s |\n", "ms", "n", "median", "p90", "min", "max")
		fmt.Fprintf(w, "|%s|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 46), strings.Repeat("-", 7), strings.Repeat("-", 10), strings.Repeat("-", 10), strings.Repeat("-", 10), strings.Repeat("-", 10))
		row := func(name string, xs []float64) {
			if len(xs) == 0 {
				return
			}
			s := summarize(xs)
			fmt.Fprintf(w, "| %-44s | %5d | %8.0f | %8.0f | %8.0f | %8.0f |\n", name, len(xs), s.Median, s.P90, s.Min, s.Max)
		}
		if h := tr.Hot; h != nil && len(h.Edits) > 0 {
			col := func(f func(HotEdit) float64) []float64 {
				var xs []float64
				for _, e := range h.Edits {
					xs = append(xs, f(e))
				}
				return xs
			}
			row("hot: edit → new value served (HTTP)", col(func(e HotEdit) float64 { return e.ServedMS }))
			row("hot:   edit → change event (watch debounce)", col(func(e HotEdit) float64 { return e.ChangeMS }))
			row("hot:   event total_ms (change → applied)", col(func(e HotEdit) float64 { return e.TotalMS }))
			row("hot:   event build_ms (generate+compile+link)", col(func(e HotEdit) float64 { return e.BuildMS }))
			row("hot:   event load_ms (verify + plugin.Open)", col(func(e HotEdit) float64 { return e.LoadMS }))
			rowf := func(name string, xs []float64) {
				s := summarize(xs)
				fmt.Fprintf(w, "| %-44s | %5d | %8.2f | %8.2f | %8.2f | %8.2f |\n", name, len(xs), s.Median, s.P90, s.Min, s.Max)
			}
			rowf("hot:   event apply_ms (the switch)", col(func(e HotEdit) float64 { return e.ApplyMS }))
			if len(h.Edits) > 1 {
				fmt.Fprintf(w, "| %-44s | %5d | %8.0f | %8s | %8s | %8s |\n", "hot: first edit served", 1, h.Edits[0].ServedMS, "", "", "")
				row("hot: edits 2.. served", col(func(e HotEdit) float64 { return e.ServedMS })[1:])
			}
		}
		for _, rr := range []*RestartResult{tr.Restart, tr.HotRestart} {
			if rr == nil || len(rr.Rounds) == 0 {
				continue
			}
			col := func(f func(RestartRound) float64) []float64 {
				var xs []float64
				for _, r := range rr.Rounds {
					xs = append(xs, f(r))
				}
				return xs
			}
			p := "restart (" + rr.Mode + ")"
			row(p+": edit → served", col(func(r RestartRound) float64 { return r.ServedMS }))
			row("  "+rr.Mode, col(func(r RestartRound) float64 { return r.BuildMS }))
			row("  stop old process", col(func(r RestartRound) float64 { return r.StopMS }))
			row("  exec → listening", col(func(r RestartRound) float64 { return r.ListenMS }))
			row("  listening → first answer", col(func(r RestartRound) float64 { return r.AnswerMS }))
		}
		if h := tr.Hot; h != nil && len(h.Edits) > 0 {
			// per-patch deltas of a field; the first patch separately
			delta := func(f func(RSS) int64) (first float64, later []float64, slope float64) {
				var xs, ys []float64
				prev := f(h.Baseline)
				for i, e := range h.Edits {
					d := float64(f(e.RSS) - prev)
					prev = f(e.RSS)
					if i == 0 {
						first = d
					} else {
						later = append(later, d)
					}
					xs = append(xs, float64(i+1))
					ys = append(ys, float64(f(e.RSS)))
				}
				slope, _ = linfit(xs, ys)
				return
			}
			last := h.Edits[len(h.Edits)-1]
			fmt.Fprintf(w, "\nRSS (kB): baseline %d, after %d patches %d (+%d)\n", h.Baseline.VmRSSKB, len(h.Edits), last.RSS.VmRSSKB, last.RSS.VmRSSKB-h.Baseline.VmRSSKB)
			fmt.Fprintf(w, "| %-36s | %8s | %14s | %10s |\n", "per patch, kB", "first", "later: median", "fit slope")
			fmt.Fprintf(w, "|%s|%s|%s|%s|\n", strings.Repeat("-", 38), strings.Repeat("-", 10), strings.Repeat("-", 16), strings.Repeat("-", 12))
			for _, f := range []struct {
				name string
				f    func(RSS) int64
			}{
				{"VmRSS", func(r RSS) int64 { return r.VmRSSKB }},
				{"  RssAnon (private memory)", func(r RSS) int64 { return r.RssAnonKB }},
				{"  RssFile (file pages, reclaimable)", func(r RSS) int64 { return r.RssFileKB }},
				{"patch .so mappings: resident", func(r RSS) int64 { return r.PatchRssKB }},
				{"patch .so mappings: mapped size", func(r RSS) int64 { return r.PatchSizeKB }},
			} {
				first, later, slope := delta(f.f)
				fmt.Fprintf(w, "| %-36s | %8.0f | %14.0f | %10.0f |\n", f.name, first, median(later), slope)
			}
			var sizes []float64
			for _, e := range h.Edits {
				sizes = append(sizes, float64(e.PluginSize)/1024)
			}
			ss := summarize(sizes)
			fmt.Fprintf(w, "patch .so file: median %.0f kB (min %.0f, max %.0f); patches directory %.1f MB after %d patches\n", ss.Median, ss.Min, ss.Max, float64(h.PatchesOnDisk)/1e6, len(h.Edits))
			fmt.Fprintf(w, "state: the counter served %d after %d hot patches", h.HitsAfter, len(h.Edits))
			if tr.Restart != nil && len(tr.Restart.Rounds) > 0 {
				fmt.Fprintf(w, "; the first answer after each restart showed %d", tr.Restart.Rounds[len(tr.Restart.Rounds)-1].HitsAfter)
			}
			fmt.Fprintf(w, "\nhot base: built in %.1f s (ready after %.1f s), kit after %.1f s\n", h.BuiltMS/1000, h.ReadyS, h.KitS)
		}
		if b := tr.Breakdown; b != nil {
			fmt.Fprintf(w, "\nbreakdown of the last patch (%d reps each; packages with code: plugin %d, host %d):\n", *nLinkReps, b.LinkedPkgs, b.HostPkgs)
			fmt.Fprintf(w, "| %-26s | %8s | %8s | %10s | %8s |\n", "step", "median ms", "min ms", ".so MB", "load ms")
			fmt.Fprintf(w, "|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 28), strings.Repeat("-", 11), strings.Repeat("-", 10), strings.Repeat("-", 12), strings.Repeat("-", 10))
			names := []string{"compile"}
			for _, v := range linkVariants {
				names = append(names, v.name)
			}
			for _, n := range names {
				xs := b.Variants[n]
				if len(xs) == 0 {
					continue
				}
				size, load := "", ""
				if sz, ok := b.Sizes[n]; ok {
					size = fmt.Sprintf("%.2f", float64(sz)/1e6)
				}
				if l, ok := b.Loads[n]; ok {
					if l.OK {
						load = fmt.Sprintf("%.1f", l.VerifyMS+l.LoadMS)
					} else {
						load = "FAILED"
					}
				}
				fmt.Fprintf(w, "| %-26s | %9.0f | %8.0f | %10s | %8s |\n", n, median(xs), summarize(xs).Min, size, load)
			}
			type kv struct {
				k string
				v float64
			}
			var ph []kv
			var total float64
			for k, v := range b.LinkPhases {
				if k == "TotalTime" {
					total = v
					continue
				}
				ph = append(ph, kv{k, v})
			}
			sort.Slice(ph, func(i, j int) bool { return ph[i].v > ph[j].v })
			var parts []string
			for i, p := range ph {
				if i == 6 {
					break
				}
				parts = append(parts, fmt.Sprintf("%s %.0f", p.k, p.v))
			}
			fmt.Fprintf(w, "link phases (one run, %.0f ms in all): %s\n", total, strings.Join(parts, ", "))
			for n, l := range b.Loads {
				if !l.OK {
					fmt.Fprintf(w, "  %s did not load: %s\n", n, l.Error)
				}
			}
			for _, n := range b.Notes {
				fmt.Fprintf(w, "  note: %s\n", n)
			}
		}
	}
	fmt.Fprintf(w, "\nraw numbers: %s\n", *outFile)
}

// Summary is a distribution.
type Summary struct{ Median, P90, Min, Max, Mean float64 }

func summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	p90 := s[int(math.Ceil(0.9*float64(len(s))))-1] // nearest rank
	return Summary{Median: median(s), P90: p90, Min: s[0], Max: s[len(s)-1], Mean: sum / float64(len(s))}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// linfit is the least-squares line y = a*x + b.
func linfit(xs, ys []float64) (a, b float64) {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0, sy / n
	}
	a = (n*sxy - sx*sy) / d
	return a, (sy - a*sx) / n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func check(err error) {
	if err != nil {
		panic(err)
	}
}
