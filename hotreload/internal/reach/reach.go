package reach

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"slices"
	"sort"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// Package is one package of the program, parsed.
type Package struct {
	Path  string // import path
	Name  string // package name
	Fset  *token.FileSet
	Files []*ast.File
}

// Change is the package a patch changes: its base and current versions.
type Change struct {
	Path      string
	Base, Cur *Package
	Redirects
}

// Program is what the analysis reads: the program's main package and its
// main-module packages' current sources (the changed one included).
type Program struct {
	Main     string // import path of the main package
	Packages []*Package
	// Rel turns a position into the file name the notes show.
	Rel func(token.Position) string
}

// Redirects is what a patch does beyond the changed functions' slots.
type Redirects struct {
	// Also are functions ("F", "T.M") changed though their text is the
	// base's: they use a constant whose value changed.
	Also []string
	// Literals are the function literals (by position in the current
	// version) whose closure values the patch redirects, old ones
	// included: no note for them.
	Literals map[token.Pos]bool
	// LiteralsOnly are the functions whose every change is in such
	// literals: that they ran at start-up does not matter.
	LiteralsOnly []string
}

// ForPatch is the patcher's hook: the notes for a change of package path,
// whose current files (parsed in fset) and base files (in baseFset) the
// patcher has; the other packages of the kit's main module are read from
// disk.
func ForPatch(k *kit.Kit, path string, fset *token.FileSet, files []*ast.File, baseFset *token.FileSet, baseFiles []*ast.File, r Redirects, rel func(token.Position) string) []string {
	p := k.Packages[path]
	if p == nil {
		return nil
	}
	cur := &Package{Path: path, Name: p.Name, Fset: fset, Files: files}
	prog := &Program{Main: k.MainPackage, Packages: []*Package{cur}, Rel: rel}
	// Every call chain from a root to the changed package runs through
	// packages that import it, directly or not: only those are read.
	for ip := range k.Importers(map[string]bool{path: true}) {
		kp := k.Packages[ip]
		if q := parseDir(ip, kp.Name, kp.Dir, kp.Files); q != nil {
			prog.Packages = append(prog.Packages, q)
		}
	}
	sort.Slice(prog.Packages, func(i, j int) bool { return prog.Packages[i].Path < prog.Packages[j].Path })
	return Notes(prog, Change{Path: path, Cur: cur, Base: &Package{Path: path, Name: p.Name, Fset: baseFset, Files: baseFiles}, Redirects: r})
}

// parseDir parses the given Go files of a directory (nil if
// there are none or the directory is gone).
func parseDir(path, name, dir string, files []string) *Package {
	p := &Package{Path: path, Name: name, Fset: token.NewFileSet()}
	for _, n := range files {
		f, err := parser.ParseFile(p.Fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		p.Files = append(p.Files, f)
	}
	if len(p.Files) == 0 {
		return nil
	}
	return p
}

// Notes returns the notes for change ch of program prog, one line each,
// ordered by file and line.
func Notes(prog *Program, ch Change) []string {
	if prog.Rel == nil {
		prog.Rel = func(p token.Position) string { return p.Filename }
	}
	a := analyse(prog)
	type note struct {
		file string
		line int
		text string
	}
	var notes []note
	base, cur := funcDecls(ch.Base), funcDecls(ch.Cur)
	for _, key := range sortedKeys(cur) {
		cd := cur[key]
		name := ch.Path + "." + key
		pos := ch.Cur.Fset.Position(cd.Pos())
		fn := a.funcs[name]
		bd, ok := base[key]
		if !ok {
			// A new function that only start-up code calls: the
			// running program will never call it.
			if fn != nil && a.once[fn] && !fn.root {
				notes = append(notes, note{prog.Rel(pos), pos.Line, a.newNote(prog, fn)})
			}
			continue
		}
		if text(ch.Base.Fset, bd) == text(ch.Cur.Fset, cd) && !slices.Contains(ch.Also, key) {
			continue
		}
		startup := fn != nil && (fn.root || a.once[fn])
		if fn != nil && a.once[fn] && !fn.root && !slices.Contains(ch.LiteralsOnly, key) {
			notes = append(notes, note{prog.Rel(pos), pos.Line, a.startupNote(prog, fn)})
		}
		for _, lit := range changedLits(ch.Base.Fset, bd, ch.Cur.Fset, cd) {
			if ch.Literals[lit.Pos()] {
				continue // its closure values are redirected
			}
			lp := ch.Cur.Fset.Position(lit.Pos())
			where := fmt.Sprintf("%s:%d", prog.Rel(lp), lp.Line)
			var s string
			if startup {
				s = fmt.Sprintf("%s: a function literal in %s changed, but %s ran at start-up: the function values it made from that literal then (handlers, middleware, callbacks it registered or stored) keep running the old body; restart to apply", where, name, name)
			} else {
				s = fmt.Sprintf("%s: a function literal in %s changed: function values made from it before this patch (a handler, middleware or callback stored somewhere) keep running the old body; only values made from now on run the new one", where, name)
			}
			notes = append(notes, note{prog.Rel(lp), lp.Line, s})
		}
	}
	sort.SliceStable(notes, func(i, j int) bool {
		if notes[i].file != notes[j].file {
			return notes[i].file < notes[j].file
		}
		return notes[i].line < notes[j].line
	})
	var out []string
	for _, n := range notes {
		out = append(out, n.text)
	}
	return out
}

// funcDecls indexes a package version's functions and methods by display
// key: "F", "T.M"; init functions are left out (changing them is refused).
func funcDecls(p *Package) map[string]*ast.FuncDecl {
	m := map[string]*ast.FuncDecl{}
	for _, f := range p.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			key := fd.Name.Name
			if fd.Recv != nil {
				if len(fd.Recv.List) != 1 {
					continue
				}
				key = rewriter.ReceiverBase(fd.Recv.List[0].Type) + "." + key
			} else if key == "init" {
				continue
			}
			m[key] = fd
		}
	}
	return m
}

func sortedKeys(m map[string]*ast.FuncDecl) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// text prints a node without its doc comment (comments do not change code).
func text(fset *token.FileSet, n ast.Node) string {
	if fd, ok := n.(*ast.FuncDecl); ok {
		c := *fd
		c.Doc = nil
		n = &c
	}
	var b bytes.Buffer
	printer.Fprint(&b, fset, n)
	return b.String()
}

// changedLits returns the innermost function literals of cur whose text
// is not among base's literals, except literals called where they are
// written.
func changedLits(bfset *token.FileSet, base *ast.FuncDecl, cfset *token.FileSet, cur *ast.FuncDecl) []*ast.FuncLit {
	old := map[string]int{}
	ast.Inspect(base, func(n ast.Node) bool {
		if l, ok := n.(*ast.FuncLit); ok {
			old[text(bfset, l)]++
		}
		return true
	})
	var changed []*ast.FuncLit
	called := map[*ast.FuncLit]bool{}
	ast.Inspect(cur, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if l, ok := ast.Unparen(n.Fun).(*ast.FuncLit); ok {
				called[l] = true
			}
		case *ast.FuncLit:
			t := text(cfset, n)
			if old[t] > 0 {
				old[t]--
				return false // unchanged, and so is everything inside it
			}
			changed = append(changed, n)
		}
		return true
	})
	var kept []*ast.FuncLit
	for _, l := range changed {
		if !called[l] {
			kept = append(kept, l)
		}
	}
	var out []*ast.FuncLit
	for _, l := range kept {
		inner := false
		for _, m := range kept {
			if m != l && m.Pos() >= l.Pos() && m.End() <= l.End() {
				inner = true
				break
			}
		}
		if !inner {
			out = append(out, l)
		}
	}
	return out
}
