package patcher

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/constant"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/reach"
	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// loadChanged parses the current and base versions of a main-module
// package; if they differ it type-checks the current one and returns the
// unit to patch (nil if nothing changed).
func (b *Builder) loadChanged(fset *token.FileSet, imp types.Importer, p *kit.Package, index int, force bool) (*unit, error) {
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
	if same && !b.touchedIn(p.ImportPath) && !force {
		return nil, nil
	}

	u := &unit{path: p.ImportPath, isMain: p.Name == "main" && p.LinkPath() != "main", lang: goLang(p.Lang), force: force, oldConsts: map[*types.Const]constant.Value{}, fset: fset, srcs: map[*ast.File][]byte{}, names: map[*ast.File]string{}}
	u.alias = fmt.Sprintf("gohotpkg%d", index)
	files := make([]rewriter.File, len(curFiles))
	for i, name := range curFiles {
		files[i] = rewriter.File{Name: filepath.Join(p.Dir, name), Src: cur[name]}
	}
	asts, errs, err := rewriter.ParseFiles(fset, files)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, b.scanErrors(errs)
	}
	for i, f := range asts {
		u.files = append(u.files, f)
		u.srcs[f], u.names[f] = files[i].Src, files[i].Name
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
	u.bfset, u.baseFiles = bfset, baseFiles
	var baseConsts map[string]*types.Const
	var binfo *types.Info
	if len(u.ch.consts) > 0 || len(u.ch.vars) > 0 {
		binfo = b.declTypes(p, bfset, baseFiles)
	}
	if len(u.ch.consts) > 0 {
		var rs []Refusal
		baseConsts, rs = b.baseConsts(p, u, binfo)
		u.ch.refusals = append(u.ch.refusals, rs...)
	}
	if len(u.ch.refusals) > 0 {
		return u, nil
	}

	if rs := b.addImports(u); len(rs) > 0 {
		u.ch.refusals = append(u.ch.refusals, rs...)
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
				// Only a kit that can grow (Builder.AddPackages: the go
				// command's) takes new packages.
				terrs[i].Message += " (under Bazel, a patch can import only packages the program contains: add the dependency and restart)"
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
	if baseConsts != nil {
		u.changedConsts(baseConsts)
	}
	if len(u.ch.vars) > 0 {
		u.varChanges(binfo)
	}
	u.newMethods()
	return u, nil
}

// reachNotes adds to u what the running program will not see by itself
// (invariant 7): changed functions that ran at start-up, function values
// made by old code.
func (b *Builder) reachNotes(u *unit) {
	var also []string
	for _, d := range append(u.ch.constUsers, u.ch.inlineUsers...) {
		also = append(also, d.name)
	}
	var litsOnly []string
	for name := range u.litsOnly {
		litsOnly = append(litsOnly, name)
	}
	notLive := reach.ForPatch(b.Kit, u.path, u.fset, u.files, u.bfset, u.baseFiles, reach.Redirects{Also: also, Literals: u.redirected, LiteralsOnly: litsOnly}, func(p token.Position) string { return b.relPath(p.Filename) })
	u.ch.notes = append(u.ch.notes, notLive...)
	u.ch.notLive = append(u.ch.notLive, notLive...)
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
		return []*ast.Ident{n.Name} // a method too: added to its type
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
