package patcher

import (
	"go/ast"
	"go/parser"
	"go/types"
	"path/filepath"
	"sort"
	"strings"
)

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
		fset := b.fset
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
		conf := types.Config{Importer: b.imp, GoVersion: goLang(p.Lang), Error: func(error) {}}
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
