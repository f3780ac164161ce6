package agent

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"plugin"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// The symbols a patch plugin's package main exports.
const (
	symSlots = protocol.PatchSlotsSymbol // []any: slot pointer, new value, slot pointer, ...
	symNames = protocol.PatchNamesSymbol // []string: one display name per pair
)

type generation struct {
	info  protocol.Generation
	state map[unsafe.Pointer]unsafe.Pointer // slot address → value (its one word)
}

// loadedPlugin is a plugin opened before, by content (SHA-256).
type loadedPlugin struct {
	patchID string
	panic   string // the init panic, if any: such a plugin is never opened again
	wedged  bool   // its init did not return in time: never opened again
	p       *plugin.Plugin
}

// change is one validated pair: the slot's address and the word to store.
type change struct {
	addr  unsafe.Pointer
	word  unsafe.Pointer
	name  string
	codes []string // runtime names of the code word holds (see codeNames)
}

func (a *Agent) current() int { return len(a.gens) - 1 }

// Apply verifies, loads and applies the patch plugin (an absolute path; its
// manifest is plugin+".json"). All its slots switch together, or none.
func (a *Agent) Apply(plugin string) protocol.Response {
	a.applyMu.Lock()
	defer a.applyMu.Unlock()
	t0 := time.Now()
	if plugin == "" || !filepath.IsAbs(plugin) || filepath.Clean(plugin) != plugin {
		return a.refusal(protocol.CodeBadRequest, "apply needs the plugin's absolute, clean path, got %q", plugin)
	}
	data, m, code, err := readManifest(plugin)
	if err != nil {
		return a.refusal(code, "%v", err)
	}
	a.applying.Store(&protocol.Applying{PatchID: m.PatchID, Plugin: plugin, Since: t0.UTC().Format(time.RFC3339Nano)})
	defer a.applying.Store(nil)
	if err := checkSignature(data, plugin); err != nil {
		return a.refusal(protocol.CodeSignature, "patch %s: %v; nothing was loaded", plugin, err)
	}
	id, err := a.buildID()
	if err != nil {
		return a.refusal(protocol.CodeMismatch, "%v; cannot verify patch %s, refusing it", err, plugin)
	}
	if err := verify(m, id, basePackages); err != nil {
		return a.refusal(protocol.CodeMismatch, "patch %s: %v", plugin, err)
	}

	t1 := time.Now()
	p, code, err := a.open(plugin, m)
	if err != nil {
		return a.refusal(code, "%v", err)
	}
	changes, err := lookupChanges(p)
	if err != nil {
		return a.refusal(protocol.CodeInvalid, "patch %s: %v; nothing was switched", plugin, err)
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	t2 := time.Now()
	a.set(changes)
	funcs := m.Functions
	if len(funcs) == 0 {
		for _, c := range changes {
			funcs = append(funcs, c.name)
		}
	}
	a.record(protocol.Generation{Kind: protocol.KindApply, PatchID: m.PatchID, Plugin: plugin, Functions: funcs})
	t3 := time.Now()
	old, notes := a.oldCode(changes)
	return protocol.Response{
		OK: true, Gen: a.current(), Functions: funcs,
		VerifyMS: ms(t1.Sub(t0)), LoadMS: ms(t2.Sub(t1)), ApplyMS: ms(t3.Sub(t2)),
		ScanMS: ms(time.Since(t3)), OldCode: old, Notes: notes,
	}
}

// verify checks a manifest against this executable's build ID and package
// table (nil: no table, only the build ID is checked). A plugin can never
// be unloaded, so everything checkable is checked before plugin.Open.
func verify(m *protocol.Manifest, buildID string, table map[string]string) error {
	if m.BaseBuildID != buildID {
		return fmt.Errorf("built for build ID %q, but this process is build ID %q: rebuild the patch against this binary, or restart from the binary it was built for", m.BaseBuildID, buildID)
	}
	if table == nil {
		return nil
	}
	var bad []string
	for _, pkg := range sortedKeys(m.Packages) {
		want := m.Packages[pkg]
		have, ok := table[pkg]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("package %s (hash %s in the patch) is not part of this build", pkg, want))
		case have != want:
			bad = append(bad, fmt.Sprintf("package %s differs: the patch was built against hash %s, this process has hash %s", pkg, want, have))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s; rebuild the patch from this binary's own package archives", strings.Join(bad, "; "))
	}
	return nil
}

// initTimeout is how long the agent waits for a plugin's init
// (GOHOT_INIT_TIMEOUT overrides it).
func initTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(protocol.EnvInitTimeout)); err == nil && d > 0 {
		return d
	}
	return protocol.DefaultInitTimeout
}

// open loads the verified private copy of the plugin (load.go,
// elfcheck.go). Plugins are remembered by content: the same bytes are
// opened once (Open of a second copy would fail, its plugin path being
// loaded), and a plugin whose init panicked or never returned is never
// opened again (Open would block forever on it).
func (a *Agent) open(path string, m *protocol.Manifest) (*plugin.Plugin, string, error) {
	if l, ok := a.loaded[m.SHA256]; ok {
		switch {
		case l.panic != "":
			return nil, protocol.CodeInitPanic, fmt.Errorf("patch %s: its init panicked when it was loaded before (%s); build a new patch", path, l.panic)
		case l.wedged:
			return nil, protocol.CodeInitTimeout, fmt.Errorf("patch %s: its init did not return when it was loaded before (patch %q); build a new patch, and restart the process to be rid of the old one", path, l.patchID)
		}
		// Loaded before, but the file must still be what the manifest
		// vouches for: applying it again is asking for those bytes.
		if code, err := copyVerified(path, m, io.Discard); err != nil {
			return nil, code, err
		}
		return l.p, "", nil
	}
	cp, cleanup, code, err := privateCopy(path, m)
	if err != nil {
		return nil, code, err
	}
	// A loaded plugin's copy stays while the process lives: a debugger
	// attached later reads the patch's DWARF from the file the process
	// mapped (delve: "no such file" for an unlinked one), and it costs no
	// disk the mapping does not hold anyway. Anything else goes at once.
	keep := false
	defer func() {
		if !keep {
			cleanup()
		}
	}()
	if err := checkELF(cp, m.Size); err != nil {
		return nil, protocol.CodeNotPlugin, fmt.Errorf("patch %s is not a plugin this process can load: %v; nothing was loaded", path, err)
	}

	type opened struct {
		p     *plugin.Plugin
		err   error
		panic string
	}
	done := make(chan opened, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- opened{panic: fmt.Sprint(r)}
			}
		}()
		p, err := plugin.Open(cp)
		done <- opened{p: p, err: err}
	}()
	limit := initTimeout()
	var o opened
	select {
	case o = <-done:
	case <-time.After(limit):
		a.loaded[m.SHA256] = loadedPlugin{patchID: m.PatchID, wedged: true}
		return nil, protocol.CodeInitTimeout, fmt.Errorf("patch %s: its init has not returned after %v; nothing was switched. It keeps running in its own goroutine (a plugin cannot be unloaded): fix the patch's package-level initializers or init functions, and restart the process to be rid of it (%s sets the limit)", path, limit, protocol.EnvInitTimeout)
	}
	if o.panic != "" {
		a.loaded[m.SHA256] = loadedPlugin{patchID: m.PatchID, panic: o.panic}
		return nil, protocol.CodeInitPanic, fmt.Errorf("patch %s: its init panicked: %s; nothing was switched (the plugin stays loaded but unused; plugins cannot be unloaded)", path, o.panic)
	}
	if o.err != nil {
		hint := "check that it was built by the same hotreload and Go toolchain, against this binary's build"
		if strings.Contains(o.err.Error(), "plugin already loaded") {
			hint = "another loaded patch has the same import path; every patch needs a unique one"
		}
		return nil, protocol.CodeLoad, fmt.Errorf("patch %s does not load: %v; %s", path, o.err, hint)
	}
	a.loaded[m.SHA256] = loadedPlugin{patchID: m.PatchID, p: o.p}
	keep = true
	return o.p, "", nil
}

// lookupChanges reads the plugin's pairs and validates every one of them;
// nothing is switched unless all are valid.
func lookupChanges(p *plugin.Plugin) ([]change, error) {
	s, err := p.Lookup(symSlots)
	if err != nil {
		return nil, fmt.Errorf("no %s variable in the plugin's package main", symSlots)
	}
	pairs, ok := s.(*[]any)
	if !ok {
		return nil, fmt.Errorf("%s has type %T, want []any", symSlots, s)
	}
	n, err := p.Lookup(symNames)
	if err != nil {
		return nil, fmt.Errorf("no %s variable in the plugin's package main", symNames)
	}
	names, ok := n.(*[]string)
	if !ok {
		return nil, fmt.Errorf("%s has type %T, want []string", symNames, n)
	}
	return validate(*pairs, *names)
}

var genericSlot = reflect.TypeFor[*[]interface{}]()

// validate turns (slot pointer, value) pairs into changes. A slot is a func
// variable or, for a generic function, a *[]interface{} variable; the value
// must be assignable to it, or nil (back to the original code).
func validate(pairs []any, names []string) ([]change, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("%s has %d elements; want pairs (slot pointer, value)", symSlots, len(pairs))
	}
	if len(names) != len(pairs)/2 {
		return nil, fmt.Errorf("%s has %d names for %d pairs", symNames, len(names), len(pairs)/2)
	}
	var out []change
	seen := map[unsafe.Pointer]bool{}
	for i := 0; i < len(pairs); i += 2 {
		name := names[i/2]
		pv := reflect.ValueOf(pairs[i])
		if pv.Kind() != reflect.Pointer || pv.IsNil() {
			return nil, fmt.Errorf("pair %d (%s): %T is not a pointer to a slot variable", i/2, name, pairs[i])
		}
		t := pv.Type().Elem()
		if t.Kind() != reflect.Func && t != genericSlot {
			return nil, fmt.Errorf("pair %d (%s): points to a %s, not a slot (a func variable or a *[]interface{})", i/2, name, t)
		}
		// Build the value in a variable of the slot's own type, so that
		// the switch can store it as the one word it is.
		nv := reflect.New(t)
		if v := pairs[i+1]; v != nil {
			vv := reflect.ValueOf(v)
			if !vv.Type().AssignableTo(t) {
				return nil, fmt.Errorf("pair %d (%s): value of type %s does not fit the slot of type %s", i/2, name, vv.Type(), t)
			}
			nv.Elem().Set(vv)
		}
		addr := pv.UnsafePointer()
		if seen[addr] {
			return nil, fmt.Errorf("pair %d (%s): slot set twice", i/2, name)
		}
		seen[addr] = true
		out = append(out, change{addr: addr, word: *(*unsafe.Pointer)(nv.UnsafePointer()), name: name, codes: codeNames(pairs[i+1])})
	}
	return out, nil
}

// set switches the slots in one pass, one atomic store per slot. Callers
// running at the same time may see some slots switched and others not yet
// (for the few nanoseconds per slot that the pass takes): this is not a
// stop-the-world switch. The caller holds a.mu.
func (a *Agent) set(changes []change) {
	for _, c := range changes {
		if _, ok := a.base[c.addr]; !ok {
			a.base[c.addr] = atomic.LoadPointer((*unsafe.Pointer)(c.addr))
		}
		a.names[c.addr] = c.name
	}
	a.recordCodes(changes)
	for _, c := range changes {
		atomic.StorePointer((*unsafe.Pointer)(c.addr), c.word)
	}
}

// record appends a generation whose state is the current slot values.
func (a *Agent) record(info protocol.Generation) {
	state := make(map[unsafe.Pointer]unsafe.Pointer, len(a.base))
	for addr := range a.base {
		state[addr] = atomic.LoadPointer((*unsafe.Pointer)(addr))
	}
	info.Gen = len(a.gens)
	info.Time = time.Now().Format(time.RFC3339Nano)
	if info.Functions == nil {
		info.Functions = []string{}
	}
	a.gens = append(a.gens, generation{info: info, state: state})
}

// Revert restores every slot the agent ever touched to its value at
// generation *gen (nil: the generation before the current one), recorded
// as a new generation so that the revert itself can be undone.
func (a *Agent) Revert(gen *int) protocol.Response {
	a.mu.Lock()
	defer a.mu.Unlock()
	t0 := time.Now()
	k := a.current() - 1
	if gen != nil {
		k = *gen
	}
	if k < 0 || k > a.current() {
		return a.fail(protocol.CodeNotFound, "no generation %d to revert to: this process is at generation %d (0 is the base)", k, a.current())
	}
	target := a.gens[k].state
	var changes []change
	for addr, word := range a.base {
		if w, ok := target[addr]; ok {
			word = w
		}
		if atomic.LoadPointer((*unsafe.Pointer)(addr)) != word {
			changes = append(changes, change{addr: addr, word: word, name: a.names[addr]})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].name < changes[j].name })
	a.set(changes)
	funcs := []string{}
	for _, c := range changes {
		funcs = append(funcs, c.name)
	}
	a.record(protocol.Generation{Kind: protocol.KindRevert, To: &k, Functions: funcs})
	t1 := time.Now()
	old, notes := a.oldCode(changes)
	return protocol.Response{OK: true, Gen: a.current(), Functions: funcs, ApplyMS: ms(t1.Sub(t0)), ScanMS: ms(time.Since(t1)), OldCode: old, Notes: notes}
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d.Nanoseconds())/100) / 1e4 // 0.1 µs resolution
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
