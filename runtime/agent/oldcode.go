package agent

// Goroutines still inside replaced code (invariant 7: "applied" means
// observable). Switching a slot redirects the *next* call of a function; a
// goroutine already executing the old body (main.main blocked in
// ListenAndServe, a worker's `for { job := <-ch; ... }`, a connection's read
// loop) keeps running it until it returns, and so does a closure made by
// the old body. After each switch the agent reads every goroutine's stack
// (runtime.Stack) and reports, per switched function, the goroutines with
// a frame in a version of it that the switch replaced.
//
// Which frames are "old code":
//   - the host binary's copy of F (frames named like the display name
//     "pkg.T.M", spelled "pkg.(*T).M" or "pkg.Max[...]" by the runtime),
//     when the slot now holds a patch's function. A host frame whose callee
//     is a patch's version of F is only F's prologue forwarding the call:
//     that goroutine runs patched code and is not counted;
//   - a patch's copy of F (its exact runtime name, from runtime.FuncForPC of
//     the value stored in the slot) that the slot no longer holds;
//   - closures (F.func1, F.gowrap1, F.func1.2, ...) of either.
//
// A goroutine passing through patched code at the moment of the switch
// (a request being served) is not "parked": the stacks are read twice,
// confirmDelay apart, and only goroutines that are in the same function's
// old code both times are reported.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// confirmDelay separates the two stack reads; maxStackDump caps the
// buffer of one read (a process with very many goroutines is scanned in
// part, and the note says so).
var (
	confirmDelay = 20 * time.Millisecond
	maxStackDump = 64 << 20
)

// scanLimit is the default of protocol.EnvScanLimit: above this many
// goroutines the scan is skipped (and a note says so). runtime.Stack stops
// the world for about 4 µs per goroutine (measured: 10,000 parked
// goroutines, 38 ms).
const scanLimit = 10000

// codeNames returns the runtime names of the code a slot value holds: the
// function of a func value, the functions of a generic slot's
// *[]interface{}. Stored with each change, they identify a patch's frames.
func codeNames(v any) []string {
	var out []string
	add := func(fv reflect.Value) {
		if fv.Kind() != reflect.Func || fv.IsNil() {
			return
		}
		if f := runtime.FuncForPC(fv.Pointer()); f != nil {
			out = append(out, f.Name())
		}
	}
	rv := reflect.ValueOf(v)
	switch {
	case !rv.IsValid():
	case rv.Kind() == reflect.Func:
		add(rv)
	case rv.Type() == genericSlot && !rv.IsNil():
		for _, e := range *(v.(*[]interface{})) {
			if e != nil {
				add(reflect.ValueOf(e))
			}
		}
	}
	return out
}

// watched is one switched function as the scanner looks for it.
type watched struct {
	name    string          // display name, e.g. "example.com/app/store.counter.add"
	hostOld bool            // the host's copy was replaced (the slot holds a patch's function)
	old     map[string]bool // runtime names of patch versions the slot no longer holds
	all     map[string]bool // runtime names of every patch version ever set (forwarding check)
}

// watchList describes the functions a switch changed, for the scan. The
// caller holds a.mu, after a.set(changes).
func (a *Agent) watchList(changes []change) []*watched {
	var ws []*watched
	for _, c := range changes {
		w := &watched{name: c.name, hostOld: c.word != nil, old: map[string]bool{}, all: map[string]bool{}}
		cur := map[string]bool{}
		for _, n := range a.wordCodes[c.word] {
			cur[n] = true
		}
		for n := range a.slotCodes[c.addr] {
			w.all[n] = true
			if !cur[n] {
				w.old[n] = true
			}
		}
		ws = append(ws, w)
	}
	return ws
}

// sighting is one goroutine seen in old code of one function.
type sighting struct {
	closure bool   // in a closure of the old code, not its body
	state   string // the goroutine's wait reason, e.g. "IO wait, 5 minutes"
	where   string // file:line of the frame
}

// scan reads all goroutines' stacks except the caller's and returns, per
// watched function (index), the goroutines (by id) in its old code.
func scan(ws []*watched) (map[int]map[int]sighting, bool) {
	host := map[string]*watched{}
	plugin := map[string]*watched{}
	mainNames := map[string]*watched{} // "main.f" → the watched "<main package path>.f"
	for _, w := range ws {
		if w.hostOld {
			host[w.name] = w
			if m, ok := mainName(w.name); ok {
				if _, dup := mainNames[m]; dup {
					mainNames[m] = nil // ambiguous without the main package's path
				} else {
					mainNames[m] = w
				}
			}
		}
		for n := range w.all {
			plugin[n] = w
		}
	}
	for m, w := range mainNames {
		if _, ok := host[m]; !ok && w != nil {
			host[m] = w
		}
	}
	index := map[*watched]int{}
	for i, w := range ws {
		index[w] = i
	}
	dump, complete := stacks()
	out := map[int]map[int]sighting{}
	for i, g := range parseStacks(dump) {
		if i == 0 {
			continue // the agent's own goroutine (runtime.Stack lists the caller first)
		}
		for j, f := range g.frames {
			if isWrapper(f.fn) {
				continue // go/defer wrappers only call their target: no user code of theirs runs
			}
			base, closure := trimClosure(f.fn)
			if plugin[f.fn] != nil {
				base, closure = f.fn, false // a patch's value may itself be a function literal
			}
			var w *watched
			if pw := plugin[base]; pw != nil {
				if !pw.old[base] {
					continue // the patch version the slot holds now
				}
				w = pw
			} else if hw := host[normalize(base)]; hw != nil {
				if !closure && j > 0 && hw.all[g.frames[j-1].fn] {
					continue // the prologue forwarding to a patch version
				}
				w = hw
			} else {
				continue
			}
			k := index[w]
			if out[k] == nil {
				out[k] = map[int]sighting{}
			}
			if s, seen := out[k][g.id]; seen && !s.closure {
				continue // the innermost body frame is the one to name
			}
			out[k][g.id] = sighting{closure: closure, state: g.state, where: filepath.Base(f.file) + ":" + strconv.Itoa(f.line)}
		}
	}
	return out, complete
}

// stacks returns runtime.Stack(all) in a buffer grown until it fits (up to
// maxStackDump; complete is false if that was not enough). Each call of
// runtime.Stack stops the world while it prints every goroutine, so the
// buffer starts at a size that usually fits at once.
func stacks() (dump []byte, complete bool) {
	size := 64 << 10
	for size < maxStackDump && size < runtime.NumGoroutine()<<10 {
		size *= 2
	}
	buf := make([]byte, size)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n], true
		}
		if len(buf) >= maxStackDump {
			return buf[:n], false
		}
		buf = make([]byte, 2*len(buf))
	}
}

// oldCode scans for goroutines in the old code of the functions a switch
// changed, confirms the findings after confirmDelay, and returns them with
// one note per function. The caller holds a.mu, after a.set(changes).
func (a *Agent) oldCode(changes []change) ([]protocol.OldCode, []string) {
	ws := a.watchList(changes)
	if len(ws) == 0 {
		return nil, nil
	}
	limit := scanLimit
	if v, err := strconv.Atoi(os.Getenv(protocol.EnvScanLimit)); err == nil {
		limit = v
	}
	if n := runtime.NumGoroutine(); limit >= 0 && n > limit {
		return nil, []string{fmt.Sprintf("goroutines still inside replaced code were not looked for: this process has %d goroutines, and reading their stacks would stop it for roughly %d ms (%s=%d; raise it, or -1, to scan anyway)",
			n, n*4/1000, protocol.EnvScanLimit, limit)}
	}
	first, complete := scan(ws)
	if len(first) == 0 {
		return nil, incomplete(complete)
	}
	time.Sleep(confirmDelay)
	second, complete2 := scan(ws)
	var out []protocol.OldCode
	var notes []string
	for k, w := range ws {
		var body, clos []int
		for id, s := range second[k] {
			if f, ok := first[k][id]; !ok || f.closure != s.closure {
				continue // passing through at the switch, not parked
			}
			if s.closure {
				clos = append(clos, id)
			} else {
				body = append(body, id)
			}
		}
		if len(body)+len(clos) == 0 {
			continue
		}
		sort.Ints(body)
		sort.Ints(clos)
		oc := protocol.OldCode{Function: w.name, Goroutines: len(body), Closures: len(clos)}
		for _, id := range append(append([]int(nil), body...), clos...) {
			s := second[k][id]
			oc.Where = append(oc.Where, fmt.Sprintf("goroutine %d [%s] at %s", id, s.state, s.where))
			if len(oc.Where) == 3 {
				break
			}
		}
		out = append(out, oc)
		notes = append(notes, oldCodeNote(oc, second[k], body, clos))
	}
	return out, append(notes, incomplete(complete && complete2)...)
}

func incomplete(complete bool) []string {
	if complete {
		return nil
	}
	return []string{fmt.Sprintf("the goroutine scan read only the first %d MB of stacks: goroutines still inside replaced code may be missing from these notes", maxStackDump>>20)}
}

// oldCodeNote is the one-line note for one function.
func oldCodeNote(oc protocol.OldCode, seen map[int]sighting, body, clos []int) string {
	var parts []string
	if len(body) > 0 {
		s := seen[body[0]]
		parts = append(parts, fmt.Sprintf("%d %s still inside its old code (goroutine %d [%s] at %s%s)",
			len(body), verb(len(body), "goroutine is", "goroutines are"), body[0], s.state, s.where, more(len(body))))
	}
	if len(clos) > 0 {
		s := seen[clos[0]]
		parts = append(parts, fmt.Sprintf("%d %s running a function literal made by its old code (goroutine %d [%s] at %s%s)",
			len(clos), verb(len(clos), "goroutine is", "goroutines are"), clos[0], s.state, s.where, more(len(clos))))
	}
	return fmt.Sprintf("%s: %s: %s the old code until %s; restart (or make %s return) to run the new %s",
		oc.Function, strings.Join(parts, "; "), verb(len(body)+len(clos), "it keeps running", "they keep running"),
		verb(len(body)+len(clos), "it returns", "they return"), verb(len(body)+len(clos), "it", "them"), shortName(oc.Function))
}

func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func more(n int) string {
	if n > 1 {
		return fmt.Sprintf(", and %d more", n-1)
	}
	return ""
}

// shortName drops the import path's directories: "example.com/app/store.counter.add" → "store.counter.add".
func shortName(name string) string {
	return name[strings.LastIndexByte(name[:dotBoundary(name)], '/')+1:]
}

// dotBoundary is the index where a name's package path ends (the first
// '.' after its last '/').
func dotBoundary(name string) int {
	slash := strings.LastIndexByte(name, '/')
	if i := strings.IndexByte(name[slash+1:], '.'); i >= 0 {
		return slash + 1 + i
	}
	return len(name)
}

// mainPath is the import path of this program's main package, as the
// patcher names its functions ("example.com/app.handler"); the runtime
// calls that package "main" ("main.handler").
var mainPath = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Path
	}
	return ""
})

// mainName returns the runtime name of a display name of package main:
// "example.com/app.handler" → "main.handler". When the build recorded no
// main package path (some build systems), every display name gets its
// "main." form, unless two of them would collide.
func mainName(display string) (string, bool) {
	cut := dotBoundary(display)
	pkg, rest := display[:cut], display[cut:]
	if pkg == "main" || rest == "" {
		return "", false
	}
	if mp := mainPath(); mp != "" && mp != "command-line-arguments" {
		return "main" + rest, pkg == mp
	}
	return "main" + rest, true
}

// normalize turns a runtime function name into the display form the
// patcher uses: "pkg.(*T).M" → "pkg.T.M", "pkg.Max[...]" → "pkg.Max",
// "gopkg.in/yaml%2ev3.F" → "gopkg.in/yaml.v3.F".
func normalize(fn string) string {
	if !strings.ContainsAny(fn, "(*)[%") {
		return fn
	}
	fn = strings.ReplaceAll(fn, "%2e", ".")
	var b strings.Builder
	depth := 0
	for i := 0; i < len(fn); i++ {
		switch c := fn[i]; {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth > 0, c == '(', c == ')', c == '*' && i > 0 && fn[i-1] == '(':
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// trimClosure strips the closure suffixes the compiler gives function
// literals and go/defer wrappers ("F.func1", "F.func1.2", "F.gowrap3",
// "F.deferwrap1") and says whether there were any.
func trimClosure(fn string) (string, bool) {
	closure := false
	for {
		i := strings.LastIndexByte(fn, '.')
		if i <= dotBoundary(fn) {
			return fn, closure
		}
		last := fn[i+1:]
		for _, p := range []string{"func", "gowrap", "deferwrap"} {
			if strings.HasPrefix(last, p) && len(last) > len(p) {
				last = last[len(p):]
				break
			}
		}
		if last == "" || strings.Trim(last, "0123456789") != "" {
			return fn, closure
		}
		fn, closure = fn[:i], true
	}
}

// isWrapper tells the compiler's go and defer statement wrappers
// ("F.gowrap1", "F.deferwrap2").
func isWrapper(fn string) bool {
	last := fn[strings.LastIndexByte(fn, '.')+1:]
	for _, p := range []string{"gowrap", "deferwrap"} {
		if strings.HasPrefix(last, p) && len(last) > len(p) && strings.Trim(last[len(p):], "0123456789") == "" {
			return true
		}
	}
	return false
}

// goroutine is one goroutine of a runtime.Stack dump.
type goroutine struct {
	id     int
	state  string
	frames []frame // innermost first; inlined calls are frames too
}

type frame struct {
	fn   string
	file string
	line int
}

// parseStacks parses runtime.Stack output:
//
//	goroutine 1 [IO wait, 2 minutes]:
//	main.main()
//		/src/main.go:31 +0x1d
//	created by main.start in goroutine 1
//		/src/main.go:20 +0x25
func parseStacks(dump []byte) []goroutine {
	var gs []goroutine
	var g *goroutine
	lines := bytes.Split(dump, []byte("\n"))
	for i := 0; i < len(lines); i++ {
		l := string(lines[i])
		switch {
		case strings.HasPrefix(l, "goroutine "):
			rest := l[len("goroutine "):]
			sp := strings.IndexByte(rest, ' ')
			if sp < 0 {
				g = nil
				continue
			}
			id, _ := strconv.Atoi(rest[:sp])
			state := strings.TrimSuffix(strings.TrimSpace(rest[sp:]), ":")
			state = strings.TrimSuffix(strings.TrimPrefix(state, "["), "]")
			gs = append(gs, goroutine{id: id, state: state})
			g = &gs[len(gs)-1]
		case g == nil, l == "", strings.HasPrefix(l, "\t"), strings.HasPrefix(l, "created by "), strings.HasPrefix(l, "..."):
			if strings.HasPrefix(l, "created by ") {
				g = nil // the rest is where it was started, not a frame of it
			}
		default:
			fn := l
			if strings.HasSuffix(l, ")") {
				if p := strings.LastIndexByte(l, '('); p > 0 {
					fn = l[:p]
				}
			}
			fr := frame{fn: fn}
			if i+1 < len(lines) && bytes.HasPrefix(lines[i+1], []byte("\t")) {
				loc := strings.TrimSpace(string(lines[i+1]))
				if sp := strings.LastIndex(loc, " +0x"); sp >= 0 {
					loc = loc[:sp]
				}
				if c := strings.LastIndexByte(loc, ':'); c >= 0 {
					fr.file = loc[:c]
					fr.line, _ = strconv.Atoi(loc[c+1:])
				}
				i++
			}
			g.frames = append(g.frames, fr)
		}
	}
	return gs
}

// recordCodes remembers the runtime names of the code each change stores,
// per slot and per value; the caller holds a.mu.
func (a *Agent) recordCodes(changes []change) {
	for _, c := range changes {
		if c.word == nil || len(c.codes) == 0 {
			continue
		}
		a.wordCodes[c.word] = c.codes
		m := a.slotCodes[c.addr]
		if m == nil {
			m = map[string]bool{}
			a.slotCodes[c.addr] = m
		}
		for _, n := range c.codes {
			m[n] = true
		}
	}
}
