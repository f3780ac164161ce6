// Package launcher is `hotreload run`: it builds a program hot (every
// package instrumented, the reload agent injected), runs it, records the
// patch kit in the background, watches the main module's sources, and on
// every save builds a patch against the kit and has the running process
// apply it — reporting each step as an event.
package launcher

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/bazelkit"
	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/gocmd"
	"github.com/gohot/rules_go_hot/hotreload/internal/inject"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/patcher"
	"github.com/gohot/rules_go_hot/hotreload/internal/procgroup"
	"github.com/gohot/rules_go_hot/hotreload/internal/watch"
	hotruntime "github.com/gohot/rules_go_hot/runtime"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// Options configure a run.
type Options struct {
	Package       string   // the main package, as for go build
	Args          []string // the program's arguments
	BuildFlags    []string // extra go build flags (-tags ...)
	RestartOnRude bool     // rebuild and restart instead of refusing
	Self          string   // the hotreload executable (-toolexec)
	SelfID        string   // its cache marker
	Events        *events.Printer
	Progress      io.Writer // build progress lines (nil: none)
	Stdin         io.Reader
	Stdout        io.Writer
	Stderr        io.Writer
	// StateDir holds the binary, the kit and the patches; default: the
	// user cache dir.
	StateDir string
	// Bazel, if set, runs a binary go_hot_binary built (`bazel run`):
	// nothing is built, the kit is the one Bazel compiled.
	Bazel *bazelkit.Options
}

// run is one launcher session.
type run struct {
	opts     Options
	env      []string
	dir      string // the main package's directory
	state    string
	kit      *kit.Kit
	kitReady chan struct{}
	kitErr   error
	builder  *patcher.Builder
	bin      string // the hot binary
	// lastChange is when the last change was handled.
	lastChange time.Time
	proc       *exec.Cmd
	exited     chan int      // the program's exit code, once
	procDone   chan struct{} // closed when the program has exited
	socket     string

	// ctx is done when the launcher ends: every go command it runs is
	// killed then, with all it started (nothing outlives the launcher).
	ctx    context.Context
	cancel context.CancelFunc
	sigs   chan os.Signal
	// The background kit recording: stopKit cancels it and waits.
	kitCancel context.CancelFunc
	bg        sync.WaitGroup
}

// Run runs the program until it exits and returns its exit code. Whatever
// the way out (the program's exit, a signal, an error), nothing the
// launcher started outlives it: the program is stopped, and every go
// command still running (the background kit build) is killed with all its
// processes.
func Run(opts Options) int {
	r := &run{opts: opts, env: append(os.Environ(), "CGO_ENABLED=1")}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.sigs = make(chan os.Signal, 1)
	signal.Notify(r.sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(r.sigs)
	defer r.shutdown() // first: a signal meanwhile does not cut it short
	if code, ok := r.begin(); !ok {
		return code
	}
	// Under `ibazel run` (a go_hot_binary is tagged ibazel_notify_changes)
	// ibazel watches the sources and rebuilds; its verdicts arrive on
	// stdin. Otherwise the launcher watches the sources itself.
	var changes <-chan []string
	var watchErrs <-chan error
	var verdicts <-chan string
	if r.ibazel() {
		verdicts = r.readVerdicts()
	} else {
		w, err := watch.NewFunc(r.watchDirs(), 100*time.Millisecond, r.relevant())
		if err != nil {
			r.emit(events.Event{Event: events.Error, Kind: "watch", Message: err.Error()})
			r.stop()
			return 1
		}
		defer w.Close()
		changes, watchErrs = w.C, w.Err
	}

	sigs := r.sigs
	for {
		select {
		case files := <-changes:
			if code, exited := r.change(files); exited {
				return code
			}
		case v, ok := <-verdicts:
			if !ok {
				verdicts = nil // ibazel went away; the program runs on
				continue
			}
			if code, exited := r.verdict(v); exited {
				return code
			}
		case err := <-watchErrs:
			r.emit(events.Event{Event: events.Error, Kind: "watch", Message: err.Error()})
		case code := <-r.exited:
			c := code
			r.emit(events.Event{Event: events.Exit, Package: r.kit.MainPackage, Code: &c})
			return code
		case s := <-sigs:
			code := r.interrupt(s, sigs)
			r.emit(events.Event{Event: events.Exit, Package: r.kit.MainPackage, Code: &code})
			return code
		}
	}
}

func (r *run) emit(e events.Event) { r.opts.Events.Emit(e) }

// begin builds the base and starts the program. A signal meanwhile stops
// the build (killing the go command and its compiles) and ends the run:
// ok is false, with the exit code.
func (r *run) begin() (code int, ok bool) {
	errc := make(chan error, 1)
	go func() { errc <- r.start() }()
	select {
	case err := <-errc:
		if err != nil {
			r.emit(events.Event{Event: events.Error, Kind: "build", Message: err.Error()})
			return 1, false
		}
		return 0, true
	case s := <-r.sigs:
		r.cancel()
		<-errc
		r.stop()
		r.emit(events.Event{Event: events.Error, Kind: "interrupted", Message: fmt.Sprintf("%v before the program started: the build was stopped", s)})
		return 128 + signum(s), false
	}
}

func signum(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return int(n)
	}
	return 1
}

// shutdown ends what the launcher started: the go commands still running
// (the background kit build), then the program, if it still runs.
func (r *run) shutdown() {
	r.cancel()
	r.stopKit()
	r.stop()
}

// stopKit stops the background kit recording, if one runs, and waits for
// it: its go command and every compile it started are killed.
func (r *run) stopKit() {
	if r.kitCancel != nil {
		r.kitCancel()
	}
	r.bg.Wait()
}

// ibazel reports whether ibazel runs the launcher with its change
// notifications on stdin (ibazel_notify_changes).
func (r *run) ibazel() bool {
	return r.opts.Bazel != nil && os.Getenv("IBAZEL_NOTIFY_CHANGES") == "y"
}

// readVerdicts passes on ibazel's lines: IBAZEL_BUILD_STARTED,
// IBAZEL_BUILD_COMPLETED SUCCESS|FAILURE.
func (r *run) readVerdicts() <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r.opts.Stdin)
		for sc.Scan() {
			ch <- strings.TrimSpace(sc.Text())
		}
	}()
	return ch
}

// verdict acts on one line from ibazel: a successful rebuild is patched
// in (from the workspace's sources, through the kit, as on a save); a
// failed one is reported, and nothing changes.
func (r *run) verdict(v string) (int, bool) {
	switch v {
	case "IBAZEL_BUILD_STARTED":
		return 0, false
	case "IBAZEL_BUILD_COMPLETED FAILURE":
		r.emit(events.Event{Event: events.Error, Kind: "build", Message: "bazel build failed (ibazel shows why): the program keeps running its last good code"})
		return 0, false
	case "IBAZEL_BUILD_COMPLETED SUCCESS":
		return r.change(r.modifiedSince())
	}
	return 0, false
}

// modifiedSince lists the watched sources modified since the last patch
// (ibazel does not say which files it saw change).
func (r *run) modifiedSince() []string {
	var files []string
	for _, dir := range r.watchDirs() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".go") && fi.ModTime().After(r.lastChange) {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	return files
}

// interrupt forwards a signal to the program and waits for it to exit. A
// program may ignore the signal (one started in the background by a
// non-interactive shell inherits SIGINT ignored): a second signal, or five
// seconds, and it is killed.
func (r *run) interrupt(s os.Signal, more <-chan os.Signal) int {
	r.cancel() // the kit build, if it still runs
	if r.proc == nil || r.proc.Process == nil {
		return 1
	}
	r.proc.Process.Signal(s)
	select {
	case code := <-r.exited:
		return code
	case <-more:
	case <-time.After(5 * time.Second):
	}
	r.proc.Process.Kill()
	return <-r.exited
}

// start builds the base and starts the program.
func (r *run) start() error {
	load := r.buildBase
	if r.opts.Bazel != nil {
		load = r.loadBazel
	}
	if err := load(); err != nil {
		return err
	}
	r.lastChange = time.Now()
	return r.launch()
}

// loadBazel takes the binary and the patch kit a go_hot_binary target
// built: patches are built against that kit directly, with no Bazel
// round trip.
func (r *run) loadBazel() error {
	if r.opts.RestartOnRude {
		return fmt.Errorf("--restart-on-rude is not available under bazel run: rebuild with bazel (or use ibazel) after an edit that needs a restart")
	}
	start := time.Now()
	opts := *r.opts.Bazel
	if r.state == "" {
		r.state = r.opts.StateDir
		if r.state == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				base = os.TempDir()
			}
			sum := sha256.Sum256([]byte(opts.Workspace + "\n" + opts.Kit))
			r.state = filepath.Join(base, "rules_go_hot", "bazel-run", hex.EncodeToString(sum[:6]))
		}
	}
	os.RemoveAll(filepath.Join(r.state, "patches"))
	if err := os.MkdirAll(filepath.Join(r.state, "patches"), 0o755); err != nil {
		return err
	}
	opts.Dir = filepath.Join(r.state, "kit")
	k, d, err := bazelkit.Load(opts)
	if err != nil {
		return err
	}
	r.kit = k
	r.bin = filepath.Join(opts.Runfiles, filepath.FromSlash(d.Binary))
	r.emit(events.Event{Event: events.Built, Package: k.MainPackage, Binary: r.bin})
	r.builder = patcher.NewBuilder(k, filepath.Join(r.state, "patches"))
	r.kitReady = make(chan struct{})
	close(r.kitReady)
	r.emit(events.Event{Event: events.Kit, BuildMS: ms(time.Since(start))})
	return nil
}

type listed struct {
	Dir, ImportPath, Name string
	Module                *struct{ Path, Dir string }
}

// buildBase snapshots the sources, builds the hot binary with the agent
// injected, and starts recording the kit in the background.
func (r *run) buildBase() error {
	if err := r.checkToolchain(); err != nil {
		return err
	}
	var pkg listed
	out, err := r.goCmd("list", "-json=Dir,ImportPath,Name,Module", r.opts.Package)
	if err != nil {
		return r.cannot(err)
	}
	if err := jsonUnmarshal(out, &pkg); err != nil {
		return err
	}
	if pkg.Module == nil {
		return r.cannot(fmt.Errorf("it is not in a module, and hotreload needs module mode: add a go.mod (go mod init)"))
	}
	if pkg.Name != "main" {
		return r.cannot(fmt.Errorf("%s is package %s, not a main package: name the program's main package", pkg.ImportPath, pkg.Name))
	}
	r.dir = pkg.Dir
	if r.state == "" {
		r.state = r.opts.StateDir
		if r.state == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				base = os.TempDir()
			}
			sum := sha256.Sum256([]byte(pkg.Module.Dir + "\n" + pkg.ImportPath))
			r.state = filepath.Join(base, "rules_go_hot", "run", hex.EncodeToString(sum[:6]))
		}
	}
	for _, d := range []string{"kit", "overlay", "patches"} {
		os.RemoveAll(filepath.Join(r.state, d))
	}
	if err := os.MkdirAll(filepath.Join(r.state, "patches"), 0o755); err != nil {
		return err
	}

	kopts := kit.Options{Dir: r.dir, Env: r.env, Wrapper: r.opts.Self, WrapperID: r.opts.SelfID, Flags: r.opts.BuildFlags, Ctx: r.ctx}
	// An edit during the build makes the binary and the snapshot disagree:
	// build again (a few times), and report the whole time.
	start := time.Now()
	r.emit(events.Event{Event: events.Building, Package: pkg.ImportPath})
	const attempts = 4
	for attempt := 1; ; attempt++ {
		k, err := kit.Snapshot(filepath.Join(r.state, "kit"), pkg.ImportPath, kopts)
		if err != nil {
			return r.cannot(err)
		}
		flags := append([]string(nil), r.opts.BuildFlags...)
		if _, has := k.Packages[hotruntime.AgentImportPath]; !has {
			ov, err := inject.Overlay(filepath.Join(r.state, "overlay"), k.ModuleDir, k.ModulePath, r.dir, k.BaseTable())
			if err != nil {
				return err
			}
			flags = append(flags, "-overlay="+ov)
		}
		bin := filepath.Join(r.state, "bin", filepath.Base(pkg.ImportPath))
		cmd := gocmd.CommandContext(r.ctx, r.opts.Self, "build", append(append(flags, "-o", bin), pkg.ImportPath), true)
		cmd.Dir = r.dir
		cmd.Stdin = strings.NewReader("") // its own process group: no terminal input
		cmd.Stdout, cmd.Stderr = r.opts.Stderr, r.opts.Stderr
		progress := r.opts.Progress
		if progress == nil {
			progress = io.Discard
		}
		if code := gocmd.Run(cmd, progress, false); code != 0 {
			if r.ctx.Err() != nil {
				return fmt.Errorf("building %s: stopped", pkg.ImportPath)
			}
			return fmt.Errorf("building %s failed (see the errors above)", pkg.ImportPath)
		}
		changed, err := k.Verify()
		if err != nil {
			return err
		}
		if len(changed) > 0 {
			if attempt < attempts {
				continue // edited during the build: build again
			}
			return fmt.Errorf("the sources of %s kept changing while %s was built (%d builds): stop the edits (or the generator) and run again", strings.Join(changed, ", "), pkg.ImportPath, attempts)
		}
		if k.BuildID, err = protocol.ReadIdentity(bin); err != nil {
			return err
		}
		if err := k.Save(); err != nil {
			return err
		}
		built := events.Event{Event: events.Built, Package: pkg.ImportPath, Binary: bin, BuildMS: ms(time.Since(start))}
		if attempt > 1 {
			built.Notes = []string{fmt.Sprintf("built %d times: sources changed during the build", attempt)}
		}
		r.emit(built)
		r.kit = k
		r.bin = bin
		r.builder = patcher.NewBuilder(k, filepath.Join(r.state, "patches"))
		r.kitReady = make(chan struct{})
		kctx, kcancel := context.WithCancel(r.ctx)
		r.kitCancel = kcancel
		kopts.Ctx = kctx
		r.bg.Add(1)
		go r.recordKit(kopts, flags, r.kitReady)
		return nil
	}
}

// recordKit compiles (or finds) the -dynlink archives patches link with.
// Done eagerly, right after start-up, so that the first edit is as fast as
// the tenth: a cold -dynlink standard library takes a minute.
func (r *run) recordKit(kopts kit.Options, flags []string, ready chan struct{}) {
	defer r.bg.Done()
	defer close(ready)
	start := time.Now()
	kopts.Flags = flags
	err := r.kit.RecordArchives(kopts, "runtime/cgo")
	if err == nil {
		err = r.kit.Save()
	}
	if kopts.Ctx.Err() != nil {
		// Stopped: the launcher is ending, or restarting the program.
		r.kitErr = fmt.Errorf("the patch kit was not recorded (stopped)")
		return
	}
	r.kitErr = err
	if err != nil {
		r.emit(events.Event{Event: events.Error, Kind: "kit", Message: err.Error()})
	} else {
		r.emit(events.Event{Event: events.Kit, BuildMS: ms(time.Since(start))})
	}
}

// launch starts the hot binary and waits for its agent's socket.
func (r *run) launch() error {
	cmd := exec.Command(r.bin, r.opts.Args...)
	// The agent listens on its default socket, where `hotreload status`,
	// `apply` and `revert` find it by pid.
	cmd.Env = os.Environ()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.opts.Stdin, r.opts.Stdout, r.opts.Stderr
	if r.ibazel() {
		cmd.Stdin = nil // ibazel's notifications are the launcher's
	}
	dieWithLauncher(cmd)
	// Start and wait on one locked OS thread: the parent-death signal
	// follows the thread that started the program, so that thread lives
	// exactly as long as the program.
	started := make(chan error, 1)
	exited := make(chan int, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
			// Killed by a signal: the shell's 128+n, not -1.
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
		}
		exited <- code
		close(done)
	}()
	if err := <-started; err != nil {
		return err
	}
	r.proc = cmd
	r.socket = protocol.DefaultSocket(cmd.Process.Pid)
	r.exited = exited
	r.procDone = done
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := protocol.Dial(r.socket); err == nil {
			c.Close()
			break
		}
		select {
		case code := <-exited:
			exited <- code
			return fmt.Errorf("%s exited (code %d) before its reload agent started", r.kit.MainPackage, code)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the reload agent of %s did not open %s within 10 s", r.kit.MainPackage, r.socket)
		}
	}
	r.emit(events.Event{Event: events.Ready, Package: r.kit.MainPackage, PID: cmd.Process.Pid, Socket: r.socket})
	return nil
}

// stop ends the program, if it still runs.
func (r *run) stop() {
	if r.proc == nil || r.proc.Process == nil || r.procDone == nil {
		return
	}
	select {
	case <-r.procDone:
		return
	default:
	}
	r.proc.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.procDone:
	case <-time.After(5 * time.Second):
		r.proc.Process.Kill()
		<-r.procDone
	}
}

func (r *run) watchDirs() []string {
	var dirs []string
	seen := map[string]bool{}
	for _, p := range r.kit.Packages {
		if p.Main && !seen[p.Dir] {
			seen[p.Dir] = true
			dirs = append(dirs, p.Dir)
		}
	}
	for _, d := range r.kit.EmbedDirs() {
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// relevant says which files the watcher reports: Go sources, and the
// files the main module's packages embed (a change to one cannot be
// patched in, and is said so).
func (r *run) relevant() func(name string) bool {
	embedded := map[string]bool{}
	for _, p := range r.kit.Packages {
		if p.Main {
			for name := range p.Embeds {
				embedded[filepath.Join(p.Dir, filepath.FromSlash(name))] = true
			}
		}
	}
	return func(name string) bool { return watch.Relevant(name) || embedded[filepath.Clean(name)] }
}

// embedRefusals reports the embedded files that differ from the base's:
// their contents are compiled into the program, and no patch can change
// them. It returns true if there are any.
func (r *run) embedRefusals() bool {
	changes, err := r.kit.EmbedChanges()
	if err != nil {
		r.emit(events.Event{Event: events.Error, Kind: "build", Message: err.Error()})
		return true
	}
	for _, c := range changes {
		r.emit(events.Event{Event: events.Refused, File: r.rel(c.File), Decl: "//go:embed in " + c.Package,
			Reason: "an embedded file changed: its contents are compiled into the program, a patch cannot replace them; restart to apply (hotreload run --restart-on-rude restarts by itself)"})
	}
	return len(changes) > 0
}

// change builds and applies a patch for a batch of changed files. It
// returns exited=true (with the code) if the program ended meanwhile.
func (r *run) change(files []string) (int, bool) {
	start := time.Now()
	r.lastChange = start
	rel := make([]string, len(files))
	for i, f := range files {
		rel[i] = r.rel(f)
	}
	r.emit(events.Event{Event: events.Change, Files: rel})
	select {
	case <-r.kitReady:
	default:
		if r.opts.Progress != nil {
			fmt.Fprintln(r.opts.Progress, "hotreload: waiting for the patch kit (the first -dynlink build of the standard library takes a minute)...")
		}
		// The wait can be long: a signal, or the program's exit, still
		// ends the run meanwhile.
		select {
		case <-r.kitReady:
		case s := <-r.sigs:
			code := r.interrupt(s, r.sigs)
			r.emit(events.Event{Event: events.Exit, Package: r.kit.MainPackage, Code: &code})
			return code, true
		case code := <-r.exited:
			r.emit(events.Event{Event: events.Exit, Package: r.kit.MainPackage, Code: &code})
			return code, true
		}
	}
	if r.kitErr != nil {
		r.emit(events.Event{Event: events.Error, Kind: "kit", Message: r.kitErr.Error()})
		return 0, false
	}
	if r.embedRefusals() {
		if r.opts.RestartOnRude {
			return r.restart("an embedded file changed (--restart-on-rude)")
		}
		return 0, false
	}
	res, err := r.builder.Build()
	if err != nil {
		var ce *patcher.CompileError
		if errors.As(err, &ce) {
			var locs []events.Location
			for _, p := range ce.Errors {
				locs = append(locs, events.Location{File: p.File, Line: p.Line, Column: p.Column, Message: p.Message})
			}
			r.emit(events.Event{Event: events.Error, Kind: "compile", Errors: locs, Message: ce.Error()})
		} else {
			r.emit(events.Event{Event: events.Error, Kind: "build", Message: err.Error()})
		}
		return 0, false
	}
	if len(res.Refusals) > 0 {
		for _, ref := range res.Refusals {
			r.emit(events.Event{Event: events.Refused, File: ref.File, Line: ref.Line, Decl: ref.Decl, Reason: ref.Reason})
		}
		if r.opts.RestartOnRude {
			return r.restart("an edit needs a restart (--restart-on-rude)")
		}
		return 0, false
	}
	if res.Unchanged {
		r.emit(events.Event{Event: events.Unchanged, Files: rel})
		return 0, false
	}
	build := res.Generate + res.Compile + res.Link
	c, err := protocol.Dial(r.socket)
	if err != nil {
		r.emit(events.Event{Event: events.Error, Kind: "load", Message: "cannot reach the program's reload agent: " + err.Error()})
		return 0, false
	}
	defer c.Close()
	resp, err := c.Apply(res.Plugin)
	if err == nil {
		err = resp.Err()
	}
	if err != nil {
		kind := "load"
		if resp != nil && resp.Code != "" {
			kind = resp.Code
		}
		r.emit(events.Event{Event: events.Error, Kind: kind, Message: err.Error()})
		return 0, false
	}
	r.builder.MarkApplied(res)
	r.emit(events.Event{
		Event: events.Applied, Gen: resp.Gen, Functions: res.Functions,
		// The patcher's notes (what will not be seen by itself, new
		// variables, resets) and the agent's (goroutines inside old code,
		// all of them not live).
		Notes:   append(append([]string(nil), res.Notes...), resp.Notes...),
		NotLive: append(append([]string(nil), res.NotLive...), resp.Notes...),
		BuildMS: ms(build), LoadMS: resp.VerifyMS + resp.LoadMS, ApplyMS: resp.ApplyMS, TotalMS: ms(time.Since(start)),
	})
	return 0, false
}

// restart rebuilds the base from the current sources and restarts the
// program: its in-memory state is lost.
func (r *run) restart(reason string) (int, bool) {
	r.emit(events.Event{Event: events.Restart, Reason: reason})
	r.stop()
	r.stopKit() // the old base's kit, if still recording
	if code, ok := r.begin(); !ok {
		return code, true
	}
	return 0, false
}

func (r *run) rel(f string) string {
	if r.kit != nil {
		if rel, err := filepath.Rel(r.kit.ModuleDir, f); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return f
}

func (r *run) goCmd(args ...string) ([]byte, error) {
	cmd := procgroup.Command(r.ctx, "go", args...)
	cmd.Env = r.env
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("go %s: %s", strings.Join(args, " "), strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, err
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
