package events

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The JSON form is a public interface: these field names must not change.
func TestJSONFields(t *testing.T) {
	var b bytes.Buffer
	p, err := NewPrinter(&b, "json")
	if err != nil {
		t.Fatal(err)
	}
	p.Emit(Event{Event: Applied, Gen: 2, Functions: []string{"a.F"}, BuildMS: 1.5, GenerateMS: 0.2, CompileMS: 0.3, LinkMS: 1, LoadMS: 2, ApplyMS: 0.1, TotalMS: 4})
	p.Emit(Event{Event: Refused, File: "a/a.go", Line: 3, Decl: "type T", Reason: "why"})
	p.Emit(Event{Event: Error, Kind: "compile", Errors: []Location{{File: "a.go", Line: 1, Column: 2, Message: "m"}}})
	p.Emit(Event{Event: Ready, PID: 7, Socket: "/s"})
	p.Emit(Event{Event: Applied, Gen: 3, Functions: []string{"a.main"}, Notes: []string{"a.main: 1 goroutine is still inside its old code"}, NotLive: []string{"a.main: 1 goroutine is still inside its old code"}})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := [][]string{
		{"event", "time", "gen", "functions", "build_ms", "generate_ms", "compile_ms", "link_ms", "load_ms", "apply_ms", "total_ms"},
		{"event", "time", "file", "line", "decl", "reason"},
		{"event", "time", "kind", "errors"},
		{"event", "time", "pid", "socket"},
		{"event", "time", "gen", "functions", "notes", "not_live"},
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d not JSON: %s", i, l)
		}
		for _, k := range want[i] {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i, k, l)
			}
		}
		if len(m) != len(want[i]) {
			t.Errorf("line %d has unexpected fields: %s", i, l)
		}
	}
	if !strings.Contains(lines[2], `"errors":[{"file":"a.go","line":1,"column":2,"message":"m"}]`) {
		t.Errorf("error locations: %s", lines[2])
	}
}

func TestHuman(t *testing.T) {
	got := Human(Event{Event: Applied, Gen: 1, Functions: []string{"a.F", "a.G"}, BuildMS: 350, GenerateMS: 40, CompileMS: 100, LinkMS: 210, LoadMS: 50, ApplyMS: 20, TotalMS: 420})
	want := "hotreload: patched 2 functions in 0.42 s: build 0.35 (generate 0.04, compile 0.10, link 0.21), load 0.05, apply 0.02 (gen 1)\n    a.F\n    a.G\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = Human(Event{Event: Applied, Gen: 2, Functions: []string{"m.main"}, TotalMS: 1000, Notes: []string{
		"m.setup runs only once, at start-up (called from m.main, main.go:9): restart to apply the change",
		"m.main: 1 goroutine is still inside its old code\n(goroutine 1 [IO wait] at main.go:12):  it keeps running the old code",
	}})
	want = "hotreload: patched 1 function in 1.00 s: build 0.00, load 0.00, apply 0.00 (gen 2)\n    m.main\n" +
		"    note: m.setup runs only once, at start-up (called from m.main, main.go:9): restart to apply the change\n" +
		"    note: m.main: 1 goroutine is still inside its old code (goroutine 1 [IO wait] at main.go:12): it keeps running the old code\n"
	if got != want {
		t.Errorf("notes: got %q\nwant %q", got, want)
	}
	if _, err := NewPrinter(nil, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestHumanRefused: a refusal names file:line, or only the file when there
// is no line (a changed //go:embed file: it used to print "file:0").
func TestHumanRefused(t *testing.T) {
	got := Human(Event{Event: Refused, File: "lib/lib.go", Line: 12, Decl: "type T", Reason: "a field was added"})
	if want := "hotreload: refused lib/lib.go:12: type T: a field was added\n"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = Human(Event{Event: Refused, File: "lib/static/greeting.txt", Decl: "//go:embed in example.com/real/lib", Reason: "an embedded file changed"})
	if want := "hotreload: refused lib/static/greeting.txt: //go:embed in example.com/real/lib: an embedded file changed\n"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
