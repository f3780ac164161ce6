// Package events is the launcher's report stream: one event per thing
// that happened, printed as a human-readable line or, with --events=json,
// as one JSON object per line. The JSON form is a public interface
// (docs/EVENTS.md): fields are only ever added.
package events

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Kinds of events.
const (
	Building  = "building"  // the hot binary is being built
	Built     = "built"     // it was built
	Ready     = "ready"     // the program runs and takes patches
	Kit       = "kit"       // the patch kit is recorded: patches are fast from now on
	Change    = "change"    // sources changed; a patch is being built
	Applied   = "applied"   // a patch is live
	Unchanged = "unchanged" // sources changed, but no code did
	Refused   = "refused"   // an edit needs a restart (one event per edit)
	Error     = "error"     // a compile error, a failed patch build or load
	Restart   = "restart"   // the program is rebuilt and restarted (state lost)
	Exit      = "exit"      // the program exited
)

// Event is one report. Only the fields that apply to a kind are set.
type Event struct {
	Event string `json:"event"`
	Time  string `json:"time"`

	Package string `json:"package,omitempty"`
	PID     int    `json:"pid,omitempty"`
	Socket  string `json:"socket,omitempty"`
	Binary  string `json:"binary,omitempty"`

	Gen       int      `json:"gen,omitempty"`
	Functions []string `json:"functions,omitempty"`
	Files     []string `json:"files,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// NotLive (applied, unchanged) are the notes, also in Notes, about changes the
	// running program will not show by itself; empty when all is live.
	NotLive []string `json:"not_live,omitempty"`

	// Durations in milliseconds. BuildMS is the whole patch build
	// (applied) or base build (built, kit); GenerateMS, CompileMS and
	// LinkMS (applied) are its measured parts.
	BuildMS    float64 `json:"build_ms,omitempty"`
	GenerateMS float64 `json:"generate_ms,omitempty"`
	CompileMS  float64 `json:"compile_ms,omitempty"`
	LinkMS     float64 `json:"link_ms,omitempty"`
	LoadMS     float64 `json:"load_ms,omitempty"`
	ApplyMS    float64 `json:"apply_ms,omitempty"`
	TotalMS    float64 `json:"total_ms,omitempty"`

	// Refused: where and why.
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Decl   string `json:"decl,omitempty"`
	Reason string `json:"reason,omitempty"`

	// Error: what kind, the message, and located errors.
	Kind    string     `json:"kind,omitempty"` // compile, build, load, mismatch, ...
	Message string     `json:"message,omitempty"`
	Errors  []Location `json:"errors,omitempty"`

	Code *int `json:"code,omitempty"` // exit code
}

// Location is a located message.
type Location struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// Printer writes events in one format.
type Printer struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
}

// NewPrinter returns a printer; format is "human" or "json".
func NewPrinter(w io.Writer, format string) (*Printer, error) {
	switch format {
	case "", "human":
		return &Printer{w: w}, nil
	case "json":
		return &Printer{w: w, json: true}, nil
	}
	return nil, fmt.Errorf("unknown events format %q (want human or json)", format)
}

// Emit prints e.
func (p *Printer) Emit(e Event) {
	e.Time = time.Now().UTC().Format(time.RFC3339Nano)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		b, _ := json.Marshal(e)
		p.w.Write(append(b, '\n'))
		return
	}
	io.WriteString(p.w, Human(e))
}

func secs(ms float64) string { return fmt.Sprintf("%.2f", ms/1000) }

// Human is the one-or-more-line human form of an event.
func Human(e Event) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, "hotreload: "+format+"\n", args...) }
	switch e.Event {
	case Building:
		w("building %s with every package instrumented...", e.Package)
	case Built:
		w("built %s in %s s", e.Package, secs(e.BuildMS))
	case Ready:
		w("running %s (pid %d); edit and save a .go file to patch it live", e.Package, e.PID)
	case Kit:
		w("patch kit ready in %s s: patches are built against the running program's exact packages", secs(e.BuildMS))
	case Change:
		w("change in %s", strings.Join(e.Files, ", "))
	case Applied:
		build := secs(e.BuildMS)
		if e.GenerateMS+e.CompileMS+e.LinkMS > 0 {
			build += fmt.Sprintf(" (generate %s, compile %s, link %s)", secs(e.GenerateMS), secs(e.CompileMS), secs(e.LinkMS))
		}
		w("patched %d %s in %s s: build %s, load %s, apply %s (gen %d)", len(e.Functions), plural(len(e.Functions), "function"),
			secs(e.TotalMS), build, secs(e.LoadMS), secs(e.ApplyMS), e.Gen)
		for _, f := range e.Functions {
			fmt.Fprintf(&b, "    %s\n", f)
		}
	case Unchanged:
		w("no code changed (%s)", strings.Join(e.Files, ", "))
	case Refused:
		where := e.File // a changed embedded file has no line
		if e.Line > 0 {
			where = fmt.Sprintf("%s:%d", e.File, e.Line)
		}
		w("refused %s: %s: %s", where, e.Decl, e.Reason)
	case Error:
		if len(e.Errors) > 0 {
			for _, l := range e.Errors {
				fmt.Fprintf(&b, "%s:%d:%d: %s\n", l.File, l.Line, l.Column, l.Message)
			}
			w("not patched: fix the errors above; the program keeps running its last good code")
		} else {
			w("%s error: %s", e.Kind, e.Message)
		}
	case Restart:
		w("%s: rebuilding and restarting; in-memory state is lost", e.Reason)
	case Exit:
		code := 0
		if e.Code != nil {
			code = *e.Code
		}
		w("%s exited with code %d", e.Package, code)
	default:
		w("%s %s", e.Event, e.Message)
	}
	// One line per note, whatever it contains: a note says what the
	// program will not show by itself (code that already ran, goroutines
	// inside old code) or what else to know.
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "    note: %s\n", strings.Join(strings.Fields(n), " "))
	}
	return b.String()
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
