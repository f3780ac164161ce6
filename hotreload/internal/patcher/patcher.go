package patcher

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// Builder builds patches against one kit. Patches are cumulative: each
// one carries every change since the base, and resets the functions that
// earlier patches changed and the sources no longer do.
type Builder struct {
	Kit     *kit.Kit
	WorkDir string // where patches are written
	// AddPackages, if set, adds to the kit the archives of packages the
	// program does not contain yet, so that a patch can import them (it
	// links them in). Without it, such an import is a compile error.
	AddPackages func(importPaths []string) error

	touched map[string]slotRef // every slot a built patch of this builder set
	ever    map[string]slotRef // touched, and the slots reset since (Resync)
	pending map[string]slotRef // slots the patch being built sets
	applied string             // Key of the last patch the program took
	// vars are the variables added by patches the program took, by
	// "import/path.name"; newVars, those the patch being built declares,
	// in patchPath.
	vars      map[string]varHome
	newVars   map[string]varHome
	patchPath string
	fset      *token.FileSet
	imp       types.Importer
	noMold    bool // mold failed to link a patch: GNU ld from then on
	// escapes are the replaced functions of no-escape packages in the
	// patch being built (escape.go); baseEscapes, the escape results of
	// the base's bodies, by package.
	escapes     []escapeCheck
	baseEscapes map[string]map[string]map[int]leaks
	// copies are, by replacement function, the string parameters it
	// copies first thing, for the build of a patch in which they escape
	// further than the base let them (escape.go).
	copies map[string]map[string]bool
	// inlined is what the base inlined without prologues (inlined.go),
	// read once.
	inlined map[string][]inlineCaller
}

// MarkApplied records that the program took the patch res: a later build
// of the same code is then reported Unchanged instead of built again.
// Functions it reset are original again and need no reset in later
// patches (nor a note saying so each time).
func (b *Builder) MarkApplied(res *Result) {
	b.applied = res.Key
	for _, name := range res.resets {
		delete(b.touched, name)
	}
	for k, v := range res.vars {
		b.vars[k] = v
	}
}

// slotRef is how a patch names a slot.
type slotRef struct {
	pkg, slot string
	main      bool
	// typ is, for package main (reached by //go:linkname), the slot's
	// type: each file that declares the slot spells it with its own
	// import names.
	typ types.Type
}

// pair is one entry of the patch's table: the address of a slot and its
// new value, spelled with the import names in imports (path -> name).
type pair struct {
	name         string // the function, for protocol.PatchNamesSymbol
	slot, value  string
	imports      map[string]string
	reset, local bool // local: slot is declared in the patch's own files
}

// Result is the outcome of one patch build.
type Result struct {
	// Plugin and Manifest are set when a patch was built.
	Plugin, Manifest string
	PatchID          string
	// Functions are the functions the patch redirects (or resets).
	Functions []string
	// Refusals, if any, mean no patch: the edits need a restart.
	Refusals []Refusal
	// Notes are things the user should know about an applied patch.
	Notes []string
	// NotLive are the notes (also in Notes) about changes the running
	// program will not show by itself: code that ran only at start-up,
	// function values made by old code (package reach).
	NotLive []string
	// vars are the variables this patch declares (varHome).
	vars map[string]varHome
	// resets are the functions this patch puts back to their original
	// code: once the program took it, later patches leave them alone.
	resets []string
	// Unchanged is true when the code equals what the program runs: the
	// base, or the last patch marked applied.
	Unchanged bool
	// Key identifies the patch's code (not its id or location).
	Key                     string
	Generate, Compile, Link time.Duration
}

// CompileError is an error in the user's new code, with positions.
type CompileError struct {
	Errors []Position
}

// Position is one located message.
type Position struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

func (e *CompileError) Error() string {
	var b strings.Builder
	for i, p := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
	}
	return b.String()
}

// NewBuilder returns a builder for kit k writing patches under workDir.
func NewBuilder(k *kit.Kit, workDir string) *Builder {
	fset := token.NewFileSet()
	return &Builder{Kit: k, WorkDir: workDir, touched: map[string]slotRef{}, ever: map[string]slotRef{}, vars: map[string]varHome{}, fset: fset, imp: importer.ForCompiler(fset, "gc", k.OpenArchive)}
}

// position is where a refusal or an error points: file names relative to
// the main module, as everywhere in hotreload's messages.
func (b *Builder) position(p token.Position) token.Position {
	p.Filename = b.relPath(p.Filename)
	return p
}

// refusal makes a Refusal at p.
func (b *Builder) refusal(p token.Position, decl, reason string) Refusal {
	p = b.position(p)
	return Refusal{File: p.Filename, Line: p.Line, Decl: decl, Reason: reason}
}

// addRefusals appends rs to res, once per cause: one declaration refused
// for one reason is one refusal, however many places show it.
func addRefusals(res *Result, rs ...Refusal) {
	for _, r := range rs {
		dup := false
		for _, have := range res.Refusals {
			if have.Decl == r.Decl && have.Reason == r.Reason {
				dup = true
				break
			}
		}
		if !dup {
			res.Refusals = append(res.Refusals, r)
		}
	}
}

// Build compares the current sources of the main module with the base and
// builds a patch of everything that changed.
func (b *Builder) Build() (*Result, error) {
	res := &Result{}
	start := time.Now()
	// What this build sets becomes part of the builder's history only if
	// it becomes a patch: a refused or failed build leaves no trace.
	b.pending = map[string]slotRef{}
	b.escapes = nil
	// One file set and importer for the builder's life: the kit's
	// archives never change, so what was imported once (net/http's export
	// data takes a while to read) serves every later patch.
	fset, imp := b.fset, b.imp

	var units []*unit
	var paths []string
	for path, p := range b.Kit.Packages {
		if p.Main {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	loaded := map[string]bool{}
	for _, path := range paths {
		u, err := b.loadChanged(fset, imp, b.Kit.Packages[path], len(units), false)
		if err != nil {
			return nil, err
		}
		if u != nil {
			units = append(units, u)
			loaded[path] = true
		}
	}
	// Constants whose value changed: every function that uses one, in
	// any package, is patched again with the new value.
	consts := constSet{}
	for _, u := range units {
		for c := range u.oldConsts {
			if consts[u.path] == nil {
				consts[u.path] = map[string]*types.Const{}
			}
			consts[u.path][c.Name()] = c
		}
	}
	if len(consts) > 0 {
		for _, path := range b.constImporters(consts, loaded) {
			u, err := b.loadChanged(fset, imp, b.Kit.Packages[path], len(units), true)
			if err != nil {
				return nil, err
			}
			units = append(units, u)
		}
	}
	for _, u := range units {
		if u.info != nil && len(u.ch.refusals) == 0 {
			u.consts = consts
			if len(consts) > 0 {
				u.constUsers(consts)
			}
			u.closureChanges()
		}
	}
	// Functions the base inlined a replaced function into, without its
	// prologue: replaced too (inlined.go).
	callers, err := b.inlineCallers(units)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		loaded[u.path] = true
	}
	var more []string
	for path := range callers {
		if !loaded[path] {
			more = append(more, path)
		}
	}
	sort.Strings(more)
	fresh := map[*unit]bool{}
	for _, path := range more {
		u, err := b.loadChanged(fset, imp, b.Kit.Packages[path], len(units), true)
		if err != nil {
			return nil, err
		}
		u.consts = consts
		units = append(units, u)
		fresh[u] = true
	}
	for _, u := range units {
		if u.info != nil && len(u.ch.refusals) == 0 {
			// (A caller replaced for what it inlined has the base's text:
			// none of its literals changed.)
			u.inlineUsers(callers[u.path])
			if fresh[u] {
				u.closureChanges()
			}
			b.reachNotes(u)
		}
		addRefusals(res, u.ch.refusals...)
		res.Notes = append(res.Notes, u.ch.notes...)
		res.NotLive = append(res.NotLive, u.ch.notLive...)
	}
	if len(res.Refusals) > 0 {
		res.Generate = time.Since(start)
		return res, nil
	}

	id := patchID()
	b.patchPath, b.newVars = protocol.PatchPackagePrefix+id, map[string]varHome{}
	dir := filepath.Join(b.WorkDir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	gen, err := b.generate(units, dir, res)
	if err != nil {
		return nil, err
	}
	res.vars = b.newVars
	res.Generate = time.Since(start)
	if len(res.Refusals) > 0 {
		return res, nil
	}
	if len(gen.pairs) == 0 {
		res.Unchanged = true
		return res, nil
	}
	if gen.key == b.applied {
		res.Unchanged = true
		b.commit()
		return res, nil
	}
	res.Key = gen.key
	res.PatchID = id
	if err := b.compileAndLink(dir, id, gen.lang, gen.files, res); err != nil {
		var retry *copyStrings
		if errors.As(err, &retry) && b.copies == nil {
			// String parameters a new body keeps: built again, copying
			// them (escape.go).
			b.copies = retry.copies
			defer func() { b.copies = nil }()
			return b.Build()
		}
		return nil, err
	}
	if len(res.Refusals) > 0 {
		// The escape check (escape.go): nothing linked, nothing kept.
		return res, nil
	}
	b.commit()
	return res, b.writeManifest(res)
}

// commit records the slots of the patch just built: later patches reset
// those their sources no longer change.
func (b *Builder) commit() {
	for name, r := range b.pending {
		b.touched[name] = r
		b.ever[name] = r
	}
	b.pending = nil
}

// Resync forgets what the builder believes the program runs, for when
// something else changed it (hotreload revert or apply from another
// terminal): the next build is a patch even if its code is the last one
// applied, and it sets or resets every slot a patch of this builder ever
// set, since a revert may have brought back any of them.
func (b *Builder) Resync() {
	b.applied = ""
	for name, r := range b.ever {
		b.touched[name] = r
	}
}

func patchID() string {
	var r [4]byte
	rand.Read(r[:])
	return fmt.Sprintf("p%d%s", time.Now().UnixMilli(), hex.EncodeToString(r[:]))
}
