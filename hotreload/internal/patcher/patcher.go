// Package patcher builds patches: it compares the main module's sources
// with the base snapshot of a kit, classifies every edit (a body change is
// patchable, a new declaration lives in the patch, a rude edit is refused
// with its reason), translates the changed code into a plugin's package
// main that reaches the package's unexported world through the names the
// base's rewrite generated, and compiles and links that plugin against the
// kit's own archives.
package patcher

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"go/version"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/reach"
	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// Builder builds patches against one kit. Patches are cumulative: each
// one carries every change since the base, and resets the functions that
// earlier patches changed and the sources no longer do.
type Builder struct {
	Kit     *kit.Kit
	WorkDir string // where patches are written

	touched map[string]slotRef // every slot a built patch of this builder set
	pending map[string]slotRef // slots the patch being built sets
	applied string             // Key of the last patch the program took
	fset    *token.FileSet
	imp     types.Importer
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
	name         string // the function, for GoHotPatchNames
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
	return &Builder{Kit: k, WorkDir: workDir, touched: map[string]slotRef{}, fset: fset, imp: importer.ForCompiler(fset, "gc", k.OpenArchive)}
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
	for _, path := range paths {
		u, err := b.loadChanged(fset, imp, b.Kit.Packages[path], len(units))
		if err != nil {
			return nil, err
		}
		if u == nil {
			continue
		}
		addRefusals(res, u.ch.refusals...)
		res.Notes = append(res.Notes, u.ch.notes...)
		res.NotLive = append(res.NotLive, u.ch.notLive...)
		units = append(units, u)
	}
	if len(res.Refusals) > 0 {
		res.Generate = time.Since(start)
		return res, nil
	}

	id := patchID()
	dir := filepath.Join(b.WorkDir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	gen, err := b.generate(units, dir, res)
	if err != nil {
		return nil, err
	}
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
		return nil, err
	}
	b.commit()
	return res, b.writeManifest(res)
}

// commit records the slots of the patch just built: later patches reset
// those their sources no longer change.
func (b *Builder) commit() {
	for name, r := range b.pending {
		b.touched[name] = r
	}
	b.pending = nil
}

func patchID() string {
	var r [4]byte
	rand.Read(r[:])
	return fmt.Sprintf("p%d%s", time.Now().UnixMilli(), hex.EncodeToString(r[:]))
}

// loadChanged parses the current and base versions of a main-module
// package; if they differ it type-checks the current one and returns the
// unit to patch (nil if nothing changed).
func (b *Builder) loadChanged(fset *token.FileSet, imp types.Importer, p *kit.Package, index int) (*unit, error) {
	curFiles, err := goFilesIn(p.Dir)
	if err != nil {
		return nil, err
	}
	same := len(curFiles) == len(p.Files)
	for i := 0; same && i < len(curFiles); i++ {
		same = curFiles[i] == p.Files[i]
	}
	cur := map[string][]byte{}
	for _, name := range curFiles {
		src, err := os.ReadFile(filepath.Join(p.Dir, name))
		if err != nil {
			return nil, err
		}
		cur[name] = src
	}
	base := map[string][]byte{}
	for _, name := range p.Files {
		src, err := os.ReadFile(filepath.Join(b.Kit.SourceDir(p.ImportPath), name))
		if err != nil {
			return nil, fmt.Errorf("kit snapshot of %s: %v", p.ImportPath, err)
		}
		base[name] = src
		if same && !bytes.Equal(src, cur[name]) {
			same = false
		}
	}
	if same && !b.touchedIn(p.ImportPath) {
		return nil, nil
	}

	u := &unit{path: p.ImportPath, isMain: p.Name == "main", lang: goLang(p.Lang), fset: fset, srcs: map[*ast.File][]byte{}, names: map[*ast.File]string{}}
	u.alias = fmt.Sprintf("gohotpkg%d", index)
	var errs scanner.ErrorList
	for _, name := range curFiles {
		abs := filepath.Join(p.Dir, name)
		f, err := parser.ParseFile(fset, abs, cur[name], parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			var el scanner.ErrorList
			if errors.As(err, &el) {
				errs = append(errs, el...)
				continue
			}
			return nil, err
		}
		u.files = append(u.files, f)
		u.srcs[f], u.names[f] = cur[name], abs
	}
	if len(errs) > 0 {
		return nil, b.scanErrors(errs)
	}
	bfset := token.NewFileSet()
	var baseFiles []*ast.File
	for _, name := range p.Files {
		f, err := parser.ParseFile(bfset, filepath.Join(p.Dir, name), base[name], parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("kit snapshot of %s does not parse: %v", p.ImportPath, err)
		}
		baseFiles = append(baseFiles, f)
	}
	if !p.Cgo { // a cgo package is refused below
		// The names the base's rewrite generated, as the kit recorded
		// them when the base was built.
		man, err := b.Kit.Manifest(p.ImportPath)
		if err != nil {
			return nil, err
		}
		u.man = *man
	}
	u.index()
	u.refusal = b.refusal
	u.ch = diff(declsOf(bfset, baseFiles), declsOf(fset, u.files), b.refusal)
	// A file's own language version (//go:build go1.N) is that of all of
	// its code, changed or not: a patch cannot change it.
	baseVersion := map[string]string{}
	for i, f := range baseFiles {
		baseVersion[p.Files[i]] = f.GoVersion
	}
	for _, f := range u.files {
		name := filepath.Base(u.names[f])
		if bv, ok := baseVersion[name]; ok && bv != f.GoVersion {
			u.ch.refusals = append(u.ch.refusals, b.refusal(fset.Position(f.Package), "file "+name, fmt.Sprintf("its language version changed (//go:build %s → %s), which changes how all of its code compiles; restart to apply", orModule(bv), orModule(f.GoVersion))))
		}
	}

	for _, f := range u.files {
		for _, imp := range f.Imports {
			if imp.Path.Value == `"C"` {
				u.ch.refusals = append(u.ch.refusals, b.refusal(fset.Position(imp.Pos()), "package "+p.Name, "the package uses cgo, which patches do not support yet; restart to apply"))
				return u, nil
			}
		}
	}
	if p.Cgo { // and the new version no longer imports "C"
		u.ch.refusals = append(u.ch.refusals, b.refusal(fset.Position(u.files[0].Package), "package "+p.Name, "the running program compiled the package with cgo, which patches do not support yet; restart to apply"))
		return u, nil
	}
	if len(u.ch.consts) > 0 {
		u.ch.refusals = append(u.ch.refusals, b.constRefusals(p, u, bfset, baseFiles)...)
	}
	if len(u.ch.refusals) > 0 {
		return u, nil
	}

	// Type-check the new version against the running program's packages.
	u.info = &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
		Instances:  map[*ast.Ident]types.Instance{},
	}
	var terrs []Position
	conf := types.Config{
		Importer:  imp,
		GoVersion: goLang(p.Lang),
		Sizes:     types.SizesFor("gc", runtime.GOARCH),
		Error: func(err error) {
			if te, ok := err.(types.Error); ok && !te.Soft {
				pos := b.position(te.Fset.Position(te.Pos))
				terrs = append(terrs, Position{File: pos.Filename, Line: pos.Line, Column: pos.Column, Message: te.Msg})
			}
		},
	}
	u.pkg, _ = conf.Check(p.ImportPath, fset, u.files, u.info)
	if len(terrs) > 0 {
		for i := range terrs {
			if strings.Contains(terrs[i].Message, "is not part of the running program") {
				terrs[i].Message += " (new imports are not supported yet; restart to apply)"
			}
		}
		return nil, &CompileError{Errors: terrs}
	}
	u.added = map[types.Object]bool{}
	for _, d := range u.ch.added {
		ids := declIdents(d.node)
		if d.block != nil { // one constant of its spec
			ids = []*ast.Ident{d.ident}
		}
		for _, id := range ids {
			if obj := u.info.Defs[id]; obj != nil {
				u.added[obj] = true
			}
		}
	}
	// What the running program will not see by itself (invariant 7).
	notLive := reach.ForPatch(b.Kit, p.ImportPath, fset, u.files, bfset, baseFiles, func(p token.Position) string { return b.relPath(p.Filename) })
	u.ch.notes = append(u.ch.notes, notLive...)
	u.ch.notLive = append(u.ch.notLive, notLive...)
	return u, nil
}

// constRefusals decides about the constants written differently: a
// constant whose type and value are the same is no change; one whose value
// changed is refused, and the constants whose value changed only because
// constants were added or removed before them in an iota block are refused
// together, saying so.
func (b *Builder) constRefusals(p *kit.Package, u *unit, bfset *token.FileSet, baseFiles []*ast.File) []Refusal {
	check := func(fset *token.FileSet, files []*ast.File) *types.Info {
		info := &types.Info{Defs: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: b.imp, GoVersion: goLang(p.Lang), Sizes: types.SizesFor("gc", runtime.GOARCH), Error: func(error) {}}
		conf.Check(p.ImportPath, fset, files, info)
		return info
	}
	binfo, cinfo := check(bfset, baseFiles), check(u.fset, u.files)
	type shift struct {
		first  *decl
		names  []string
		values []string
	}
	type group struct {
		own, follow []*decl
		whys        []string
		values      []string
	}
	groups := map[*ast.ValueSpec]*group{}
	var gorder []*ast.ValueSpec
	var out []Refusal
	shifts := map[*ast.GenDecl]*shift{}
	var order []*ast.GenDecl
	for _, c := range u.ch.consts {
		bc, _ := binfo.Defs[c.base.ident].(*types.Const)
		cc, _ := cinfo.Defs[c.cur.ident].(*types.Const)
		why := ""
		switch {
		case bc == nil || cc == nil || bc.Val().Kind() == constant.Unknown || cc.Val().Kind() == constant.Unknown:
			why = "its declaration changed"
		case !types.Identical(bc.Type(), cc.Type()) && bc.Type().String() != cc.Type().String():
			why = fmt.Sprintf("its type changed from %s to %s", bc.Type(), cc.Type())
		case bc.Val().Kind() != cc.Val().Kind() || !constant.Compare(bc.Val(), token.EQL, cc.Val()):
			why = fmt.Sprintf("its value changed from %s to %s", bc.Val(), cc.Val())
		default:
			continue // written differently, same constant
		}
		if bc != nil && cc != nil && c.base.expr == c.cur.expr && c.base.iota != c.cur.iota {
			// Same expression, another iota: the block moved under it.
			sh := shifts[c.cur.block]
			if sh == nil {
				sh = &shift{first: c.cur}
				shifts[c.cur.block] = sh
				order = append(order, c.cur.block)
			}
			if c.cur.pos.Offset < sh.first.pos.Offset {
				sh.first = c.cur
			}
			sh.names = append(sh.names, c.cur.name)
			sh.values = append(sh.values, fmt.Sprintf("%s %s → %s", c.cur.name, bc.Val(), cc.Val()))
			continue
		}
		// A constant that repeats a changed expression changes with the
		// constant that spells it: one cause, one refusal.
		key := c.cur.node.(*ast.ValueSpec)
		if c.cur.repeats != nil && c.base.expr != c.cur.expr {
			key = c.cur.repeats
		}
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			gorder = append(gorder, key)
		}
		if c.cur.repeats == nil || key != c.cur.repeats {
			g.own = append(g.own, c.cur)
			g.whys = append(g.whys, why)
		} else {
			g.follow = append(g.follow, c.cur)
			g.values = append(g.values, fmt.Sprintf("%s %s → %s", c.cur.name, bc.Val(), cc.Val()))
		}
	}
	for _, key := range gorder {
		g := groups[key]
		all := append(append([]*decl(nil), g.own...), g.follow...)
		sort.Slice(all, func(i, j int) bool { return all[i].pos.Offset < all[j].pos.Offset })
		var names []string
		for _, d := range all {
			names = append(names, d.name)
		}
		var why string
		switch {
		case len(g.own) == 1 && len(g.follow) == 0:
			why = g.whys[0]
		case len(g.own) == 0:
			why = "the expression they repeat changed, and with it their values (" + strings.Join(g.values, ", ") + ")"
		default:
			var parts []string
			for i, d := range g.own {
				parts = append(parts, fmt.Sprintf("%s: %s", d.name, g.whys[i]))
			}
			why = strings.Join(parts, "; ")
			if len(g.follow) > 0 {
				why += "; and so the values of the constants that repeat its expression (" + strings.Join(g.values, ", ") + ")"
			}
		}
		out = append(out, b.refusal(all[0].pos, "const "+strings.Join(names, ", "), why+": constants are compiled into every place that uses them; restart to apply"))
	}
	for _, blk := range order {
		sh := shifts[blk]
		sort.Strings(sh.names)
		sort.Strings(sh.values)
		cause := b.blockEdit(blk, u, bfset, baseFiles)
		out = append(out, b.refusal(sh.first.pos, "const "+strings.Join(sh.names, ", "),
			fmt.Sprintf("%s changes the iota of the constants after it, and so their values (%s): constants are compiled into every place that uses them; restart to apply, or add new constants at the end of the block", cause, strings.Join(sh.values, ", "))))
	}
	return out
}

// blockEdit says which constants were added to or removed from a const
// block, compared with the base's block that has the same constants.
func (b *Builder) blockEdit(blk *ast.GenDecl, u *unit, bfset *token.FileSet, baseFiles []*ast.File) string {
	names := func(gd *ast.GenDecl) map[string]bool {
		m := map[string]bool{}
		for _, sp := range gd.Specs {
			for _, id := range sp.(*ast.ValueSpec).Names {
				m[id.Name] = true
			}
		}
		return m
	}
	cur := names(blk)
	var old map[string]bool
	for _, f := range baseFiles {
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.CONST {
				m := names(gd)
				for n := range cur {
					if m[n] && n != "_" {
						old = m
					}
				}
			}
		}
	}
	var added, removed []string
	for n := range cur {
		if !old[n] {
			added = append(added, n)
		}
	}
	for n := range old {
		if !cur[n] {
			removed = append(removed, n)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "inserting "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "removing "+strings.Join(removed, ", "))
	}
	if len(parts) == 0 {
		return "reordering the block"
	}
	return strings.Join(parts, " and ")
}

func (b *Builder) touchedIn(pkg string) bool {
	for _, r := range b.touched {
		if r.pkg == pkg {
			return true
		}
	}
	return false
}

// relPath shortens a file name relative to the main module.
func (b *Builder) relPath(name string) string {
	if r, err := filepath.Rel(b.Kit.ModuleDir, name); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return name
}

func declIdents(n ast.Node) []*ast.Ident {
	switch n := n.(type) {
	case *ast.FuncDecl:
		if n.Recv == nil {
			return []*ast.Ident{n.Name}
		}
	case *ast.TypeSpec:
		return []*ast.Ident{n.Name}
	case *ast.ValueSpec:
		return n.Names
	}
	return nil
}

func goFilesIn(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	// Build constraints: keep the files the base compiled plus new files
	// whose constraints the go command would accept is the go command's
	// job; a new file with constraints is rare, and type checking reports
	// a mismatch.
	return filterBuildable(dir, names), nil
}

func (b *Builder) scanErrors(el scanner.ErrorList) error {
	var ps []Position
	for _, e := range el {
		pos := b.position(e.Pos)
		ps = append(ps, Position{File: pos.Filename, Line: pos.Line, Column: pos.Column, Message: e.Msg})
	}
	return &CompileError{Errors: ps}
}

// generated is the patch's package main.
type generated struct {
	key   string // hash of the generated code
	files []string
	pairs []pair // the entries of GoHotPatchSlots
	// lang is the package's -lang; a file that needs another language
	// version says so with a //go:build line (see fileVersions).
	lang string
}

// importNames gives the packages one generated file imports their names:
// a path keeps the first name it was given, and no two paths share one.
type importNames struct {
	byPath map[string]string
	taken  map[string]bool
}

func newImportNames() *importNames {
	return &importNames{byPath: map[string]string{}, taken: map[string]bool{}}
}

// name returns path's name in the file, want (or want2, want3...) the
// first time.
func (n *importNames) name(path, want string) string {
	if name, ok := n.byPath[path]; ok {
		return name
	}
	name := want
	for i := 2; n.taken[name]; i++ {
		name = fmt.Sprintf("%s%d", want, i)
	}
	n.byPath[path], n.taken[name] = name, true
	return name
}

func (n *importNames) lines() []importLine {
	var out []importLine
	for path, name := range n.byPath {
		out = append(out, importLine{Name: name, Path: path})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

type importLine struct{ Name, Path string }

// linkDecl is a //go:linkname declaration pulling a symbol of package
// main: a variable of type Type, or, if Func, a function of type Type.
type linkDecl struct {
	Local, Symbol, Type string
	Func                bool
}

// patchFile is one translated file of the patch.
var patchFile = template.Must(template.New("file").Parse(`{{with .GoBuild}}//go:build {{.}}

{{end}}package main

import (
{{- range .Imports}}
	{{.Name}} {{printf "%q" .Path}}
{{- end}}
{{- if .Links}}
	_ "unsafe" // for go:linkname
{{- end}}
{{- if .FuncLinks}}
	gohotreflect "reflect"
	gohotruntime "runtime"
	gohotunsafe "unsafe"
{{- end}}
)
{{range .Links}}
{{- if .Func}}
//go:linkname {{.Local}}_code {{.Symbol}}
var {{.Local}}_code byte

// {{.Local}} is the program's {{.Symbol}}: a function value whose code is
// at the address of the symbol, which the program's own definition takes
// when the patch is loaded. (A body-less function declaration cannot pull
// it: a direct call or a value of it does not link into a plugin.) Were
// the function missing from the program (the rewrite keeps every one),
// the address would be the patch's own placeholder: a call then panics
// with the reason instead of jumping into data.
var {{.Local}} = func() (f {{.Type}}) {
	pc := uintptr(gohotunsafe.Pointer(&{{.Local}}_code))
	if fn := gohotruntime.FuncForPC(pc); fn == nil || fn.Entry() != pc || fn.Name() != {{printf "%q" .Symbol}} {
		v := gohotreflect.MakeFunc(gohotreflect.TypeOf(f), func([]gohotreflect.Value) []gohotreflect.Value {
			panic({{printf "%q" (print "hotreload: the running program has no function " .Symbol ", which this patch calls; restart to apply")}})
		})
		gohotreflect.ValueOf(&f).Elem().Set(v)
		return
	}
	*(*gohotunsafe.Pointer)(gohotunsafe.Pointer(&f)) = gohotunsafe.Pointer(&[]uintptr{pc}[0])
	return
}()
{{else}}
//go:linkname {{.Local}} {{.Symbol}}
var {{.Local}} {{.Type}}
{{end}}
{{- end}}
{{- range .Aliases}}
// {{.Local}} keeps the name of the embedded fields of its type.
type {{.Local}} = {{.Type}}
{{end}}
{{.Body}}`))

// patchTable is the table the agent reads: every slot and its new value.
var patchTable = template.Must(template.New("table").Parse(`{{with .GoBuild}}//go:build {{.}}

{{end}}package main

import (
	_ "unsafe" // for go:linkname
{{- range .Imports}}
	{{.Name}} {{printf "%q" .Path}}
{{- end}}
)
{{range .Links}}
//go:linkname {{.Local}} {{.Symbol}}
var {{.Local}} {{.Type}}
{{end}}
// GoHotPatchSlots pairs each slot with its new value; the agent switches them.
var GoHotPatchSlots = []interface{}{
{{- range .Pairs}}
	{{.Slot}}, {{.Value}},
{{- end}}
}

// GoHotPatchNames names the functions, pair by pair.
var GoHotPatchNames = []string{
{{- range .Pairs}}
	{{printf "%q" .Name}},
{{- end}}
}
`))

func writeTemplate(name string, tmpl *template.Template, data any) error {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return err
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}

// fileVersions sets the patch's -lang and decides each file's language
// version. Every translated file compiles at the version its source file
// has in the program: a //go:build go1.N line is copied (the compiler
// gives the file the same version as the source's, whatever -lang says),
// and a file of no such line is at its package's version, which is -lang:
// the oldest of the patched packages' (a newer one is given with a
// //go:build line of its own: exact from go1.21 on, and below it only
// gates features). The table of slots, being generated, compiles at the
// newest version of the patch's files (it instantiates their generic
// functions). It returns the //go:build version of the table.
func (b *Builder) fileVersions(g *generated, units []*unit) string {
	for _, u := range units {
		if u.lang != "" && (g.lang == "" || version.Compare(u.lang, g.lang) < 0) {
			g.lang = u.lang
		}
	}
	if g.lang == "" {
		// The toolchain's own version ("" for a devel toolchain: no -lang).
		g.lang = kit.LangVersion("", b.Kit.GoVersion, true)
	}
	table := g.lang
	for _, u := range units {
		for _, f := range u.files {
			if l := fileLang(f.GoVersion, orLang(u.lang, g.lang)); l != "" {
				table = maxLang(table, l)
			}
		}
	}
	if table == g.lang {
		return ""
	}
	return table
}

func orLang(l, dflt string) string {
	if l == "" {
		return dflt
	}
	return l
}

// goBuild is the //go:build version of the patch's file translated from
// f of u ("" for none: -lang).
func (g *generated) goBuild(u *unit, f *ast.File) string {
	if f.GoVersion != "" {
		return f.GoVersion
	}
	if l := orLang(u.lang, g.lang); l != g.lang {
		return l
	}
	return ""
}

func (b *Builder) generate(units []*unit, dir string, res *Result) (*generated, error) {
	g := &generated{}
	tableBuild := b.fileVersions(g, units)
	want := map[string]bool{}      // slots this patch sets
	aliases := map[string]string{} // the patch's aliases of unexported types
	for _, u := range units {
		byFile := map[*ast.File][]*decl{}
		for _, d := range append(append([]*decl(nil), u.ch.changed...), u.ch.added...) {
			byFile[d.file] = append(byFile[d.file], d)
		}
		for fi, f := range u.files {
			ds := byFile[f]
			if len(ds) == 0 {
				continue
			}
			t := &translator{u: u, file: f, tf: u.fset.File(f.Pos()), imports: map[string]string{}, aliases: aliases}
			var body strings.Builder
			for _, d := range ds {
				t.decl = d.label()
				out, p := b.translateDecl(t, d, u)
				body.WriteString(out)
				if p != nil {
					g.pairs = append(g.pairs, *p)
					want[p.name] = true
				}
			}
			addRefusals(res, t.refusals...)
			names := newImportNames()
			for path, name := range t.imports {
				if !(u.isMain && path == u.path) {
					names.byPath[path] = name
				}
			}
			funcLinks := false
			for _, l := range t.decls {
				funcLinks = funcLinks || l.Func
			}
			name := filepath.Join(dir, fmt.Sprintf("%s_%d_%s", u.alias, fi, filepath.Base(u.names[f])))
			err := writeTemplate(name, patchFile, struct {
				GoBuild   string
				Imports   []importLine
				Links     []linkDecl
				FuncLinks bool
				Aliases   []linkDecl
				Body      string
			}{g.goBuild(u, f), names.lines(), t.decls, funcLinks, t.typeAliases, body.String()})
			if err != nil {
				return nil, err
			}
			g.files = append(g.files, name)
		}
	}
	// Reset what earlier patches set and this one does not.
	var resets []string
	for name := range b.touched {
		if !want[name] {
			resets = append(resets, name)
		}
	}
	sort.Strings(resets)
	tab := newImportNames()
	// The entries of this patch's own functions name their packages by
	// the units' aliases; resets take names that are left.
	for _, p := range g.pairs {
		for path, name := range p.imports {
			tab.name(path, name)
		}
	}
	var links []linkDecl
	for _, name := range resets {
		r := b.touched[name]
		p := pair{name: name, value: "nil", reset: true}
		if r.main {
			local := "gohotMainSlot_" + r.slot
			typ := types.TypeString(r.typ, func(pkg *types.Package) string { return tab.name(pkg.Path(), pkg.Name()) })
			links = append(links, linkDecl{Local: local, Symbol: "main." + r.slot, Type: typ})
			p.slot = "&" + local
		} else {
			p.slot = "&" + tab.name(r.pkg, "gohotreset") + "." + r.slot
		}
		g.pairs = append(g.pairs, p)
		res.Notes = append(res.Notes, name+" is back to its original code")
	}
	res.resets = resets
	if len(res.Refusals) > 0 || len(g.pairs) == 0 {
		return g, nil
	}
	for _, p := range g.pairs {
		res.Functions = append(res.Functions, p.name)
	}
	type entry struct{ Name, Slot, Value string }
	var entries []entry
	for _, p := range g.pairs {
		entries = append(entries, entry{p.name, p.slot, p.value})
	}
	name := filepath.Join(dir, "zz_gohot_table.go")
	err := writeTemplate(name, patchTable, struct {
		GoBuild string
		Imports []importLine
		Links   []linkDecl
		Pairs   []entry
	}{tableBuild, tab.lines(), links, entries})
	if err != nil {
		return nil, err
	}
	g.files = append(g.files, name)
	h := sha256.New()
	for _, f := range g.files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	g.key = hex.EncodeToString(h.Sum(nil))
	return g, nil
}

// declTemplate is one declaration of the patch, positioned at its source.
var declTemplate = template.Must(template.New("decl").Parse(`//line {{.Pos.Filename}}:{{.Pos.Line}}
{{with .Keyword}}{{.}} {{end}}{{.Text}}

`))

func patchDecl(pos token.Position, keyword, text string) string {
	var b strings.Builder
	if err := declTemplate.Execute(&b, struct {
		Pos           token.Position
		Keyword, Text string
	}{pos, keyword, text}); err != nil {
		panic(err) // a bug in the template
	}
	return b.String()
}

// translateDecl writes the patch's version of one changed or added
// declaration, and for a changed function the slot pair that redirects it.
func (b *Builder) translateDecl(t *translator, d *decl, u *unit) (string, *pair) {
	t.walk(d.node)
	pos := u.fset.Position(d.node.Pos())
	switch n := d.node.(type) {
	case *ast.FuncDecl:
		if u.added[u.info.Defs[n.Name]] || (n.Recv != nil && isAddedRecv(u, n)) {
			// Lives in the patch as it is.
			return patchDecl(pos, "", t.text(n)), nil
		}
		return b.translateChanged(t, n, u)
	case *ast.TypeSpec:
		return patchDecl(pos, "type", t.text(n)), nil
	case *ast.ValueSpec:
		if c, ok := u.info.Defs[d.ident].(*types.Const); ok {
			// One constant of its block: spelled with its type and value,
			// since the block's implicit repetition (iota) stays behind.
			return patchDecl(pos, "const", c.Name()+" = "+t.constExpr(d.ident, c)), nil
		}
		return patchDecl(pos, "var", t.text(n)), nil
	}
	return "", nil
}

func isAddedRecv(u *unit, fd *ast.FuncDecl) bool {
	obj := u.pkg.Scope().Lookup(rewriter.ReceiverBase(fd.Recv.List[0].Type))
	return obj != nil && u.added[obj]
}

// translateChanged turns a changed function or method into a function of
// the patch (the receiver becomes the first parameter) and its slot pair.
func (b *Builder) translateChanged(t *translator, fd *ast.FuncDecl, u *unit) (string, *pair) {
	display := fd.Name.Name
	if fd.Recv != nil {
		display = rewriter.ReceiverBase(fd.Recv.List[0].Type) + "." + fd.Name.Name
	}
	name := u.path + "." + display
	rf, ok := u.funcs[display]
	if !ok || rf.Slot == "" {
		reason := "it cannot be redirected"
		for _, s := range u.man.Skipped {
			if s.Name == display {
				reason = s.Reason
			}
		}
		t.refuse(fd, "the body changed, but "+reason+"; restart to apply")
		return "", nil
	}
	if fd.Recv != nil && len(rewriter.ReceiverTypeParams(fd.Recv.List[0].Type)) > 0 {
		t.refuse(fd, "methods of generic types cannot be patched yet; restart to apply")
		return "", nil
	}
	local := "gohotFn_" + strings.ReplaceAll(display, ".", "_") + "_" + u.alias
	var params []string
	fields := []*ast.Field{}
	if fd.Recv != nil {
		fields = append(fields, fd.Recv.List[0])
	}
	fields = append(fields, fd.Type.Params.List...)
	for _, f := range fields {
		names := "_"
		if len(f.Names) > 0 {
			var ns []string
			for _, n := range f.Names {
				ns = append(ns, n.Name)
			}
			names = strings.Join(ns, ", ")
		}
		params = append(params, names+" "+t.text(f.Type))
	}
	results := ""
	if fd.Type.Results != nil {
		results = " " + t.text(fd.Type.Results)
	}
	tparams := ""
	if fd.Type.TypeParams != nil && len(fd.Type.TypeParams.List) > 0 {
		tparams = t.text(fd.Type.TypeParams)
	}
	lb := u.fset.Position(fd.Body.Lbrace)
	out := patchDecl(lb, "func", local+tparams+"("+strings.Join(params, ", ")+")"+results+" "+t.text(fd.Body))

	ref := slotRef{pkg: u.path, slot: rf.Slot, main: u.isMain}
	p := &pair{name: name, value: local}
	if u.isMain {
		// Package main cannot be imported: the slot is pulled by symbol
		// name, declared with its type spelled in this file.
		ref.typ = u.info.Defs[fd.Name].Type()
		typ, ok := t.typeExpr(ref.typ)
		if !ok {
			t.refuse(fd, "its signature names package main's types, which a patch cannot name: move them to another package to patch this function, or restart to apply")
			return "", nil
		}
		slot := "gohotMainSlot_" + rf.Slot
		t.decls = append(t.decls, linkDecl{Local: slot, Symbol: "main." + rf.Slot, Type: typ})
		p.slot, p.local = "&"+slot, true
	} else {
		p.slot = "&" + u.alias + "." + rf.Slot
		p.imports = map[string]string{u.path: u.alias}
	}
	b.pending[name] = ref
	if !rf.Generic {
		return out, p
	}
	insts := b.instantiations(u, fd)
	if len(insts) == 0 {
		return out + fmt.Sprintf("// no instantiation of %s found in the main module\n", display), nil
	}
	var vals []string
	for _, targs := range insts {
		vals = append(vals, local+"["+targs+"]")
	}
	p.value = "&[]interface{}{" + strings.Join(vals, ", ") + "}"
	return out, p
}

// instantiations lists the type argument lists with which the main
// module's code instantiates a generic function, spelled for the patch.
func (b *Builder) instantiations(u *unit, fd *ast.FuncDecl) []string {
	obj := u.info.Defs[fd.Name]
	seen := map[string]bool{}
	var out []string
	for id, inst := range u.info.Instances {
		if u.info.Uses[id] != obj {
			continue
		}
		if key, ok := u.typeArgs(inst.TypeArgs); ok && !seen[key] {
			seen[key] = true
			out = append(out, key)
		}
	}
	// Instantiations in other packages of the main module.
	for _, inst := range b.externalInstances(u.path, fd.Name.Name) {
		inst = strings.ReplaceAll(inst, "\x00.", u.alias+".")
		if !seen[inst] {
			seen[inst] = true
			out = append(out, inst)
		}
	}
	sort.Strings(out)
	return out
}

// typeArgs spells a type argument list for the table file, which imports
// only the patched packages: other instantiations are left out.
func (u *unit) typeArgs(l *types.TypeList) (string, bool) {
	t := &translator{u: u, imports: map[string]string{}}
	var args []string
	for i := 0; i < l.Len(); i++ {
		s, ok := t.typeExpr(l.At(i))
		if !ok {
			return "", false
		}
		args = append(args, s)
	}
	for p := range t.imports {
		if p != u.path {
			return "", false
		}
	}
	return strings.Join(args, ", "), true
}

// externalInstances finds the instantiations of pkg.name in the other
// packages of the main module (type-checked from their current sources).
func (b *Builder) externalInstances(pkgPath, name string) []string {
	var out []string
	for path, p := range b.Kit.Packages {
		if !p.Main || path == pkgPath {
			continue
		}
		fset := token.NewFileSet()
		names, err := goFilesIn(p.Dir)
		if err != nil {
			continue
		}
		var files []*ast.File
		for _, n := range names {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, n), nil, parser.SkipObjectResolution)
			if err != nil {
				continue
			}
			files = append(files, f)
		}
		info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Instances: map[*ast.Ident]types.Instance{}}
		conf := types.Config{Importer: importer.ForCompiler(fset, "gc", b.Kit.OpenArchive), GoVersion: goLang(p.Lang), Error: func(error) {}}
		conf.Check(path, fset, files, info)
		for id, inst := range info.Instances {
			obj := info.Uses[id]
			if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != pkgPath || obj.Name() != name {
				continue
			}
			var args []string
			ok := true
			for i := 0; i < inst.TypeArgs.Len(); i++ {
				ta := inst.TypeArgs.At(i)
				// Only types that need no import: basic types and
				// the patched package's exported types.
				s := types.TypeString(ta, func(p *types.Package) string {
					if p.Path() == pkgPath {
						return "\x00"
					}
					ok = false
					return p.Name()
				})
				args = append(args, s)
			}
			if ok {
				out = append(out, strings.Join(args, ", "))
			}
		}
	}
	return out
}

// orModule names a file's go version in a message: "" is the module's.
func orModule(v string) string {
	if v == "" {
		return "none: the module's go line"
	}
	return v
}

// minFileLang is the oldest language version a //go:build go1.N line gives
// a file: the compiler (types2's initFiles) compiles such a file at
// max(go1.N, go1.21), whatever -lang says.
const minFileLang = "go1.21"

// fileLang is the language version the compiler gives a file that
// declares goVersion (its //go:build line's, "" for none) in a package
// compiled at lang.
func fileLang(goVersion, lang string) string {
	if goVersion == "" {
		return lang
	}
	return maxLang(goVersion, minFileLang)
}

func maxLang(a, b string) string {
	if version.Compare(a, b) >= 0 {
		return a
	}
	return b
}

// goLang turns a go.mod go line ("go1.26.0") into a language version
// ("go1.26"), as the compiler's -lang wants it; "" stays "".
func goLang(v string) string {
	if l := version.Lang(v); l != "" {
		return l
	}
	return v
}

// filterBuildable keeps the files whose build constraints match.
func filterBuildable(dir string, names []string) []string {
	var out []string
	for _, n := range names {
		if ok, err := build.Default.MatchFile(dir, n); err == nil && ok {
			out = append(out, n)
		}
	}
	return out
}
