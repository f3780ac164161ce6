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
//
// Files by job: targets.go (the programs and their edit), hot.go (the hot
// session), probe.go (HTTP probes of the program), restart.go
// (rebuild+restart), breakdown.go (the last patch's compile and link by
// hand), results.go (the raw numbers), machine.go (/proc, the run's
// metadata), procs.go (process groups), report.go (the tables).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

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
	log.Printf("=== %s (%s)", t.Name, t.Comment)
	if t.edits > 0 {
		phase(tr, "hot", true, func() { hotSession(t, tr) })
	}
	if t.restarts > 0 {
		phase(tr, "restart", true, func() { tr.Restart, tr.PlainBinary = restartSeries(t, false, t.restarts) })
	}
	if t.hotRestarts > 0 {
		phase(tr, "hot-restart", true, func() { tr.HotRestart, tr.HotBinary = restartSeries(t, true, t.hotRestarts) })
	}
}

// phase runs one phase of a target's measurement: a failure (a panic) is
// logged and recorded in tr.Errors, and with killProcs every process
// started is killed, so that the next phase starts clean.
func phase(tr *TargetResult, name string, killProcs bool, f func()) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprintf("%s/%s: %v", tr.Target.Name, name, r)
			log.Printf("ERROR %s", msg)
			tr.Errors = append(tr.Errors, msg)
			if killProcs {
				killAll()
			}
		}
	}()
	f()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func check(err error) {
	if err != nil {
		panic(err)
	}
}
