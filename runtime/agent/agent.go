// Package agent is the in-process reload agent of a hot binary: it receives
// patches (a unix socket, ibazel's notifications on stdin, a watched
// directory), verifies them against the running executable, loads them
// (plugin.Open) and switches the function slots they set, keeping every
// generation so that any of them can be restored.
//
// Importing the package starts the agent (unless GOHOT_AGENT=off). It
// imports only the standard library: it is linked into every hot binary.
// See docs/AGENT.md.
package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// basePackages maps each package of this build to its content hash, as
// the patches' manifests name them. A generated file, added to this
// package by the launcher, sets it in an init function; nil means the
// build has no table and only the build ID is checked.
var basePackages map[string]string

// Options say where the agent listens and how it reports.
type Options struct {
	// Socket is the unix socket path; "" means protocol.DefaultSocket(pid).
	Socket string
	// Events receives the agent's notices (default os.Stderr);
	// JSONEvents makes them JSON objects.
	Events     io.Writer
	JSONEvents bool
	// StateDir is the launcher's state directory, whose size status
	// reports ("": none).
	StateDir string
}

// EnvOptions returns the options the environment asks for (GOHOT_SOCKET,
// GOHOT_EVENTS, GOHOT_STATE_DIR).
func EnvOptions() Options {
	return Options{
		Socket:     os.Getenv(protocol.EnvSocket),
		JSONEvents: os.Getenv(protocol.EnvEvents) == "json",
		StateDir:   os.Getenv(protocol.EnvStateDir),
	}
}

// removedEnv are variables of earlier agents that loaded patches from a
// watched directory or on ibazel's word: any file that appeared there was
// loaded, whoever wrote it. The agent now loads only what a client of its
// socket (this user or root) asks for, and says so when they are set.
var removedEnv = []string{"GOHOT_PATCH_DIR", "GOHOT_IBAZEL"}

// ErrOtherCopy is returned by Start when another copy of this package
// (linked under another import path) already runs an agent in this process.
var ErrOtherCopy = errors.New("another copy of the hotreload agent already runs in this process")

// Agent is the process's reload agent. There is at most one per process.
type Agent struct {
	opts          Options
	socket        string
	defaultSocket bool // socket in the default, private directory
	lnMu          sync.Mutex
	ln            net.Listener  // guarded by lnMu (watchSocket replaces it)
	conns         chan struct{} // one token per connection being served
	done          chan struct{}

	idOnce  sync.Once
	id      string // this executable's Go build ID
	idErr   error
	outMu   sync.Mutex // one event line at a time
	closeMu sync.Once

	// applyMu serializes applies and guards loaded: an apply holds it
	// while it verifies and opens a plugin (an init may run for up to
	// GOHOT_INIT_TIMEOUT), and takes mu only to switch, so that status
	// and revert answer meanwhile.
	applyMu  sync.Mutex
	loaded   map[string]loadedPlugin // see below
	applying atomic.Pointer[protocol.Applying]

	mu sync.Mutex // serializes requests but applies' loading; guards everything below
	// gens[0] is the base; gens[i].state holds every slot touched up to
	// generation i.
	gens []generation
	// base holds each touched slot's value before the agent first set it.
	base  map[unsafe.Pointer]unsafe.Pointer
	names map[unsafe.Pointer]string
	// slotCodes holds, per slot, the runtime names of every patch
	// function ever stored in it; wordCodes those of each stored value
	// (oldcode.go: which frames are replaced code).
	slotCodes map[unsafe.Pointer]map[string]bool
	wordCodes map[unsafe.Pointer][]string
	// (loaded, above, remembers each plugin ever opened, by the SHA-256
	// of its bytes: a plugin cannot be unloaded, nor its path loaded
	// twice.)
}

var (
	startMu sync.Mutex
	running *Agent
)

// Default returns the agent running in this process (started by this
// package's init or by Start), or nil.
func Default() *Agent {
	startMu.Lock()
	defer startMu.Unlock()
	return running
}

// Start starts the agent with opts. If this package already runs one it is
// returned as it is; if another copy of the package does, Start returns
// ErrOtherCopy: the slots and generations of a process must have one
// owner.
func Start(opts Options) (*Agent, error) {
	startMu.Lock()
	defer startMu.Unlock()
	if running != nil {
		return running, nil
	}
	pid := strconv.Itoa(os.Getpid())
	// The pid in the value keeps a child process, which inherits the
	// environment, from taking its parent's agent for its own.
	if os.Getenv(protocol.EnvRunning) == pid {
		return nil, ErrOtherCopy
	}
	defaultSocket := opts.Socket == ""
	if defaultSocket {
		opts.Socket = protocol.DefaultSocket(os.Getpid())
	}
	if opts.Events == nil {
		opts.Events = os.Stderr
	}
	a := newAgent(opts)
	a.defaultSocket = defaultSocket
	ln, err := listen(opts.Socket, defaultSocket)
	if err != nil {
		return nil, err
	}
	a.ln = ln
	os.Setenv(protocol.EnvRunning, pid)
	// The launcher's state directory is this process's: a child process
	// (which inherits the environment) must not report it as its own.
	if opts.StateDir != "" && os.Getenv(protocol.EnvStateDir) == opts.StateDir {
		os.Unsetenv(protocol.EnvStateDir)
	}
	running = a

	go a.buildID() // read the ELF note now, not during the first apply
	go a.serve(ln)
	go a.watchSocket(ln)
	for _, v := range removedEnv {
		if os.Getenv(v) != "" {
			a.notice("%s is set, but the agent no longer loads patches from a directory or on ibazel's word (anyone able to write there could run code in this process); use hotreload run, hotreload apply or the ibazel launcher of go_hot_binary", v)
		}
	}
	return a, nil
}

// notice reports what the user should know about the agent itself, one
// line on its events writer.
func (a *Agent) notice(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	line := "hotreload: agent: " + msg + "\n"
	if a.opts.JSONEvents {
		data, _ := json.Marshal(protocol.Response{Event: protocol.EventNotice, Error: msg})
		line = string(data) + "\n"
	}
	a.outMu.Lock()
	defer a.outMu.Unlock()
	fmt.Fprint(a.opts.Events, line)
}

func newAgent(opts Options) *Agent {
	return &Agent{
		opts:   opts,
		socket: opts.Socket,
		done:   make(chan struct{}),
		conns:  make(chan struct{}, maxConns),
		gens:   []generation{{state: map[unsafe.Pointer]unsafe.Pointer{}}},
		base:   map[unsafe.Pointer]unsafe.Pointer{},
		names:  map[unsafe.Pointer]string{},
		loaded: map[string]loadedPlugin{},

		slotCodes: map[unsafe.Pointer]map[string]bool{},
		wordCodes: map[unsafe.Pointer][]string{},
	}
}

// Socket returns the path the agent listens on.
func (a *Agent) Socket() string { return a.socket }

// Close stops the agent and removes its socket. Applied patches stay
// applied. (A Go program has no exit hook: without Close the socket file
// outlives the process until the next agent removes it.)
func (a *Agent) Close() error {
	var err error
	a.closeMu.Do(func() {
		close(a.done)
		a.lnMu.Lock()
		if a.ln != nil {
			err = a.ln.Close() // also unlinks the socket file
		}
		a.lnMu.Unlock()
		startMu.Lock()
		if running == a {
			running = nil
			os.Unsetenv(protocol.EnvRunning)
		}
		startMu.Unlock()
	})
	return err
}

// buildID returns this executable's identity (protocol.ReadIdentity: its
// Go build ID, or its contents' hash when the build system redacted the
// build ID, as rules_go does). It reads /proc/self/exe,
// which is the file this process runs even after a rebuild replaced or
// deleted it on disk (os.Executable would name the new file).
func (a *Agent) buildID() (string, error) {
	a.idOnce.Do(func() {
		a.id, a.idErr = protocol.ReadIdentity("/proc/self/exe")
		if a.idErr != nil {
			exe, err := os.Executable()
			if err == nil {
				a.id, a.idErr = protocol.ReadIdentity(exe)
			}
		}
		if a.idErr != nil {
			a.idErr = fmt.Errorf("cannot read this executable's build ID: %v", a.idErr)
		}
	})
	return a.id, a.idErr
}

// Do handles one request of the socket protocol.
func (a *Agent) Do(req protocol.Request) protocol.Response {
	switch req.Op {
	case protocol.OpApply:
		return a.Apply(req.Plugin)
	case protocol.OpStatus:
		return a.Status()
	case protocol.OpRevert:
		return a.Revert(req.Gen)
	}
	return a.badRequest("unknown op %q: want apply, status or revert", req.Op)
}

func (a *Agent) badRequest(format string, args ...any) protocol.Response {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fail(protocol.CodeBadRequest, format, args...)
}

// Status reports the pid, build ID, generations and disk use.
func (a *Agent) Status() protocol.Response {
	id, err := a.buildID()
	if err != nil {
		id = "unknown: " + err.Error()
	}
	r := protocol.Response{OK: true, PID: os.Getpid(), BuildID: id, TrustedKey: trustedKeyID(), Applying: a.applying.Load()}
	// Measured outside the lock: a walk of the state directory takes a
	// while, and a revert need not wait for it.
	stateUsage(&r, a.opts.StateDir)
	a.mu.Lock()
	defer a.mu.Unlock()
	r.Gen = a.current()
	for _, g := range a.gens[1:] {
		r.Generations = append(r.Generations, g.info)
	}
	return r
}

// refusal is fail for a caller that does not hold mu.
func (a *Agent) refusal(code, format string, args ...any) protocol.Response {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fail(code, format, args...)
}

// fail builds a refusal; the caller holds a.mu.
func (a *Agent) fail(code, format string, args ...any) protocol.Response {
	return protocol.Response{OK: false, Gen: len(a.gens) - 1, Code: code, Error: fmt.Sprintf(format, args...)}
}
