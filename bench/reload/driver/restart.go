package main

import (
	"bytes"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// restarter rebuilds and restarts a target the way restart-based tools do.
type restarter struct {
	t    *target
	hot  bool   // build with `hotreload build`, not `go build`
	mode string // "go build" or "hotreload build"
	bin  string
	logf *os.File
	cur  *proc // the running build; nil between a stop and the next start
}

// proc is a running build of the target.
type proc struct {
	p     *group
	addr  string
	exitc chan error
}

// restartSeries measures rounds of edit → rebuild → restart → served, after
// a warm-up build; it returns the series and the size of the binary.
func restartSeries(t *target, hot bool, rounds int) (*RestartResult, int64) {
	restore := snapshotFile(t)
	defer restore()
	rs := &restarter{t: t, hot: hot, mode: "go build"}
	tag := "restart"
	if hot {
		rs.mode, tag = "hotreload build", "hotrestart"
	}
	logPath := filepath.Join(*workDir, tag+"-"+t.Name+".log")
	logf, err := os.Create(logPath)
	check(err)
	defer logf.Close()
	rs.logf = logf
	rs.bin = filepath.Join(*workDir, tag+"-"+t.Name, "app")
	check(os.MkdirAll(filepath.Dir(rs.bin), 0o755))

	r := &RestartResult{Mode: rs.mode, Log: logPath}
	log.Printf("%s: rebuild+restart with %s: warm-up build", t.Name, rs.mode)
	writeEdit(t, 2000)
	wb := rs.build()
	log.Printf("%s: warm-up %s took %.1f s", t.Name, rs.mode, wb.Seconds())
	rs.cur, _ = rs.launch()
	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < 3; i++ {
		get(client, rs.cur.addr, t.Path)
	}
	defer func() {
		if rs.cur != nil {
			stopProc(rs.cur)
		}
	}()
	for i := 1; i <= rounds; i++ {
		r.Rounds = append(r.Rounds, rs.round(i, client))
	}
	fi, _ := os.Stat(rs.bin)
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	return r, size
}

// round is round i: a few requests to the running process (some state to
// lose), the edit, the build, the stop of the process and the start of the
// new build, until it serves the new value.
func (rs *restarter) round(i int, client *http.Client) RestartRound {
	t := rs.t
	rev := 2000 + i
	rd := RestartRound{N: i, Rev: rev, Load1: load1()}
	for k := 0; k < 3; k++ {
		get(client, rs.cur.addr, t.Path)
	}
	t0 := time.Now()
	writeEdit(t, rev)
	rd.BuildMS = ms(rs.build())
	rd.StopMS = ms(stopProc(rs.cur))
	rs.cur = nil
	var listen time.Duration
	rs.cur, listen = rs.launch()
	rd.ListenMS = ms(listen)
	ls := time.Now()
	stopPoll := make(chan struct{})
	pr := poll(client, rs.cur.addr, t, rev, t0, stopPoll)
	if pr.err != nil {
		panic(fmt.Sprintf("round %d: %v", i, pr.err))
	}
	rd.AnswerMS = ms(pr.at.Sub(ls))
	rd.ServedMS = ms(pr.at.Sub(t0))
	rd.HitsAfter = pr.hits
	log.Printf("%s: %s round %2d: served %6.0f ms (build %6.0f, stop %4.0f, start→listening %4.0f, →answer %4.0f), hits %d, load %.2f",
		t.Name, rs.mode, i, rd.ServedMS, rd.BuildMS, rd.StopMS, rd.ListenMS, rd.AnswerMS, rd.HitsAfter, rd.Load1)
	return rd
}

// build builds the target into rs.bin and returns how long it took.
func (rs *restarter) build() time.Duration {
	var cmd *exec.Cmd
	if rs.hot {
		cmd = exec.Command(*hotreload, "build", "-o", rs.bin, rs.t.Pkg)
	} else {
		cmd = exec.Command("go", "build", "-o", rs.bin, rs.t.Pkg)
	}
	cmd.Dir = rs.t.Dir
	s := time.Now()
	out, err := runGroup(cmd, *startWait, rs.mode)
	rs.logLine(rs.mode + ": " + out)
	if err != nil {
		panic(fmt.Sprintf("%s failed: %v\n%s", rs.mode, err, out))
	}
	return time.Since(s)
}

func (rs *restarter) logLine(l string) {
	fmt.Fprintf(rs.logf, "%s %s\n", time.Now().Format("15:04:05.000"), l)
}

// launch starts rs.bin (its reload agent off) and waits for its listening
// line; it returns the process and how long that took.
func (rs *restarter) launch() (*proc, time.Duration) {
	cmd := exec.Command(rs.bin, "-addr", "127.0.0.1:0")
	cmd.Dir = rs.t.Dir
	cmd.Env = append(os.Environ(), "GOHOT_AGENT=off")
	stdout, err := cmd.StdoutPipe()
	check(err)
	cmd.Stderr = rs.logf
	s := time.Now()
	pr := &proc{p: startGroup(cmd), exitc: make(chan error, 1)}
	addrs := make(chan string, 1)
	go scanListening(stdout, addrs, rs.logLine)
	go func() { pr.exitc <- cmd.Wait() }()
	select {
	case pr.addr = <-addrs:
	case err := <-pr.exitc:
		panic(fmt.Sprintf("%s exited before listening: %v", rs.bin, err))
	case <-time.After(60 * time.Second):
		panic("no listening line within 60 s")
	}
	return pr, time.Since(s)
}

// stopProc stops a process (SIGTERM, then SIGKILL after 10 s) and returns
// how long it took.
func stopProc(pr *proc) time.Duration {
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

// runGroup runs a command in its own process group, its output collected,
// and kills it after timeout (a panic naming it as what).
func runGroup(cmd *exec.Cmd, timeout time.Duration, what string) (string, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	p := startGroup(cmd)
	errc := make(chan error, 1)
	go func() { errc <- cmd.Wait() }()
	select {
	case err := <-errc:
		p.done()
		return out.String(), err
	case <-time.After(timeout):
		p.kill()
		panic(what + " timed out")
	}
}
