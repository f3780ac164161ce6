// Command soak is the soak benchmark of `hotreload run`: N successive edits
// (default 500) of a real program of the fidelity corpus (go-httpbin from the
// Go module proxy, unmodified, as tools/fidelity gets it), each applied as a
// live patch, recording per generation the program's RSS, the patch .so's
// size, the state directory's disk usage, the applied event's times
// (build/compile/link/load/apply), save → applied, and one request checking
// that the new code serves; plus, interleaved in the same run, the baseline:
// a rebuild + restart of the same program with plain `go build` (warm) until
// it serves the edit. It writes soak.json, soak.csv, restarts.csv,
// events.jsonl, summary.md and PNG charts into -out.
//
//	go run . -n 500 -hotreload /tmp/hr                     # from bench/soak (see run.sh)
//	go run . -n 60 -hotreload-flag=--link=plugin -hotreload /tmp/hr   # a given link mode (or -env HOTRELOAD_LINK=plugin)
//	go run . -plot bench/results/DATE/soak-httpbin/soak.json   # redraw the charts only
//
// Guards: -max-rss (the program's VmRSS), -max-disk (du of the state dir)
// and -min-free (free space on its file system) end the run early with a
// "soak: stopping" line; the results and charts are written all the same.
// An interrupt (^C) does the same.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

var (
	nEdits       = flag.Int("n", 500, "edits (generations) to make")
	programName  = flag.String("program", "httpbin", "corpus program (tools/fidelity/corpus/NAME.txtar) with a built-in soak edit")
	corpusDir    = flag.String("corpus", "", "the corpus directory (default: tools/fidelity/corpus of the repository around the working directory)")
	hotreloadBin = flag.String("hotreload", "", "the hotreload binary (required; build once: go build -o /tmp/hr ./hotreload)")
	outDir       = flag.String("out", "", "results directory (default: bench/results/<date>/soak-<program>[-<mode>] of the repository)")
	workDir      = flag.String("work", "", "scratch directory (default: a new temporary one, removed at the end unless -keep)")
	keep         = flag.Bool("keep", false, "keep the scratch directory")
	mode         = flag.String("mode", "", "label of the link mode measured, for the output (default: hotreload run's --link among -hotreload-flag, else HOTRELOAD_LINK, else the default its usage states)")
	maxRSSFlag   = flag.String("max-rss", "12G", "stop when the program's RSS exceeds this (0: no limit)")
	maxDiskFlag  = flag.String("max-disk", "30G", "stop when the disk used by the state dir (du) plus the plugin copies (and other deleted files) the program maps exceeds this (0: no limit)")
	minFreeFlag  = flag.String("min-free", "5G", "stop when the free space of the state dir's file system falls below this")
	maxTime      = flag.Duration("max-time", 0, "stop after this long (0: no limit)")
	restartEvery = flag.Int("restart-every", 50, "measure the rebuild + restart baseline before the first edit, after every this many, and after the last")
	restartReps  = flag.Int("restart-reps", 3, "rebuild + restart repetitions per baseline round")
	settle       = flag.Duration("settle", 300*time.Millisecond, "wait after the request before reading memory and disk")
	editWait     = flag.Duration("edit-wait", 5*time.Minute, "longest wait for an edit's applied event")
	startWait    = flag.Duration("start-wait", 30*time.Minute, "longest wait for the hot build and the patch kit (cold caches take many minutes)")
	plotOnly     = flag.String("plot", "", "only redraw the charts (and summary) of this soak.json")
	envs         multi
	hrFlags      multi
)

func init() {
	flag.Var(&envs, "env", "KEY=VALUE added to `hotreload run`'s environment (repeatable), e.g. -env HOTRELOAD_LINK=shared")
	flag.Var(&hrFlags, "hotreload-flag", "argument added to `hotreload run` before the package (repeatable), e.g. -hotreload-flag=--link=shared")
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("soak: ")
	flag.Parse()
	if *plotOnly != "" {
		replot(*plotOnly)
		return
	}
	if *hotreloadBin == "" {
		log.Fatal("-hotreload is required (go build -o /tmp/hr ./hotreload)")
	}
	hr, err := filepath.Abs(*hotreloadBin)
	check(err)
	s := &soak{r: &Result{}}
	s.r.Meta = Meta{Started: time.Now().UTC().Format(time.RFC3339), Hotreload: hr, Args: os.Args[1:], Env: envs,
		HotreloadFlags: hrFlags, N: *nEdits, Commit: os.Getenv("BENCH_COMMIT"), Mode: *mode}
	if s.r.Meta.Mode == "" && *bazelMode {
		// go_hot_binary links its program against the shared standard
		// library (plugins only for a -race build).
		s.r.Meta.Mode = "shared"
	} else if s.r.Meta.Mode == "" {
		s.r.Meta.Mode = linkMode(helpDefaultLink(hr), envs, hrFlags)
	}
	s.r.Meta.Bazel = *bazelMode
	s.r.Meta.MaxRSS, err = parseSize(*maxRSSFlag)
	check(err)
	s.r.Meta.MaxDisk, err = parseSize(*maxDiskFlag)
	check(err)
	s.minFree, err = parseSize(*minFreeFlag)
	check(err)
	machine(&s.r.Meta)

	corpus := *corpusDir
	if corpus == "" {
		corpus = filepath.Join(repoRoot(), "tools", "fidelity", "corpus")
	}
	s.r.Program, err = parseCorpus(filepath.Join(corpus, *programName+".txtar"))
	check(err)
	edit, ok := soakEdits[*programName]
	if !ok {
		log.Fatalf("no soak edit for %s: add one to soakEdits (bench/soak/program.go)", *programName)
	}
	s.r.Edit = edit
	s.out = *outDir
	if s.out == "" {
		name := "soak-" + *programName
		if *bazelMode {
			name += "-bazel"
		} else if s.r.Meta.Mode != "plugin" {
			name += "-" + s.r.Meta.Mode
		}
		s.out = filepath.Join(repoRoot(), "bench", "results", time.Now().Format("2006-01-02"), name)
	}
	check(os.MkdirAll(s.out, 0o755))
	s.work = *workDir
	if s.work != "" {
		check(os.MkdirAll(s.work, 0o755))
	} else {
		s.work, err = os.MkdirTemp("", "soak-")
		check(err)
		if !*keep {
			defer func() { exec.Command("chmod", "-R", "u+w", s.work).Run(); os.RemoveAll(s.work) }()
		}
	}
	s.run()
}

// linkMode is the link mode a run measures, for its label: hotreload run's
// --link flag among the extra flags, else HOTRELOAD_LINK (or GOHOT_LINK)
// among the extra environment, else the default (the one hotreload run's
// usage states), else plugin (hotreload before --link).
func linkMode(inherited string, env, flags []string) string {
	mode := inherited
	for _, e := range env {
		for _, k := range []string{"HOTRELOAD_LINK=", "GOHOT_LINK="} {
			if v, ok := strings.CutPrefix(e, k); ok {
				mode = v
			}
		}
	}
	for i, f := range flags {
		name, v, hasV := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if name != "link" {
			continue
		}
		if !hasV && i+1 < len(flags) {
			v = flags[i+1]
		}
		mode = v
	}
	if mode == "" {
		return "plugin"
	}
	return mode
}

// helpDefaultLink is the default of hotreload run's --link as its usage
// states it (with our environment and -env: it honours HOTRELOAD_LINK), or
// "" when it has no such flag.
func helpDefaultLink(hr string) string {
	cmd := exec.Command(hr, "run", "-help")
	cmd.Env = append(os.Environ(), envs...)
	out, _ := cmd.CombinedOutput()
	return parseHelpDefaultLink(string(out))
}

var helpLinkRE = regexp.MustCompile(`(?m)^\s+-link string\n(?:\s+.*\n)*?\s+.*\(default "([a-z]+)"\)`)

func parseHelpDefaultLink(usage string) string {
	if m := helpLinkRE.FindStringSubmatch(usage); m != nil {
		return m[1]
	}
	return ""
}

// repoRoot is the repository around the working directory (the directory
// holding tools/fidelity/corpus).
func repoRoot() string {
	dir, err := os.Getwd()
	check(err)
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "tools", "fidelity", "corpus")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			log.Fatalf("no repository (tools/fidelity/corpus) around %s: give -corpus and -out", dir)
		}
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// soak is one run.
type soak struct {
	r       *Result
	out     string
	work    string
	minFree int64

	hotSrc, plainSrc, state string
	plainBin                string // the plain program, as plainBuild built it
	hot                     *group
	events                  chan event
	eventLog                *os.File
	port                    string
	client                  *http.Client
	orig                    []byte // the edited file as published
	knownSO                 map[string]int64
	stop                    atomic.Value // string: why to stop early
}

func (s *soak) stopping() string {
	v, _ := s.stop.Load().(string)
	return v
}

func (s *soak) run() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		x := <-sig
		s.stop.CompareAndSwap(nil, fmt.Sprintf("interrupted (%v)", x))
		log.Printf("stopping: %v (results are written after the current edit)", x)
	}()
	p := s.r.Program
	s.hotSrc, s.plainSrc, s.state = filepath.Join(s.work, "hot"), filepath.Join(s.work, "plain"), filepath.Join(s.work, "state")
	log.Printf("fetching %s%s into %s", p.Module, p.Dir, s.work)
	check(p.fetch(s.work, s.hotSrc))
	check(p.fetch(s.work, s.plainSrc))
	if *bazelMode {
		defer s.bazelShutdown()
		for _, dir := range []string{s.hotSrc, s.plainSrc} {
			log.Printf("making %s a Bazel workspace (Gazelle)", dir)
			check(s.bazelWorkspace(dir, filepath.Base(dir)))
		}
	}
	var err error
	s.orig, err = os.ReadFile(filepath.Join(s.hotSrc, s.r.Edit.File))
	check(err)
	_, err = s.r.Edit.apply(s.orig, "x")
	check(err)
	check(os.MkdirAll(s.state, 0o755))
	s.eventLog, err = os.Create(filepath.Join(s.out, "events.jsonl"))
	check(err)
	defer s.eventLog.Close()
	s.client = &http.Client{Timeout: 10 * time.Second}

	defer s.finish()
	if err := s.startHot(); err != nil {
		s.r.Stopped = "the hot session did not start: " + err.Error()
		log.Print(s.r.Stopped)
		return
	}
	defer s.hot.stop(20 * time.Second)

	// A first plain build, not measured, so that every measured one is warm.
	if err := s.plainBuild(); err != nil {
		log.Printf("plain build of the unmodified program: %v", err)
	}
	start := time.Now()
	s.restartRound(0)
	lastRound := 0
	for i := 1; i <= *nEdits; i++ {
		if *maxTime > 0 && time.Since(start) > *maxTime {
			s.stop.CompareAndSwap(nil, fmt.Sprintf("-max-time %v reached", *maxTime))
		}
		if why := s.stopping(); why != "" {
			s.r.Stopped = why
			break
		}
		g, err := s.edit(i)
		if err != nil {
			s.r.Stopped = fmt.Sprintf("edit %d: %v", i, err)
			log.Printf("stopping: %s", s.r.Stopped)
			break
		}
		s.r.Gens = append(s.r.Gens, g)
		if why := s.guards(g); why != "" {
			s.r.Stopped = why
			log.Printf("stopping after generation %d: %s", i, why)
			break
		}
		if n := len(s.r.Gens); n >= 3 && !s.r.Gens[n-1].Served && !s.r.Gens[n-2].Served && !s.r.Gens[n-3].Served {
			s.r.Stopped = fmt.Sprintf("generations %d–%d did not serve their edit", n-2, n)
			log.Printf("stopping: %s", s.r.Stopped)
			break
		}
		if *restartEvery > 0 && i%*restartEvery == 0 {
			s.restartRound(i)
			lastRound = i
		}
	}
	// The last round: after the last generation, even when a guard ended
	// the run (not when interrupted).
	if n := len(s.r.Gens); n > 0 && lastRound != n && !strings.HasPrefix(s.r.Stopped, "interrupted") {
		s.restartRound(n)
	}
}

// guards returns why to stop after generation g, or "".
func (s *soak) guards(g Gen) string {
	m := s.r.Meta
	switch {
	case m.MaxRSS > 0 && g.RSSKB*1024 > m.MaxRSS:
		return fmt.Sprintf("guard -max-rss hit: the program's RSS is %.0f MB > %.0f MB after %d patches", float64(g.RSSKB)/1024, float64(m.MaxRSS)/(1<<20), g.Gen)
	case m.MaxDisk > 0 && g.diskBytes() > m.MaxDisk:
		return fmt.Sprintf("guard -max-disk hit: the state dir and the plugin copies the program maps hold %.0f MB > %.0f MB after %d patches", float64(g.diskBytes())/(1<<20), float64(m.MaxDisk)/(1<<20), g.Gen)
	case s.minFree > 0 && g.FreeDisk >= 0 && g.FreeDisk < s.minFree:
		return fmt.Sprintf("guard -min-free hit: %.0f MB free < %.0f MB after %d patches", float64(g.FreeDisk)/(1<<20), float64(s.minFree)/(1<<20), g.Gen)
	}
	return ""
}

// startHot starts `hotreload run` on the hot copy and waits for the
// program to serve and for its patch kit.
func (s *soak) startHot() error {
	p := s.r.Program
	var err error
	s.port, err = freePort()
	if err != nil {
		return err
	}
	args := append([]string{"run", "--events=json", "--state-dir", s.state}, hrFlags...)
	args = append(append(args, p.Main, "--"), p.args(s.port)...)
	cmd := exec.Command(s.r.Meta.Hotreload, args...)
	cmd.Dir = s.hotSrc
	if *bazelMode {
		if cmd, err = s.bazelHotCommand(p.args(s.port)); err != nil {
			return err
		}
		args = cmd.Args[1:]
	}
	cmd.Env = append(os.Environ(), envs...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	progOut, err := os.Create(filepath.Join(s.work, "program.out"))
	if err != nil {
		return err
	}
	cmd.Stdout = progOut
	t0 := time.Now()
	s.hot, err = startGroup(cmd)
	if err != nil {
		return err
	}
	s.r.Start.LauncherPID = cmd.Process.Pid
	log.Printf("hotreload %s (pid %d); the first build of a program takes minutes", strings.Join(args, " "), cmd.Process.Pid)
	s.events = make(chan event, 1000)
	go s.readEvents(stderr, progOut)

	// Under Bazel the kit is ready before the program starts: its event
	// comes first.
	var kit event
	ready, err := s.await(*startWait, "ready", "kit")
	if err == nil && ready.Event == "kit" {
		kit = ready
		ready, err = s.await(*startWait, "ready")
	}
	if err != nil {
		return err
	}
	s.r.Start.PID = ready.PID
	path := p.readyPath()
	if path == "" {
		path = "/"
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if resp, err := s.client.Get("http://127.0.0.1:" + s.port + path); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the program does not answer on port %s", s.port)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.r.Start.ReadyS = time.Since(t0).Seconds()
	log.Printf("serving after %.1f s (pid %d, port %s); waiting for the patch kit", s.r.Start.ReadyS, ready.PID, s.port)
	if kit.Event == "" {
		if kit, err = s.await(*startWait, "kit"); err != nil {
			return err
		}
	}
	s.r.Start.KitS, s.r.Start.KitMS = kit.At.Sub(t0).Seconds(), kit.MS["build_ms"]
	log.Printf("kit after %.1f s", s.r.Start.KitS)
	// Warm up, then the memory and disk before the first patch.
	for range 5 {
		s.get(s.r.Edit.Path)
	}
	time.Sleep(*settle)
	m, err := readMemory(ready.PID)
	if err != nil {
		return err
	}
	s.r.Start.RSSKB, s.r.Start.RSSAnonKB, s.r.Start.RSSFileKB = m.RSS, m.Anon, m.File
	if lm, err := readMemory(s.r.Start.LauncherPID); err == nil {
		s.r.Start.LauncherRSSKB = lm.RSS
	}
	s.r.Start.StateDiskBytes = du(s.state)
	s.r.Start.HeldDeleted, _ = heldDeleted(ready.PID)
	s.knownSO = soFiles(s.state)
	log.Printf("before the first edit: RSS %.1f MB, state dir %.1f MB", float64(m.RSS)/1024, float64(s.r.Start.StateDiskBytes)/1e6)
	return nil
}

// readEvents sends the launcher's events to s.events and logs them; other
// stderr lines (the program's) go to progOut.
func (s *soak) readEvents(stderr io.Reader, progOut io.Writer) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := sc.Text()
		e, ok := parseEvent(line)
		if !ok {
			fmt.Fprintln(progOut, line)
			continue
		}
		e.At = time.Now()
		fmt.Fprintln(s.eventLog, e.Raw)
		if e.Event == "built" {
			s.r.Start.BuiltMS = e.MS["build_ms"]
			log.Printf("hot binary built in %.1f s", e.MS["build_ms"]/1000)
		}
		s.events <- e
	}
	close(s.events)
}

// await returns the next event of one of the kinds; an error, a refusal,
// an exit or silence ends the wait with an error.
func (s *soak) await(limit time.Duration, kinds ...string) (event, error) {
	deadline := time.After(limit)
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				return event{}, fmt.Errorf("hotreload run ended (program output: %s)", filepath.Join(s.work, "program.out"))
			}
			for _, k := range kinds {
				if e.Event == k {
					return e, nil
				}
			}
			switch e.Event {
			case "error", "refused", "exit", "unchanged", "restart":
				return e, fmt.Errorf("waiting for %s, got: %s", strings.Join(kinds, "/"), e.Raw)
			}
		case <-deadline:
			return event{}, fmt.Errorf("no %s event within %v", strings.Join(kinds, "/"), limit)
		}
	}
}

func (s *soak) get(path string) (string, error) {
	resp, err := s.client.Get("http://127.0.0.1:" + s.port + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func editValue(gen int) string { return fmt.Sprintf("soak-%d", gen) }

// edit makes edit i, waits for its applied event, asks once for the new
// value, and records the memory and disk.
func (s *soak) edit(i int) (Gen, error) {
	g := Gen{Gen: i, Value: editValue(i), Save: []string{"rename", "inplace"}[i%2], Load1: load1()}
	data, err := s.r.Edit.apply(s.orig, g.Value)
	if err != nil {
		return g, err
	}
	file := filepath.Join(s.hotSrc, s.r.Edit.File)
	t0 := time.Now()
	g.Time = t0.UTC().Format(time.RFC3339Nano)
	if err := save(file, data, g.Save == "rename"); err != nil {
		return g, err
	}
	deadline := time.After(*editWait)
wait:
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				return g, fmt.Errorf("hotreload run ended (program output: %s)", filepath.Join(s.work, "program.out"))
			}
			switch e.Event {
			case "change":
				if g.ChangeMS == 0 {
					g.ChangeMS = msSince(t0, e.At)
				}
			case "applied":
				g.SaveAppliedMS = msSince(t0, e.At)
				g.EventMS, g.Functions, g.NotLive = e.MS, e.Functions, e.NotLive
				if e.Gen != i {
					return g, fmt.Errorf("applied generation %d, want %d: %s", e.Gen, i, e.Raw)
				}
				break wait
			case "error", "refused", "exit", "unchanged", "restart":
				return g, fmt.Errorf("%s", e.Raw)
			}
		case <-deadline:
			return g, fmt.Errorf("no applied event within %v", *editWait)
		}
	}
	t1 := time.Now()
	body, err := s.get(s.r.Edit.Path)
	g.RequestMS = msSince(t1, time.Now())
	g.Served = err == nil && strings.Contains(body, g.Value)
	if !g.Served {
		if err != nil {
			body = err.Error()
		}
		g.Body = body[:min(len(body), 200)]
	}
	time.Sleep(*settle)
	m, err := readMemory(s.r.Start.PID)
	if err != nil {
		return g, fmt.Errorf("the program's memory: %v", err)
	}
	g.RSSKB, g.RSSAnonKB, g.RSSFileKB = m.RSS, m.Anon, m.File
	if lm, err := readMemory(s.r.Start.LauncherPID); err == nil {
		g.LauncherRSSKB = lm.RSS
	}
	for f, size := range soFiles(s.state) {
		if _, ok := s.knownSO[f]; !ok {
			s.knownSO[f] = size
			g.SOBytes += size
			g.SOFiles++
		}
	}
	g.StateDisk, g.PatchesDisk, g.FreeDisk = du(s.state), du(filepath.Join(s.state, "patches")), freeDisk(s.state)
	g.HeldDeleted, g.HeldFiles = heldDeleted(s.r.Start.PID)
	served := "served"
	if !g.Served {
		served = "NOT SERVED: " + g.Body
	}
	log.Printf("gen %3d: save→applied %5.0f ms (build %5.0f, load %5.1f, apply %.2f) RSS %6.1f MB, .so %5.1f MB, state %7.1f MB + held %6.1f MB, %s",
		i, g.SaveAppliedMS, g.ev("build_ms"), g.ev("load_ms"), g.ev("apply_ms"), float64(g.RSSKB)/1024, float64(g.SOBytes)/1e6, float64(g.StateDisk)/1e6, float64(g.HeldDeleted)/1e6, served)
	return g, nil
}

func msSince(t0, t time.Time) float64 { return float64(t.Sub(t0).Microseconds()) / 1000 }

// plainBuild builds the plain copy with the go command (-bazel: with
// Bazel), and sets s.plainBin.
func (s *soak) plainBuild() error {
	if *bazelMode {
		var err error
		s.plainBin, err = s.bazelPlainBuild()
		return err
	}
	s.plainBin = filepath.Join(s.work, "plain.bin")
	cmd := exec.Command("go", "build", "-o", s.plainBin, s.r.Program.Main)
	cmd.Dir = s.plainSrc
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v: %s", err, out)
	}
	return nil
}

// restartRound measures the baseline -restart-reps times: edit the plain
// copy, go build, start, poll until the new value is served, stop.
func (s *soak) restartRound(afterGen int) {
	for rep := 1; rep <= *restartReps; rep++ {
		x := s.restart(afterGen, rep)
		s.r.Restarts = append(s.r.Restarts, x)
		if x.OK {
			log.Printf("rebuild + restart (after gen %d, #%d): %5.0f ms (build %5.0f, start → serving %4.0f)", afterGen, rep, x.TotalMS, x.BuildMS, x.StartMS)
		} else {
			log.Printf("rebuild + restart (after gen %d, #%d) failed: %s", afterGen, rep, x.Error)
		}
	}
}

func (s *soak) restart(afterGen, rep int) Restart {
	x := Restart{AfterGen: afterGen, Rep: rep}
	value := fmt.Sprintf("restart-%d-%d", afterGen, rep)
	data, err := s.r.Edit.apply(s.orig, value)
	if err == nil {
		err = save(filepath.Join(s.plainSrc, s.r.Edit.File), data, false)
	}
	if err != nil {
		x.Error = err.Error()
		return x
	}
	t0 := time.Now()
	if err := s.plainBuild(); err != nil {
		x.Error = err.Error()
		return x
	}
	t1 := time.Now()
	port, err := freePort()
	if err != nil {
		x.Error = err.Error()
		return x
	}
	cmd := exec.Command(s.plainBin, s.r.Program.args(port)...)
	cmd.Dir = s.plainSrc
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	g, err := startGroup(cmd)
	if err != nil {
		x.Error = err.Error()
		return x
	}
	defer g.stop(5 * time.Second)
	c := &http.Client{Timeout: 2 * time.Second}
	for deadline := t1.Add(time.Minute); time.Now().Before(deadline); {
		resp, err := c.Get("http://127.0.0.1:" + port + s.r.Edit.Path)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), value) {
				t2 := time.Now()
				x.BuildMS, x.StartMS, x.TotalMS, x.OK = msSince(t0, t1), msSince(t1, t2), msSince(t0, t2), true
				return x
			}
		}
		select {
		case <-g.done:
			x.Error = "the program exited: " + out.String()
			return x
		case <-time.After(5 * time.Millisecond):
		}
	}
	x.Error = "the new value was not served within a minute"
	return x
}

// finish writes the results and the charts, whatever happened.
func (s *soak) finish() {
	s.r.Meta.Finished, s.r.Meta.LoadEnd = time.Now().UTC().Format(time.RFC3339), loadavg()
	if s.r.Stopped != "" {
		fmt.Printf("soak: stopped early after %d of %d edits: %s\n", len(s.r.Gens), *nEdits, s.r.Stopped)
	}
	s.r.summarize()
	if err := write(s.r, s.out); err != nil {
		log.Printf("writing the results: %v", err)
	}
	fmt.Println(s.r.summaryMarkdown())
	log.Printf("results in %s", s.out)
}

// write writes soak.json, soak.csv, restarts.csv, summary.md and the
// charts into dir.
func write(r *Result, dir string) error {
	if err := writeJSON(filepath.Join(dir, "soak.json"), r); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := writeCSV(&b, r.Gens); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "soak.csv"), b.Bytes(), 0o644); err != nil {
		return err
	}
	b.Reset()
	if err := writeRestartsCSV(&b, r.Restarts); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "restarts.csv"), b.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.md"), []byte(r.summaryMarkdown()), 0o644); err != nil {
		return err
	}
	_, err := writePlots(r, dir)
	return err
}

// replot redraws the charts and the summary of a soak.json, next to it.
func replot(file string) {
	b, err := os.ReadFile(file)
	check(err)
	r := &Result{}
	check(json.Unmarshal(b, r))
	r.summarize()
	check(write(r, filepath.Dir(file)))
	fmt.Println(r.summaryMarkdown())
}
