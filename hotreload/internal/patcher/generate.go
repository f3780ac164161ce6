package patcher

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// generated is the patch's package main.
type generated struct {
	key   string // hash of the generated code
	files []string
	pairs []pair // the entries of the table (protocol.PatchSlotsSymbol)
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
		// The literals of package variables' initializers, whose
		// declarations are not patched themselves.
		varLits := map[*ast.File][]redirect{}
		for _, r := range u.redirects {
			if r.fn == nil {
				varLits[r.file] = append(varLits[r.file], r)
			}
		}
		for fi, f := range u.files {
			ds := byFile[f]
			if len(ds) == 0 && len(varLits[f]) == 0 {
				continue
			}
			t := &translator{u: u, file: f, tf: u.fset.File(f.Pos()), imports: map[string]string{}, aliases: aliases}
			var body strings.Builder
			redirectLit := func(r redirect) {
				out, p := b.closureValue(t, u, r)
				body.WriteString(out)
				if p != nil {
					g.pairs = append(g.pairs, *p)
					want[p.name] = true
				}
			}
			for _, d := range ds {
				t.decl = d.label()
				out, p := b.translateDecl(t, d, u)
				body.WriteString(out)
				if p != nil {
					g.pairs = append(g.pairs, *p)
					want[p.name] = true
				}
				for _, r := range u.redirects {
					if r.fn != nil && r.fn == d.node {
						redirectLit(r)
					}
				}
			}
			for _, r := range varLits[f] {
				t.decl = r.label
				t.walk(r.lit) // a function's literals are walked with it
				redirectLit(r)
			}
			addRefusals(res, t.refusals...)
			res.Notes = append(res.Notes, t.notes...)
			res.NotLive = append(res.NotLive, t.notes...)
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
	name := filepath.Join(dir, protocol.PatchTableFile)
	err := writeTemplate(name, patchTable, struct {
		GoBuild                  string
		Imports                  []importLine
		Links                    []linkDecl
		Pairs                    []entry
		SlotsSymbol, NamesSymbol string
	}{tableBuild, tab.lines(), links, entries, protocol.PatchSlotsSymbol, protocol.PatchNamesSymbol})
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
