package agent

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
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

type loadedPlugin struct {
	patchID string
	size    int64
	mtime   time.Time
	panic   string // the init panic, if any: such a plugin is never opened again
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
	a.mu.Lock()
	defer a.mu.Unlock()
	t0 := time.Now()
	if plugin == "" || !filepath.IsAbs(plugin) {
		return a.fail(protocol.CodeBadRequest, "apply needs the plugin's absolute path, got %q", plugin)
	}
	m, err := protocol.ReadManifest(protocol.ManifestPath(plugin))
	if errors.Is(err, fs.ErrNotExist) {
		return a.fail(protocol.CodeNotFound, "no manifest %s: a patch is a plugin plus its manifest; build it with the patcher", protocol.ManifestPath(plugin))
	} else if err != nil {
		return a.fail(protocol.CodeInvalid, "%v", err)
	}
	id, err := a.buildID()
	if err != nil {
		return a.fail(protocol.CodeMismatch, "%v; cannot verify patch %s, refusing it", err, plugin)
	}
	if err := verify(m, id, basePackages); err != nil {
		return a.fail(protocol.CodeMismatch, "patch %s: %v", plugin, err)
	}
	fi, err := os.Stat(plugin)
	if err != nil {
		return a.fail(protocol.CodeNotFound, "patch plugin: %v", err)
	}

	t1 := time.Now()
	p, code, err := a.open(plugin, m, fi)
	if err != nil {
		return a.fail(code, "%v", err)
	}
	changes, err := lookupChanges(p)
	if err != nil {
		return a.fail(protocol.CodeInvalid, "patch %s: %v; nothing was switched", plugin, err)
	}

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

// open loads the plugin, refusing what plugin.Open would mishandle: a file
// loaded before under another patch or with other contents (Open would
// return the first plugin again), and a plugin whose init panicked (Open
// would block forever on it).
func (a *Agent) open(path string, m *protocol.Manifest, fi os.FileInfo) (p *plugin.Plugin, code string, err error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		real = path
	}
	if l, ok := a.loaded[real]; ok {
		if l.panic != "" {
			return nil, protocol.CodeInitPanic, fmt.Errorf("patch %s: its init panicked when it was loaded before (%s); build a new patch", path, l.panic)
		}
		if l.patchID != m.PatchID || l.size != fi.Size() || !l.mtime.Equal(fi.ModTime()) {
			return nil, protocol.CodeLoad, fmt.Errorf("plugin file %s was already loaded (patch %q) and has been replaced since; a loaded plugin cannot be unloaded or reloaded: write each patch to a new file", path, l.patchID)
		}
		return l.p, "", nil
	}
	rec := loadedPlugin{patchID: m.PatchID, size: fi.Size(), mtime: fi.ModTime()}
	defer func() {
		if r := recover(); r != nil {
			rec.panic = fmt.Sprint(r)
			a.loaded[real] = rec
			p, code = nil, protocol.CodeInitPanic
			err = fmt.Errorf("patch %s: its init panicked: %s; nothing was switched (the plugin stays loaded but unused; plugins cannot be unloaded)", path, rec.panic)
		}
	}()
	// The process maps the file it opens for as long as it runs: a file
	// rewritten in place later (a patch rebuilt at the same path) would
	// change the code and data under the running program, and the GC
	// would scan garbage. Open a private copy, unlinked once mapped.
	open := path
	if cp, err := privateCopy(path); err == nil {
		open = cp
		defer os.Remove(cp)
	}
	p, err = plugin.Open(open)
	if err != nil {
		hint := "check that it was built by the same hotreload and Go toolchain, against this binary's build"
		if strings.Contains(err.Error(), "plugin already loaded") {
			hint = "another loaded patch has the same import path; every patch needs a unique one"
		}
		return nil, protocol.CodeLoad, fmt.Errorf("patch %s does not load: %v; %s", path, err, hint)
	}
	rec.p = p
	a.loaded[real] = rec
	return p, "", nil
}

// privateCopy copies the plugin file to a new file beside it (or, if its
// directory is not writable, in the temporary directory) that nothing
// else knows of.
func privateCopy(path string) (string, error) {
	src, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer src.Close()
	var dst *os.File
	for _, dir := range []string{filepath.Dir(path), os.TempDir()} {
		if dst, err = os.CreateTemp(dir, ".gohot-loaded-*.so"); err == nil {
			break
		}
	}
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(dst.Name())
		return "", err
	}
	if err := dst.Close(); err != nil {
		os.Remove(dst.Name())
		return "", err
	}
	return dst.Name(), nil
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
