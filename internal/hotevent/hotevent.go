// Package hotevent reads the public JSON event stream of `hotreload run`
// (docs/EVENTS.md) as any consumer of it does: by its documented field
// names, not by hotreload's own types (which it cannot import), so that
// the tests (internal/hotsession) and the fidelity oracle (tools/fidelity)
// also check the documented contract. hotreload/internal/events tests that
// every field read here is one it prints.
package hotevent

import (
	"encoding/json"
	"strings"
)

// Kinds of events (docs/EVENTS.md).
const (
	Building  = "building"
	Built     = "built"
	Ready     = "ready"
	Kit       = "kit"
	Change    = "change"
	Applied   = "applied"
	Unchanged = "unchanged"
	Refused   = "refused"
	Error     = "error"
	Restart   = "restart"
	Exit      = "exit"
)

// Event is one event: the fields consumers read. Decode reads others.
type Event struct {
	Event   string `json:"event"` // the kind
	Time    string `json:"time"`
	Package string `json:"package"`
	PID     int    `json:"pid"`
	Socket  string `json:"socket"`
	Binary  string `json:"binary"` // built

	// applied (and unchanged, change: files)
	Gen       int      `json:"gen"`
	Functions []string `json:"functions"`
	Files     []string `json:"files"`
	Notes     []string `json:"notes"`
	NotLive   []string `json:"not_live"`
	BuildMS   float64  `json:"build_ms"`
	// applied: the measured parts of build_ms
	GenerateMS float64 `json:"generate_ms"`
	CompileMS  float64 `json:"compile_ms"`
	LinkMS     float64 `json:"link_ms"`
	TotalMS    float64 `json:"total_ms"`

	// refused: where and why
	File   string `json:"file"`
	Line   int    `json:"line"`
	Decl   string `json:"decl"`
	Reason string `json:"reason"`

	// error
	Kind    string     `json:"kind"`
	Message string     `json:"message"`
	Errors  []Location `json:"errors"`

	// JSON is the event as printed.
	JSON string `json:"-"`
}

// Location is a located message of an error event.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// Decode decodes the event into v (a consumer's own type).
func (e Event) Decode(v any) error { return json.Unmarshal([]byte(e.JSON), v) }

// Parse finds an event in a line of hotreload's standard error. It may
// start mid-line (under ibazel, which writes to the same stream and at
// times leaves its line unfinished); before is what precedes it, or the
// whole line when there is no event.
func Parse(line string) (e Event, before string, ok bool) {
	i := strings.Index(line, `{"event":`)
	if i < 0 || json.Unmarshal([]byte(line[i:]), &e) != nil || e.Event == "" {
		return Event{}, line, false
	}
	e.JSON = line[i:]
	return e, line[:i], true
}
