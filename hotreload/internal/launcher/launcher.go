// Package launcher is `hotreload run`: it builds a program hot (every
// package instrumented, the reload agent injected), runs it, records the
// patch kit in the background, watches the main module's sources, and on
// every save builds a patch against the kit and has the running process
// apply it — reporting each step as an event.
//
// The files are by job: this one the session and its event loop;
// gobuild.go the go-command base build and kit recording, bazel.go the
// base a go_hot_binary built (`bazel run`), ibazel.go ibazel's change
// notifications, sources.go what is watched (watchdirs.go: a watched
// directory removed and restored), change.go a change turned
// into a patch, restart.go --restart-on-rude, process.go the program's
// process, statedir.go where it all is kept.
package launcher

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/bazelkit"
	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/patcher"
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
	// Link is how patches are linked: LinkShared or LinkPlugin (also
	// for ""; hotreload run's default is LinkShared).
	Link string
	// Bazel, if set, runs a binary go_hot_binary built (`bazel run`):
	// nothing is built, the kit is the one Bazel compiled.
	Bazel *bazelkit.Options
}

// run is one launcher session.
type run struct {
	opts  Options
	env   []string
	dir   string // the main package's directory
	state string // see prepareState
	kit   *kit.Kit
	// shared is set in a LinkShared session (sharedNote says why not,
	// when one was asked for and cannot be had).
	shared     *sharedLink
	sharedNote string
	// sources is the launcher's watch of the sources (nil under ibazel).
	sources *sourceWatch
	// libDir is where the program's shared standard library is, when
	// its executable does not say (a go_hot_binary's: LD_LIBRARY_PATH).
	libDir   string
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
	// gen is the generation the program runs as far as the launcher
	// knows: the one its last apply made (0, the base, after a start).
	gen int

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
	var sw *sourceWatch
	if r.ibazel() {
		verdicts = r.readVerdicts()
	} else {
		var err error
		if sw, err = r.watchSources(); err != nil {
			r.emit(events.Event{Event: events.Error, Kind: "watch", Message: err.Error()})
			r.stop()
			return 1
		}
		defer sw.close()
		r.sources = sw
		changes, watchErrs = sw.w.C, sw.w.Err
	}

	sigs := r.sigs
	for {
		select {
		case files := <-changes:
			if !sw.check(files) {
				continue // a watched directory is gone: said so
			}
			if code, exited := r.change(files); exited {
				return code
			}
		case <-sw.ticks():
			if files := sw.recheck(); len(files) > 0 {
				if code, exited := r.change(files); exited {
					return code
				}
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

// start builds the base (or takes the one Bazel built) and starts the
// program.
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

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
