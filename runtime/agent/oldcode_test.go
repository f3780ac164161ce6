package agent

import (
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"main.main": "main.main",
		"example.com/visits/store.(*counter).add": "example.com/visits/store.counter.add",
		"example.com/a/lib.Max[...]":              "example.com/a/lib.Max",
		"example.com/a/lib.(*List[...]).Push":     "example.com/a/lib.List.Push",
		"gopkg.in/yaml%2ev3.(*parser).parse":      "gopkg.in/yaml.v3.parser.parse",
		"example.com/a/lib.T.M":                   "example.com/a/lib.T.M",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"main.main":                   "main.main",
		"main.main.func1":             "main.main +",
		"main.main.func1.2":           "main.main +",
		"main.main.gowrap3":           "main.main +",
		"main.(*T).M.deferwrap1":      "main.(*T).M +",
		"example.com/a/x.func1":       "example.com/a/x.func1", // a function named func1
		"example.com/a.b/x.func2":     "example.com/a.b/x.func2",
		"example.com/a.b/x.F.func2":   "example.com/a.b/x.F +",
		"example.com/a/x.functional":  "example.com/a/x.functional",
		"p/q.gohotFn_main_g0.func1.1": "p/q.gohotFn_main_g0 +",
	} {
		got, closure := trimClosure(in)
		if closure {
			got += " +"
		}
		if got != want {
			t.Errorf("trimClosure(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMainName(t *testing.T) {
	defer func(f func() string) { mainPath = f }(mainPath)
	for _, c := range []struct{ mainPath, display, want string }{
		{"example.com/app", "example.com/app.handler", "main.handler"},
		{"example.com/app", "example.com/app.T.M", "main.T.M"},
		{"example.com/app", "example.com/app/store.handler", ""},
		{"example.com/app", "main.greet", ""},
		{"", "example.com/app/store.handler", "main.handler"}, // unknown main path: every candidate
	} {
		mainPath = func() string { return c.mainPath }
		got, ok := mainName(c.display)
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("main %q: mainName(%q) = %q, want %q", c.mainPath, c.display, got, c.want)
		}
	}
}

func TestParseStacks(t *testing.T) {
	dump := `goroutine 7 [running]:
github.com/x/agent.scan(...)
	/src/agent/oldcode.go:120 +0x55
created by main.start in goroutine 1
	/src/main.go:9 +0x25

goroutine 1 [IO wait, 5 minutes]:
internal/poll.runtime_pollWait(0x7f, 0x72)
	/go/src/runtime/netpoll.go:351 +0x85
example.com/app/store.(*counter).add(...)
	/src/store/store.go:24
main.main()
	/src/main.go:31 +0x1d

goroutine 9 [chan receive]:
main.main.func1()
	/src/main.go:40 +0x2a
created by main.main in goroutine 1
	/src/main.go:39 +0x4f
`
	gs := parseStacks([]byte(dump))
	if len(gs) != 3 {
		t.Fatalf("%d goroutines: %+v", len(gs), gs)
	}
	g := gs[1]
	if g.id != 1 || g.state != "IO wait, 5 minutes" || len(g.frames) != 3 {
		t.Fatalf("goroutine 1: %+v", g)
	}
	if f := g.frames[1]; f.fn != "example.com/app/store.(*counter).add" || f.file != "/src/store/store.go" || f.line != 24 {
		t.Errorf("inlined frame: %+v", f)
	}
	if f := g.frames[2]; f.fn != "main.main" || f.line != 31 {
		t.Errorf("main frame: %+v", f)
	}
	if len(gs[0].frames) != 1 || len(gs[2].frames) != 1 || gs[2].frames[0].fn != "main.main.func1" {
		t.Errorf("created-by lines taken as frames: %+v %+v", gs[0], gs[2])
	}
}

// Functions the scan test parks goroutines in.

//go:noinline
func parkHere(ch chan struct{}) { <-ch }

//go:noinline
func notParked() int { return 1 }

type parker struct{ ch chan struct{} }

//go:noinline
func (p *parker) wait() { <-p.ch }

//go:noinline
func genericPark[T any](ch chan T) { <-ch }

//go:noinline
func startClosure(ch chan struct{}, started *sync.WaitGroup) {
	go func() {
		started.Done()
		<-ch
	}()
}

// fwdHost stands for a host function whose prologue forwards to a patch
// version (fwdNew), and oldVersion for a patch version replaced since.
//
//go:noinline
func fwdHost(ch chan struct{}) { fwdNew(ch) }

//go:noinline
func fwdNew(ch chan struct{}) { <-ch }

//go:noinline
func oldVersion(ch chan struct{}) { <-ch }

//go:noinline
func passingThrough(d time.Duration) { time.Sleep(d) }

// litVersion is a patch version that is a function literal (as a generic
// slot's values often are).
var litVersion = func(ch chan struct{}) { <-ch }

const self = "github.com/gohot/rules_go_hot/runtime/agent."

func TestOldCodeScan(t *testing.T) {
	defer func(d time.Duration) { confirmDelay = d }(confirmDelay)
	confirmDelay = 300 * time.Millisecond

	ch := make(chan struct{})
	defer close(ch)
	var started sync.WaitGroup
	started.Add(9)
	for _, f := range []func(){
		func() { parkHere(ch) },
		func() { parkHere(ch) },
		func() { (&parker{ch}).wait() },
		func() { genericPark(make(chan int)) },
		func() { fwdHost(ch) },
		func() { oldVersion(ch) },
		func() { passingThrough(50 * time.Millisecond) },
		func() { litVersion(ch) },
	} {
		go func() { started.Done(); f() }()
	}
	startClosure(ch, &started)
	started.Wait()
	time.Sleep(10 * time.Millisecond) // let them block

	// One slot per function: a non-nil word means the host's copy is
	// replaced; fwd's slot holds fwdNew, and held oldVersion before.
	var slots [8]unsafe.Pointer
	word := unsafe.Pointer(&slots) // any non-nil value
	a := newAgent(Options{})
	name := func(f any) string { return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name() }
	fwdCodes := []string{name(fwdNew)}
	a.recordCodes([]change{{addr: unsafe.Pointer(&slots[4]), word: unsafe.Pointer(&slots[6]), codes: []string{name(oldVersion)}}})
	a.recordCodes([]change{{addr: unsafe.Pointer(&slots[7]), word: unsafe.Pointer(&slots[5]), codes: []string{name(litVersion)}}})
	changes := []change{
		{addr: unsafe.Pointer(&slots[0]), word: word, name: self + "parkHere"},
		{addr: unsafe.Pointer(&slots[1]), word: word, name: self + "notParked"},
		{addr: unsafe.Pointer(&slots[2]), word: word, name: self + "parker.wait"},
		{addr: unsafe.Pointer(&slots[3]), word: word, name: self + "genericPark"},
		{addr: unsafe.Pointer(&slots[4]), word: word, name: self + "fwdHost", codes: fwdCodes},
		{addr: unsafe.Pointer(&slots[5]), word: word, name: self + "startClosure"},
		{addr: unsafe.Pointer(&slots[7]), word: word, name: self + "passingThrough"},
		// A slot back to the host's code (nil): the host's frames are
		// current code, not old.
		{addr: unsafe.Pointer(&slots[6]), word: nil, name: self + "parkHere2"},
	}
	changes[4].word = unsafe.Pointer(&fwdCodes)
	a.recordCodes(changes)
	start := time.Now()
	old, notes := a.oldCode(changes)
	t.Logf("scan took %v", time.Since(start))
	got := map[string]protocol.OldCode{}
	for _, o := range old {
		got[strings.TrimPrefix(o.Function, self)] = o
	}
	for _, n := range notes {
		t.Logf("note: %s", n)
	}
	want := map[string][2]int{ // goroutines, closures
		"parkHere":     {2, 0},
		"parker.wait":  {1, 0},
		"genericPark":  {1, 0},
		"fwdHost":      {1, 0}, // the goroutine in oldVersion, a replaced patch version; not the forwarding frame
		"startClosure": {0, 1},
		// The goroutine in litVersion, a replaced patch version that is
		// a function literal: inside old code, not a closure of it.
		"passingThrough": {1, 0},
	}
	for f, w := range want {
		o, ok := got[f]
		if !ok {
			t.Errorf("%s: not reported; got %+v", f, old)
			continue
		}
		if o.Goroutines != w[0] || o.Closures != w[1] {
			t.Errorf("%s: %+v, want %d goroutines, %d closures", f, o, w[0], w[1])
		}
	}
	for f := range got {
		if _, ok := want[f]; !ok {
			t.Errorf("%s reported: %+v", f, got[f])
		}
	}
	if len(notes) != len(old) {
		t.Fatalf("%d notes for %d functions: %q", len(notes), len(old), notes)
	}
	for _, n := range notes {
		if strings.Contains(n, "\n") || !strings.Contains(n, "until") || !strings.Contains(n, "restart") {
			t.Errorf("note %q", n)
		}
		if strings.HasPrefix(n, self+"parkHere:") && !strings.Contains(n, "2 goroutines are still inside its old code (goroutine ") {
			t.Errorf("note %q", n)
		}
	}

	// Over the limit: no scan, a note that says so.
	t.Setenv(protocol.EnvScanLimit, "3")
	if old, notes := a.oldCode(changes); old != nil || len(notes) != 1 || !strings.Contains(notes[0], "were not looked for: this process has ") {
		t.Errorf("over the limit: %+v %q", old, notes)
	}
	t.Setenv(protocol.EnvScanLimit, "-1")

	// Nothing parked in what a switch changed: no scan delay, no notes.
	start = time.Now()
	if old, notes := a.oldCode(changes[1:2]); old != nil || notes != nil || time.Since(start) >= confirmDelay {
		t.Errorf("notParked: %+v %q (%v)", old, notes, time.Since(start))
	}
}
