package main

import (
	"encoding/json"
	"strings"
	"time"
)

// event is one event of `hotreload run --events=json` (docs/EVENTS.md).
// Fields are only ever added to the stream: every numeric field whose name
// ends in _ms is kept in MS, so durations added later (compile_ms, link_ms)
// are recorded without a change here.
type event struct {
	Event     string   `json:"event"`
	Time      string   `json:"time"`
	PID       int      `json:"pid"`
	Gen       int      `json:"gen"`
	Binary    string   `json:"binary"`
	Functions []string `json:"functions"`
	Notes     []string `json:"notes"`
	NotLive   []string `json:"not_live"`
	Kind      string   `json:"kind"`
	Message   string   `json:"message"`
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Decl      string   `json:"decl"`
	Reason    string   `json:"reason"`
	Code      *int     `json:"code"`

	MS  map[string]float64 `json:"-"`
	At  time.Time          `json:"-"` // when the soak read it
	Raw string             `json:"-"`
}

// parseEvent reads an event from a line of the launcher's stderr. An event
// may start mid-line (docs/EVENTS.md); lines without one are the program's.
func parseEvent(line string) (event, bool) {
	i := strings.Index(line, `{"event":`)
	if i < 0 {
		return event{}, false
	}
	raw := line[i:]
	var e event
	if json.Unmarshal([]byte(raw), &e) != nil || e.Event == "" {
		return event{}, false
	}
	var all map[string]any
	json.Unmarshal([]byte(raw), &all)
	for k, v := range all {
		if f, ok := v.(float64); ok && strings.HasSuffix(k, "_ms") {
			if e.MS == nil {
				e.MS = map[string]float64{}
			}
			e.MS[k] = f
		}
	}
	e.Raw = raw
	return e, true
}

// ms returns the duration field name ("load_ms"), and whether it is there.
func (e event) ms(name string) (float64, bool) {
	v, ok := e.MS[name]
	return v, ok
}
