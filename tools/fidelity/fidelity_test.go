package fidelity

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

func TestParse(t *testing.T) {
	p, err := ParseFile("testdata/app.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if p.Main != "." || len(p.Probes) != 2 || len(p.Edits) != 6 {
		t.Fatalf("parsed %+v", p)
	}
	if got := p.placeholders(); len(got) != 1 || got[0] != "{port}" {
		t.Errorf("placeholders = %q", got)
	}
	if e := p.Edits[3]; e.Name != "varinit" || e.Expect != "noted" || e.Changes[0].New != "var Banner = banner() + \"!\"\n" {
		t.Errorf("edit varinit = %+v", e)
	}
	e := p.Edits[4]
	if e.Name != "rude" || e.Expect != "refused" || e.Reason == nil || len(e.Changes) != 1 || e.Changes[0].File != "greet/greet.go" {
		t.Errorf("edit rude = %+v", e)
	}
	if want := "type counter struct{ n, total int }\n"; e.Changes[0].New != want {
		t.Errorf("new text %q, want %q", e.Changes[0].New, want)
	}
}

func TestParseErrors(t *testing.T) {
	head := "module m@v1\nmain .\nready tcp {port}\n"
	for _, tc := range []struct{ src, want string }{
		{"main .\nready tcp {port}\n-- probe --\ntcp {port} \"x\"\n", "x.txtar:1: want exactly one of module or dir"},
		{head + "bogus 1\n", `x.txtar:4: unknown setting "bogus"`},
		{head + "-- probe --\nhttp {port} GET nopath\n", "x.txtar:5: probe"},
		{head + "-- probe --\ntcp {port} \"x\"\n-- edit e --\nexpect maybe\n", `edit e: expect "maybe"`},
		{head + "-- probe --\ntcp {port} \"x\"\n-- edit e --\nexpect applied\n<<< a.go\nold\n", "block for a.go has no ==="},
		{head + "-- probe --\ntcp {port} \"x\"\n-- edit e --\nexpect applied\n", "edit e: no change block"},
		{head + "-- probe --\ntcp {port} \"x\"\n-- stuff --\n", `unknown section "stuff"`},
	} {
		_, err := Parse("x.txtar", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.src, err, tc.want)
		}
	}
}

func TestNormalise(t *testing.T) {
	p, err := Parse("x.txtar", []byte("module m@v1\nmain .\nready tcp {port}\nnormalize id=[0-9a-f]+ => id=*\n-- probe --\ntcp {port} \"x\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := Ports{"{port}": "4321"}
	b := Ports{"{port}": "5555"}
	norm := func(ps Ports, s string) string {
		s = ps.hide(s)
		for _, r := range p.Normalize {
			s = r.Re.ReplaceAllString(s, r.Repl)
		}
		return s
	}
	x, y := norm(a, "on :4321 id=ab12"), norm(b, "on :5555 id=ff00")
	if x != y || x != "on :{port} id=*" {
		t.Errorf("normalised %q and %q", x, y)
	}
	// A port's digits inside a longer number are not the port.
	if got := norm(a, "size 1432100 :4321\n4321"); got != "size 1432100 :{port}\n{port}" {
		t.Errorf("normalised %q", got)
	}
}

// hotreloadOnce builds this repository's hotreload once per test binary.
var hotreloadOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "fidelity-hotreload-")
	if err != nil {
		return "", err
	}
	return BuildHotreload("../..", dir)
})

func needHot(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs hot programs")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("hot programs need cgo, and there is no gcc")
	}
	hot, err := hotreloadOnce()
	if err != nil {
		t.Fatal(err)
	}
	return hot
}

// TestOracle runs the oracle's own test program: one edit of each class,
// so the oracle is shown to tell them apart (a patch that the process
// cannot show must not pass as faithful).
func TestOracle(t *testing.T) {
	hot := needHot(t)
	p, err := ParseFile("testdata/app.txtar")
	if err != nil {
		t.Fatal(err)
	}
	r := Run(p, Options{Hotreload: hot, Work: t.TempDir(), Log: testLog{t}})
	if r.Problem != "" {
		t.Fatal(r.Problem)
	}
	if r.Baseline != "" {
		t.Errorf("baseline differs: %s", r.Baseline)
	}
	want := map[string]Class{"helper": Faithful, "startup": Noted, "closure": Faithful, "varinit": Noted, "rude": Refused, "broken": Error}
	for _, x := range r.Results {
		if x.Class != want[x.Edit] {
			t.Errorf("%s: class %s, want %s (event %s, notes %q, diff %s, problem %s)", x.Edit, x.Class, want[x.Edit], x.Event, x.Notes, x.Diff, x.Problem)
		}
		if !x.ReasonOK || !x.UndoOK || x.Unseen {
			t.Errorf("%s: reason ok %v (%q), undo %s ok %v (%s), unseen %v", x.Edit, x.ReasonOK, x.Reasons, x.Undo, x.UndoOK, x.UndoDiff, x.Unseen)
		}
	}
	if len(r.Results) != len(want) {
		t.Errorf("%d results, want %d", len(r.Results), len(want))
	}
}

// TestCorpusCI runs the CI subset of the real corpus: modules from the Go
// module proxy, unmodified.
func TestCorpusCI(t *testing.T) {
	hot := needHot(t)
	progs, err := Load("corpus")
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, p := range progs {
		ci := false
		for _, e := range p.Edits {
			ci = ci || e.CI
		}
		if !ci {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			r := Run(p, Options{Hotreload: hot, Work: t.TempDir(), CI: true, Log: testLog{t}})
			for _, f := range r.Failures() {
				t.Error(f)
			}
			for _, x := range r.Results {
				if x.Expect != "" && !expectationMet(x) {
					t.Errorf("%s: expected %s, got %s (event %s: %q %q %s)", x.Edit, x.Expect, x.Class, x.Event, x.Reasons, x.Notes, x.Diff)
				}
			}
		})
		ran++
	}
	if ran == 0 {
		t.Skip("no corpus program has ci edits")
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
