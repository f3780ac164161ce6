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
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
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

	touched map[string]slotRef // every slot a patch of this builder set
	applied string             // Key of the last patch the program took
	fset    *token.FileSet
	imp     types.Importer
}

// MarkApplied records that the program took the patch res: a later build
// of the same code is then reported Unchanged instead of built again.
func (b *Builder) MarkApplied(res *Result) { b.applied = res.Key }

// slotRef is how a patch names a slot.
type slotRef struct {
	pkg, slot string
	main      bool
	typ       string            // main package: the slot's type
	imports   map[string]string // ... and the imports it needs
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

// Build compares the current sources of the main module with the base and
// builds a patch of everything that changed.
func (b *Builder) Build() (*Result, error) {
	res := &Result{}
	start := time.Now()
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
		res.Refusals = append(res.Refusals, u.ch.refusals...)
		res.Notes = append(res.Notes, u.ch.notes...)
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
	if len(gen.pairs) == 0 || gen.key == b.applied {
		res.Unchanged = true
		return res, nil
	}
	res.Key = gen.key
	res.PatchID = id
	if err := b.compileAndLink(dir, id, gen.files, res); err != nil {
		return nil, err
	}
	return res, b.writeManifest(res)
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

	u := &unit{path: p.ImportPath, isMain: p.Name == "main", fset: fset, srcs: map[*ast.File][]byte{}, names: map[*ast.File]string{}}
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
		return nil, scanErrors(errs)
	}
	bfset := token.NewFileSet()
	var baseFiles []*ast.File
	var rwFiles []rewriter.File
	for _, name := range p.Files {
		f, err := parser.ParseFile(bfset, filepath.Join(p.Dir, name), base[name], parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("kit snapshot of %s does not parse: %v", p.ImportPath, err)
		}
		baseFiles = append(baseFiles, f)
		rwFiles = append(rwFiles, rewriter.File{Name: name, Src: base[name]})
	}
	rw, err := rewriter.Rewrite(rewriter.Config{ImportPath: p.ImportPath, GoVersion: p.Lang}, rwFiles)
	if err != nil {
		return nil, err
	}
	u.man = rw.Manifest
	u.index()

	rel := func(pos token.Position) string { return b.relPath(pos.Filename) }
	u.ch = diff(declsOf(bfset, baseFiles), declsOf(fset, u.files), rel)
	for _, f := range u.files {
		for _, imp := range f.Imports {
			if imp.Path.Value == `"C"` {
				pos := fset.Position(imp.Pos())
				u.ch.refusals = append(u.ch.refusals, Refusal{File: rel(pos), Line: pos.Line, Decl: "package " + p.Name, Reason: "the package uses cgo, which patches do not support yet; restart to apply"})
				return u, nil
			}
		}
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
		GoVersion: p.Lang,
		Sizes:     types.SizesFor("gc", runtime.GOARCH),
		Error: func(err error) {
			if te, ok := err.(types.Error); ok && !te.Soft {
				pos := te.Fset.Position(te.Pos)
				terrs = append(terrs, Position{File: b.relPath(pos.Filename), Line: pos.Line, Column: pos.Column, Message: te.Msg})
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
		for _, id := range declIdents(d.node) {
			if obj := u.info.Defs[id]; obj != nil {
				u.added[obj] = true
			}
		}
	}
	// What the running program will not see by itself (invariant 7).
	u.ch.notes = append(u.ch.notes, reach.ForPatch(b.Kit, p.ImportPath, fset, u.files, bfset, baseFiles, func(p token.Position) string { return b.relPath(p.Filename) })...)
	return u, nil
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

func scanErrors(el scanner.ErrorList) error {
	var ps []Position
	for _, e := range el {
		ps = append(ps, Position{File: e.Pos.Filename, Line: e.Pos.Line, Column: e.Pos.Column, Message: e.Msg})
	}
	return &CompileError{Errors: ps}
}

// generated is the patch's package main.
type generated struct {
	key   string // hash of the generated code
	files []string
	pairs []string // "&slot, value" lines of GoHotPatchSlots
	names []string
}

func (b *Builder) generate(units []*unit, dir string, res *Result) (*generated, error) {
	g := &generated{}
	want := map[string]bool{} // slots this patch sets
	tableImports := map[string]string{}
	var linkDecls []string
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
			t := &translator{u: u, file: f, tf: u.fset.File(f.Pos()), imports: map[string]string{}}
			var body strings.Builder
			for _, d := range ds {
				t.decl = d.name
				out, pair, name := b.translateDecl(t, d, u)
				body.WriteString(out)
				if pair != "" {
					g.pairs = append(g.pairs, pair)
					g.names = append(g.names, name)
					want[name] = true
				}
			}
			res.Refusals = append(res.Refusals, t.refusals...)
			var src strings.Builder
			src.WriteString("package main\n\nimport (\n")
			paths := make([]string, 0, len(t.imports))
			for p := range t.imports {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, p := range paths {
				if u.isMain && p == u.path {
					continue
				}
				fmt.Fprintf(&src, "\t%s %q\n", t.imports[p], p)
			}
			if len(t.decls) > 0 {
				src.WriteString("\t_ \"unsafe\" // for go:linkname\n")
			}
			src.WriteString(")\n\n")
			for _, d := range t.decls {
				src.WriteString(d)
			}
			src.WriteString(body.String())
			name := filepath.Join(dir, fmt.Sprintf("%s_%d_%s", u.alias, fi, filepath.Base(u.names[f])))
			if err := os.WriteFile(name, []byte(src.String()), 0o644); err != nil {
				return nil, err
			}
			g.files = append(g.files, name)
		}
		if !u.isMain {
			tableImports[u.path] = u.alias
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
	for _, name := range resets {
		r := b.touched[name]
		for p, n := range r.imports {
			if _, ok := tableImports[p]; !ok {
				tableImports[p] = n
			}
		}
		g.pairs = append(g.pairs, b.slotExpr(r, tableImports, &linkDecls)+", nil")
		g.names = append(g.names, name)
		res.Notes = append(res.Notes, name+" is back to its original code")
	}
	if len(res.Refusals) > 0 || len(g.pairs) == 0 {
		return g, nil
	}
	res.Functions = append(res.Functions, g.names...)

	var tab strings.Builder
	tab.WriteString("package main\n\nimport (\n\t_ \"unsafe\" // for go:linkname\n")
	var tpaths []string
	for p := range tableImports {
		tpaths = append(tpaths, p)
	}
	sort.Strings(tpaths)
	for _, p := range tpaths {
		fmt.Fprintf(&tab, "\t%s %q\n", tableImports[p], p)
	}
	tab.WriteString(")\n\n")
	for _, d := range linkDecls {
		tab.WriteString(d)
	}
	tab.WriteString("\n// GoHotPatchSlots pairs each slot with its new value; the agent switches them.\nvar GoHotPatchSlots = []any{\n")
	for _, p := range g.pairs {
		fmt.Fprintf(&tab, "\t%s,\n", p)
	}
	tab.WriteString("}\n\n// GoHotPatchNames names the functions, pair by pair.\nvar GoHotPatchNames = []string{\n")
	for _, n := range g.names {
		fmt.Fprintf(&tab, "\t%q,\n", n)
	}
	tab.WriteString("}\n")
	name := filepath.Join(dir, "zz_gohot_table.go")
	if err := os.WriteFile(name, []byte(tab.String()), 0o644); err != nil {
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

// typeImports picks, from the import names a file uses, those a type
// expression spelled with them names: a reset entry of a later patch needs
// the slot's type, not what the body that last set it imported.
func typeImports(typ string, imports map[string]string) map[string]string {
	used := map[string]string{}
	for path, name := range imports {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\.`).MatchString(typ) {
			used[path] = name
		}
	}
	return used
}

// slotExpr spells the address of a slot in the table file.
func (b *Builder) slotExpr(r slotRef, imports map[string]string, linkDecls *[]string) string {
	if r.main {
		local := "gohotMainSlot_" + r.slot
		*linkDecls = append(*linkDecls, fmt.Sprintf("//go:linkname %s main.%s\nvar %s %s\n", local, r.slot, local, r.typ))
		return "&" + local
	}
	alias, ok := imports[r.pkg]
	if !ok {
		alias = fmt.Sprintf("gohotreset%d", len(imports))
		imports[r.pkg] = alias
	}
	return "&" + alias + "." + r.slot
}

// translateDecl writes the patch's version of one changed or added
// declaration, and for a changed function the slot pair that redirects it.
func (b *Builder) translateDecl(t *translator, d *decl, u *unit) (out, pair, name string) {
	t.walk(d.node)
	pos := u.fset.Position(d.node.Pos())
	switch n := d.node.(type) {
	case *ast.FuncDecl:
		if u.added[u.info.Defs[n.Name]] || (n.Recv != nil && isAddedRecv(u, n)) {
			// Lives in the patch as it is.
			return fmt.Sprintf("//line %s:%d\n%s\n\n", pos.Filename, pos.Line, t.text(n)), "", ""
		}
		return b.translateChanged(t, n, u)
	case *ast.TypeSpec:
		return fmt.Sprintf("//line %s:%d\ntype %s\n\n", pos.Filename, pos.Line, t.text(n)), "", ""
	case *ast.ValueSpec:
		kw := "var"
		if _, ok := u.info.Defs[n.Names[0]].(*types.Const); ok {
			kw = "const"
		}
		return fmt.Sprintf("//line %s:%d\n%s %s\n\n", pos.Filename, pos.Line, kw, t.text(n)), "", ""
	}
	return "", "", ""
}

func isAddedRecv(u *unit, fd *ast.FuncDecl) bool {
	obj := u.pkg.Scope().Lookup(rewriter.ReceiverBase(fd.Recv.List[0].Type))
	return obj != nil && u.added[obj]
}

// translateChanged turns a changed function or method into a function of
// the patch (the receiver becomes the first parameter) and its slot pair.
func (b *Builder) translateChanged(t *translator, fd *ast.FuncDecl, u *unit) (out, pair, name string) {
	display := fd.Name.Name
	if fd.Recv != nil {
		display = rewriter.ReceiverBase(fd.Recv.List[0].Type) + "." + fd.Name.Name
	}
	name = u.path + "." + display
	rf, ok := u.funcs[display]
	if !ok || rf.Slot == "" {
		reason := "it cannot be redirected"
		for _, s := range u.man.Skipped {
			if s.Name == display {
				reason = s.Reason
			}
		}
		t.refuse(fd, "the body changed, but "+reason+"; restart to apply")
		return "", "", ""
	}
	if fd.Recv != nil && len(rewriter.ReceiverTypeParams(fd.Recv.List[0].Type)) > 0 {
		t.refuse(fd, "methods of generic types cannot be patched yet; restart to apply")
		return "", "", ""
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
	out = fmt.Sprintf("//line %s:%d\nfunc %s%s(%s)%s %s\n\n", lb.Filename, lb.Line, local, tparams, strings.Join(params, ", "), results, t.text(fd.Body))

	ref := slotRef{pkg: u.path, slot: rf.Slot, main: u.isMain}
	slot := "&" + u.alias + "." + rf.Slot
	if u.isMain {
		// The slot's type, spelled with this file's import names; the
		// reset entry of a later patch needs the same imports.
		tt := &translator{u: u, imports: map[string]string{}}
		for p, n := range t.imports {
			tt.imports[p] = n
		}
		typ, ok := tt.typeExpr(u.info.Defs[fd.Name].Type())
		if !ok {
			t.refuse(fd, "its signature names package main's types: move them to another package to patch this function")
			return "", "", ""
		}
		ref.typ, ref.imports = typ, typeImports(typ, tt.imports)
		for p, n := range tt.imports {
			t.imports[p] = n
		}
		local := "gohotMainSlot_" + rf.Slot
		t.decls = append(t.decls, fmt.Sprintf("//go:linkname %s main.%s\nvar %s %s\n", local, rf.Slot, local, ref.typ))
		slot = "&" + local
	}
	b.touched[name] = ref
	if !rf.Generic {
		return out, slot + ", " + local, name
	}
	insts := b.instantiations(u, fd)
	if len(insts) == 0 {
		return out + fmt.Sprintf("// no instantiation of %s found in the main module\n", display), "", ""
	}
	var vals []string
	for _, targs := range insts {
		vals = append(vals, local+"["+targs+"]")
	}
	return out, slot + ", &[]interface{}{" + strings.Join(vals, ", ") + "}", name
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
		conf := types.Config{Importer: importer.ForCompiler(fset, "gc", b.Kit.OpenArchive), GoVersion: p.Lang, Error: func(error) {}}
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
