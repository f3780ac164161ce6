package fidelity

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Class is what became of one edit.
type Class string

const (
	// Faithful: applied (or found unchanged), and the patched process
	// answers exactly as a fresh build of the same sources.
	Faithful Class = "faithful"
	// Noted: applied, answers differently from a fresh build, and the
	// applied event says why (code that already ran, goroutines parked in
	// the old version): honest, the user knows to restart.
	Noted Class = "noted"
	// Different: reported applied (or unchanged, or refused while the
	// process changed), but the process does not answer as a fresh build
	// would, and nothing said so. Must never happen.
	Different Class = "different"
	// Refused: the edit was refused, the old code still serves.
	Refused Class = "refused"
	// Error: the edit does not compile (or a patch could not be built or
	// loaded); the old code still serves.
	Error Class = "error"
	// Crash: the process died. Hang: no answer in time.
	Crash Class = "crash"
	Hang  Class = "hang"
	// Harness: the corpus or the machine failed (an old text not found, a
	// plain build that fails); not a verdict on hotreload.
	Harness Class = "harness"
)

// Bad reports classes that fail the oracle.
func (c Class) Bad() bool { return c == Different || c == Crash || c == Hang || c == Harness }

// Result is one edit's outcome.
type Result struct {
	Program   string   `json:"program"`
	Edit      string   `json:"edit"`
	Kind      string   `json:"kind,omitempty"`
	Save      string   `json:"save"`
	Expect    string   `json:"expect"`
	Event     string   `json:"event"` // applied, refused, error, unchanged, exit, timeout
	Class     Class    `json:"class"`
	Gen       int      `json:"gen,omitempty"`
	Functions []string `json:"functions,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	NotLive   []string `json:"not_live,omitempty"` // the notes saying what the program will not show by itself
	Reasons   []string `json:"reasons,omitempty"`  // refusals (file:line: decl: reason) and error messages
	ReasonOK  bool     `json:"reason_ok"`          // the expected reason was given (or none was expected)
	Diff      string   `json:"diff,omitempty"`
	// Unseen: the edit's probes answer the same before and after the
	// edit, even on a fresh build: the corpus does not observe this edit,
	// so a faithful result proves nothing.
	Unseen   bool    `json:"unseen,omitempty"`
	PatchMS  float64 `json:"patch_ms,omitempty"`
	Undo     string  `json:"undo"` // the undo's event
	UndoOK   bool    `json:"undo_ok"`
	UndoDiff string  `json:"undo_diff,omitempty"`
	Problem  string  `json:"problem,omitempty"` // harness problems, crash output
}

// OK reports whether the result meets the oracle's targets.
func (r *Result) OK() bool { return !r.Class.Bad() && r.ReasonOK && r.UndoOK }

// Options configure a run.
type Options struct {
	Hotreload string         // the hotreload command
	Work      string         // a scratch directory
	CI        bool           // only the edits marked ci
	Run       *regexp.Regexp // only the edits whose name matches
	Log       io.Writer      // progress
	Env       []string       // the environment (default: os.Environ())
	// StartLimit bounds the cold start (hot build + patch kit).
	StartLimit time.Duration
}

// Report is one program's results.
type Report struct {
	Program  string    `json:"program"`
	Module   string    `json:"module"`
	Baseline string    `json:"baseline"` // "" when the hot and plain builds of the original agree
	StartS   float64   `json:"start_s"`  // hotreload run until the kit was ready
	Results  []*Result `json:"results"`
	Problem  string    `json:"problem,omitempty"` // the program could not be run at all
}

type oracle struct {
	p      *Program
	o      Options
	src    string // the module copy the session runs on
	state  string
	hot    *instance
	base   map[string]Observation // the baseline, by probe
	report *Report
}

func (o *oracle) logf(format string, args ...any) {
	if o.o.Log != nil {
		fmt.Fprintf(o.o.Log, "[fidelity %s] %s\n", o.p.Name, fmt.Sprintf(format, args...))
	}
}

// Run runs one program's edits.
func Run(p *Program, opts Options) *Report {
	if opts.Env == nil {
		opts.Env = defaultEnv()
	}
	if opts.StartLimit == 0 {
		opts.StartLimit = 30 * time.Minute
	}
	o := &oracle{p: p, o: opts, report: &Report{Program: p.Name, Module: p.Module}}
	if o.report.Module == "" {
		o.report.Module = p.Dir
	}
	if err := o.run(); err != nil {
		o.report.Problem = err.Error()
		o.logf("cannot run: %v", err)
	}
	if o.hot != nil {
		o.hot.stop()
	}
	return o.report
}

func (o *oracle) run() error {
	if err := o.fetch(); err != nil {
		return err
	}
	t0 := time.Now()
	if err := o.startHot(); err != nil {
		return err
	}
	o.report.StartS = time.Since(t0).Seconds()
	// The baseline: every probe any edit uses, observed on the hot process,
	// and the same on a fresh plain build of the unmodified sources.
	all := o.allProbes()
	obs := o.p.observe(o.hot.ports, all)
	o.base = map[string]Observation{}
	for _, ob := range obs {
		o.base[ob.Probe] = ob
	}
	plain, err := o.plain(all)
	if err != nil {
		return fmt.Errorf("plain build of the unmodified module: %v", err)
	}
	o.report.Baseline = diff(obs, plain)
	if o.report.Baseline != "" {
		o.logf("the hot build of the unmodified sources answers unlike the plain build: %s", o.report.Baseline)
	}
	for i, e := range o.p.Edits {
		if (o.o.CI && !e.CI) || (o.o.Run != nil && !o.o.Run.MatchString(e.Name)) {
			continue
		}
		save := e.Save
		if save == "" {
			save = []string{"inplace", "rename"}[i%2]
		}
		r := o.edit(e, save)
		o.report.Results = append(o.report.Results, r)
		verdict := "ok"
		if !r.OK() {
			verdict = "NOT OK"
		}
		o.logf("%-28s %-9s -> %-9s undo %-9s %s", e.Name, e.Expect, r.Class, r.Undo, verdict)
		if r.Class == Crash || r.Class == Hang {
			o.hot.stop()
			o.hot = nil
			if err := o.startHot(); err != nil {
				return fmt.Errorf("restart after %s: %v", r.Class, err)
			}
		}
	}
	return nil
}

// fetch copies the module into the scratch directory.
func (o *oracle) fetch() error {
	dir := o.p.Dir
	if err := os.MkdirAll(o.o.Work, 0o755); err != nil {
		return err
	}
	if o.p.Module != "" {
		o.logf("go mod download %s", o.p.Module)
		out, err := run(o.o.Work, o.o.Env, "go", "mod", "download", "-json", o.p.Module)
		if err != nil {
			return err
		}
		var m struct{ Dir, Error string }
		if err := json.Unmarshal([]byte(out), &m); err != nil || m.Dir == "" {
			return fmt.Errorf("go mod download %s: %s %v", o.p.Module, m.Error, err)
		}
		dir = m.Dir
	}
	o.src = filepath.Join(o.o.Work, o.p.Name, "src")
	o.state = filepath.Join(o.o.Work, o.p.Name, "state")
	os.RemoveAll(filepath.Join(o.o.Work, o.p.Name))
	if err := copyTree(dir, o.src); err != nil {
		return err
	}
	return os.MkdirAll(o.state, 0o755)
}

func (o *oracle) startHot() error {
	ports, err := freePorts(o.p.placeholders()...)
	if err != nil {
		return err
	}
	argv := []string{o.o.Hotreload, "run", "--events=json", "--state-dir", o.state, o.p.Main, "--"}
	for _, a := range o.p.Args {
		argv = append(argv, ports.expand(a))
	}
	o.logf("hotreload run %s (cold: builds the instrumented program and its patch kit)", o.p.Main)
	hot, err := start(o.src, o.o.Env, ports, argv, true)
	if err != nil {
		return err
	}
	o.hot = hot
	if _, err := hot.await(o.o.StartLimit, evReady); err != nil {
		return fmt.Errorf("hotreload run: %v\n%s", err, hot.Output())
	}
	if err := waitReady(ports, o.p.Ready, hot.dead, 2*time.Minute); err != nil {
		return fmt.Errorf("hotreload run: %v\n%s", err, hot.Output())
	}
	if e, err := hot.await(o.o.StartLimit, evKit, evError); err != nil || e.Event == evError {
		return fmt.Errorf("patch kit: %v %s\n%s", err, e.Message, hot.Output())
	}
	hot.drain()
	return nil
}

func (o *oracle) allProbes() []Probe {
	seen := map[string]bool{}
	var all []Probe
	add := func(ps []Probe) {
		for _, p := range ps {
			if !seen[p.String()] {
				seen[p.String()] = true
				all = append(all, p)
			}
		}
	}
	add(o.p.Probes)
	for _, e := range o.p.Edits {
		add(e.Probes)
	}
	return all
}

// plain builds the module's current sources with the plain go command,
// starts the binary fresh and observes it.
func (o *oracle) plain(probes []Probe) ([]Observation, error) {
	bin := filepath.Join(o.o.Work, o.p.Name, "plain", "prog")
	if _, err := run(o.src, o.o.Env, "go", "build", "-o", bin, o.p.Main); err != nil {
		return nil, err
	}
	ports, err := freePorts(o.p.placeholders()...)
	if err != nil {
		return nil, err
	}
	argv := []string{bin}
	for _, a := range o.p.Args {
		argv = append(argv, ports.expand(a))
	}
	in, err := start(o.src, o.o.Env, ports, argv, false)
	if err != nil {
		return nil, err
	}
	defer in.stop()
	if err := waitReady(ports, o.p.Ready, in.dead, time.Minute); err != nil {
		return nil, fmt.Errorf("fresh plain build: %v\n%s", err, in.Output())
	}
	return o.p.observe(ports, probes), nil
}

func (o *oracle) baseline(probes []Probe) []Observation {
	var out []Observation
	for _, p := range probes {
		out = append(out, o.base[p.String()])
	}
	return out
}

// edit applies one edit, judges it, and undoes it.
func (o *oracle) edit(e *Edit, save string) *Result {
	r := &Result{Program: o.p.Name, Edit: e.Name, Kind: e.Kind, Save: save, Expect: e.Expect}
	probes := append(append([]Probe(nil), o.p.Probes...), e.Probes...)
	originals, err := o.apply(e, save)
	if err != nil {
		r.Class, r.Problem, r.ReasonOK, r.UndoOK = Harness, err.Error(), true, true
		return r
	}

	ev, err := o.hot.await(5*time.Minute, evApplied, evRefused, evError, evUnchanged)
	if err != nil {
		o.restore(originals, save)
		return o.broken(r, err)
	}
	evs := append([]event{ev}, o.hot.more(800*time.Millisecond)...)
	r.Event = ev.Event
	for _, x := range evs {
		switch x.Event {
		case evApplied, evUnchanged:
			// unchanged carries notes too: a changed variable
			// initializer does not run again.
			r.Gen, r.Functions, r.Notes, r.NotLive, r.PatchMS = x.Gen, x.Functions, x.Notes, x.NotLive, x.TotalMS
		case evRefused:
			r.Reasons = append(r.Reasons, fmt.Sprintf("%s:%d: %s: %s", x.File, x.Line, x.Decl, x.Reason))
		case evError:
			r.Reasons = append(r.Reasons, x.Kind+": "+x.Message)
		case evExit:
			o.restore(originals, save)
			return o.broken(r, errExited)
		}
	}
	r.ReasonOK = e.Reason == nil || anyMatch(e.Reason, r.Reasons)

	seen := o.p.observe(o.hot.ports, probes)
	switch ev.Event {
	case evApplied, evUnchanged:
		fresh, err := o.plain(probes)
		switch {
		case err != nil:
			// The process took an edit a plain build rejects.
			r.Class, r.Diff = Different, "a plain build of these sources fails: "+firstLine(err.Error())
		default:
			r.Diff = diff(seen, fresh)
			r.Unseen = ev.Event == evApplied && diff(fresh, o.baseline(probes)) == ""
			switch {
			case r.Diff == "":
				r.Class = Faithful
			case len(r.NotLive) > 0:
				// Different, but the event said what the program will
				// not show by itself (and only such notes count).
				r.Class = Noted
			default:
				r.Class = Different
			}
		}
	case evRefused, evError:
		r.Class = Refused
		if ev.Event == evError {
			r.Class = Error
		}
		// The old code must still serve, exactly.
		if d := diff(seen, o.baseline(probes)); d != "" {
			r.Class, r.Diff = Different, "not applied, yet the process changed: "+d
		}
	}

	// Undo, and the process answers as at the start.
	if err := o.restore(originals, save); err != nil {
		r.Undo, r.Problem = "harness", err.Error()
		return r
	}
	uev, err := o.hot.await(5*time.Minute, evApplied, evRefused, evError, evUnchanged)
	if err != nil {
		return o.broken(r, err)
	}
	o.hot.more(800 * time.Millisecond)
	r.Undo = uev.Event
	if uev.Event == evRefused || uev.Event == evError {
		r.UndoDiff = "undo " + uev.Event + ": " + uev.Reason + uev.Message
		return r
	}
	r.UndoDiff = diff(o.p.observe(o.hot.ports, probes), o.baseline(probes))
	r.UndoOK = r.UndoDiff == ""
	return r
}

// broken records a crash or a hang.
func (o *oracle) broken(r *Result, err error) *Result {
	r.Class, r.Event = Hang, "timeout"
	if errors.Is(err, errExited) {
		r.Class, r.Event = Crash, "exit"
	}
	r.Problem = o.hot.Output()
	r.ReasonOK = true
	return r
}

// apply saves the edit's changes and returns the files' original contents.
func (o *oracle) apply(e *Edit, save string) (map[string][]byte, error) {
	originals := map[string][]byte{}
	updated := map[string][]byte{}
	for _, c := range e.Changes {
		file := filepath.Join(o.src, filepath.FromSlash(c.File))
		cur, ok := updated[file]
		if !ok {
			data, err := os.ReadFile(file)
			if err != nil && !(os.IsNotExist(err) && c.Old == "") {
				return nil, fmt.Errorf("edit %s: %v", e.Name, err)
			}
			originals[file] = data
			if data == nil {
				originals[file] = nil // created by the edit
			}
			cur = data
		}
		switch n := strings.Count(string(cur), c.Old); {
		case c.Old == "":
			cur = append(append([]byte(nil), cur...), c.New...)
		case n != 1:
			return nil, fmt.Errorf("edit %s: the old text occurs %d times in %s (want once):\n%s", e.Name, n, c.File, c.Old)
		default:
			cur = []byte(strings.Replace(string(cur), c.Old, c.New, 1))
		}
		updated[file] = cur
	}
	for file, data := range updated {
		if err := saveFile(file, data, save); err != nil {
			return nil, err
		}
	}
	return originals, nil
}

// restore puts the files back as they were (removing created ones).
func (o *oracle) restore(originals map[string][]byte, save string) error {
	for file, data := range originals {
		if data == nil {
			if err := os.Remove(file); err != nil {
				return err
			}
			continue
		}
		if err := saveFile(file, data, save); err != nil {
			return err
		}
	}
	return nil
}

func anyMatch(re *regexp.Regexp, ss []string) bool {
	for _, s := range ss {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
