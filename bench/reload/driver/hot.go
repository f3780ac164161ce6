package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// event is one JSON event of `hotreload run --events=json` (docs/EVENTS.md).
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

// fails reports whether an event ends the benchmark's expectations: every
// edit it makes must be applied.
func (e event) fails() bool {
	switch e.Event {
	case "error", "refused", "exit", "unchanged", "restart":
		return true
	}
	return false
}

// hotRun is one `hotreload run` of a target and what it measures.
type hotRun struct {
	t      *target
	r      *HotResult
	logf   *os.File
	logMu  sync.Mutex
	events chan event  // the launcher's JSON events
	addrs  chan string // the program's listening addresses
	addr   string      // the one it serves on
	client *http.Client
}

// hotSession runs the target under `hotreload run`, makes its edits one
// after the other, and measures each; then the breakdown of the last patch.
func hotSession(t *target, tr *TargetResult) {
	restore := snapshotFile(t)
	defer restore()
	state := filepath.Join(*workDir, "state-"+t.Name)
	os.RemoveAll(state)
	h := &hotRun{t: t, r: &HotResult{Log: filepath.Join(*workDir, "hot-"+t.Name+".log")}}
	logf, err := os.Create(h.r.Log)
	check(err)
	defer logf.Close()
	h.logf = logf

	p, start := h.start(state)
	// SIGTERM, not SIGINT: a program started with SIGINT ignored (a
	// background job of a non-interactive shell) keeps ignoring it, and
	// hotreload run then waits for it forever.
	defer p.stop(syscall.SIGTERM, 20*time.Second)
	tr.Hot = h.r
	h.awaitReady(start)
	h.warmUp()
	for i := 1; i <= t.edits; i++ {
		h.r.Edits = append(h.r.Edits, h.edit(i))
	}
	h.r.HitsAfter = currentHits(h.client, h.addr, t)
	h.r.PatchesOnDisk = duBytes(filepath.Join(state, "patches"))
	if n := len(h.r.Edits); n > 0 {
		last := h.r.Edits[n-1]
		h.r.LastPatchDir = filepath.Dir(last.Plugin)
		if *nLinkReps > 0 {
			phase(tr, "breakdown", false, func() {
				tr.Breakdown = breakdown(t, h.r.LastPatchDir, h.r.PID, h.client, h.addr, last.Rev)
				tr.Breakdown.HostPkgs = nmPackages(h.r.HostBinary)
			})
		}
	}
}

// start starts `hotreload run` of the target with its state in state; its
// events go to h.events, the program's listening addresses to h.addrs, and
// both outputs to the log. It returns the process group and when it started.
func (h *hotRun) start(state string) (*group, time.Time) {
	cmd := exec.Command(*hotreload, "run", "--events=json", "--state-dir", state, h.t.Pkg, "--", "-addr", "127.0.0.1:0")
	cmd.Dir = h.t.Dir
	stderr, err := cmd.StderrPipe()
	check(err)
	stdout, err := cmd.StdoutPipe()
	check(err)
	start := time.Now()
	p := startGroup(cmd)
	log.Printf("%s: hotreload run started (pid %d); building hot (cold caches take many minutes)", h.t.Name, cmd.Process.Pid)
	h.events = make(chan event, 1000)
	go h.readEvents(stderr)
	h.addrs = make(chan string, 10)
	go scanListening(stdout, h.addrs, func(l string) { h.logLine("stdout %s", l) })
	return p, start
}

func (h *hotRun) logLine(format string, args ...any) {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	fmt.Fprintf(h.logf, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
}

// readEvents sends the launcher's JSON events (its stderr) to h.events,
// stamped with the time they arrived.
func (h *hotRun) readEvents(stderr io.Reader) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		h.logLine("stderr %s", line)
		var e event
		if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &e) == nil && e.Event != "" {
			e.at, e.raw = time.Now(), line
			h.events <- e
		}
	}
	close(h.events)
}

// next returns the next event of kind want, skipping others (and recording
// the built event's numbers); it panics on an error, refusal or exit, and
// on timeout.
func (h *hotRun) next(want string, timeout time.Duration) event {
	deadline := time.After(timeout)
	for {
		select {
		case e, ok := <-h.events:
			if !ok {
				panic(fmt.Sprintf("hotreload run ended while waiting for %s (log: %s)", want, h.r.Log))
			}
			if e.Event == want {
				return e
			}
			if e.fails() {
				panic(fmt.Sprintf("waiting for %s, got %s (log: %s)", want, e.raw, h.r.Log))
			}
			if e.Event == "built" {
				h.r.BuiltMS, h.r.HostBinary = e.BuildMS, e.Binary
				log.Printf("%s: hot base built in %.1f s", h.t.Name, e.BuildMS/1000)
			}
		case <-deadline:
			panic(fmt.Sprintf("no %s event within %v (log: %s)", want, timeout, h.r.Log))
		}
	}
}

// awaitReady waits for the program to run (the ready event and its
// listening address) and for the patch kit, timing both from start.
func (h *hotRun) awaitReady(start time.Time) {
	r := h.r
	ready := h.next("ready", *startWait)
	r.PID, r.ReadyS = ready.PID, time.Since(start).Seconds()
	select {
	case h.addr = <-h.addrs:
	case <-time.After(60 * time.Second):
		panic("the program did not print its listening address")
	}
	log.Printf("%s: ready after %.1f s (pid %d, %s); waiting for the patch kit", h.t.Name, r.ReadyS, r.PID, h.addr)
	kit := h.next("kit", *startWait)
	r.KitMS, r.KitS = kit.BuildMS, time.Since(start).Seconds()
	log.Printf("%s: kit after %.1f s (kit event %.1f s)", h.t.Name, r.KitS, kit.BuildMS/1000)
}

// warmUp sends the program its first requests (page faults, lazy
// initialization), then reads the baseline memory.
func (h *hotRun) warmUp() {
	h.client = &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < 5; i++ {
		get(h.client, h.addr, h.t.Path)
	}
	time.Sleep(*settle)
	h.r.Baseline = readRSS(h.r.PID)
	log.Printf("%s: baseline RSS %d kB", h.t.Name, h.r.Baseline.VmRSSKB)
}

// edit makes edit i and measures it: the events and the new value served,
// then the process's memory and the patch it loaded.
func (h *hotRun) edit(i int) HotEdit {
	t := h.t
	rev := 1000 + i
	e := HotEdit{N: i, Rev: rev, Load1: load1()}
	t0 := time.Now()
	writeEdit(t, rev)
	served := make(chan pollResult, 1)
	stopPoll := make(chan struct{})
	go func() { served <- poll(h.client, h.addr, t, rev, t0, stopPoll) }()
	h.awaitApplied(i, t0, &e, stopPoll)
	pr := <-served
	if pr.err != nil {
		panic(fmt.Sprintf("edit %d: %v", i, pr.err))
	}
	e.ServedMS, e.Hits, e.Polls = ms(pr.at.Sub(t0)), pr.hits, pr.polls
	if e.Gen != i {
		panic(fmt.Sprintf("edit %d: applied generation %d, want %d", i, e.Gen, i))
	}
	time.Sleep(*settle)
	e.RSS = readRSS(h.r.PID)
	e.Plugin = pluginOf(h.r.PID, e.Gen)
	if fi, err := os.Stat(e.Plugin); err == nil {
		e.PluginSize = fi.Size()
	}
	log.Printf("%s: edit %2d: served %7.0f ms (event total %6.0f, build %6.0f, load %5.1f, apply %.2f) RSS %d kB (+%d) patch %.2f MB, hits %d, load %.2f",
		t.Name, i, e.ServedMS, e.TotalMS, e.BuildMS, e.LoadMS, e.ApplyMS, e.RSS.VmRSSKB, e.RSS.VmRSSKB-h.r.Baseline.VmRSSKB,
		float64(e.PluginSize)/1e6, e.Hits, e.Load1)
	return e
}

// awaitApplied reads edit i's events until the applied one (the change
// event first), recording when they came (since t0, the write) and the
// launcher's timings in e. On a failure it stops the poll and panics.
func (h *hotRun) awaitApplied(i int, t0 time.Time, e *HotEdit, stopPoll chan struct{}) {
	deadline := time.After(*editWait)
	for {
		select {
		case ev, ok := <-h.events:
			if !ok {
				close(stopPoll)
				panic(fmt.Sprintf("hotreload run ended during edit %d (log: %s)", i, h.r.Log))
			}
			switch {
			case ev.Event == "change":
				if e.ChangeMS == 0 {
					e.ChangeMS = ms(ev.at.Sub(t0))
				}
			case ev.Event == "applied":
				e.AppliedMS = ms(ev.at.Sub(t0))
				e.TotalMS, e.BuildMS, e.LoadMS, e.ApplyMS = ev.TotalMS, ev.BuildMS, ev.LoadMS, ev.ApplyMS
				e.Gen, e.Functions = ev.Gen, ev.Functions
				return
			case ev.fails():
				close(stopPoll)
				panic(fmt.Sprintf("edit %d: %s (log: %s)", i, ev.raw, h.r.Log))
			}
		case <-deadline:
			close(stopPoll)
			panic(fmt.Sprintf("edit %d: no applied event within %v (log: %s)", i, *editWait, h.r.Log))
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
