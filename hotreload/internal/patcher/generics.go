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
	name := fd.Name.Name
	if fn, ok := obj.(*types.Func); ok && fd.Recv != nil {
		// A method of a generic type: the type's instantiations.
		if n := namedOf(fn.Signature().Recv().Type()); n != nil {
			obj, name = n.Obj(), n.Obj().Name()
		}
	}
	seen := map[string]bool{}
	var out []string
	for id, inst := range u.info.Instances {
		if u.info.Uses[id] != obj {
			continue
		}
		if hasTypeParams(inst.TypeArgs) {
			continue // in generic code: not an instantiation of its own
		}
		if key, ok := u.typeArgs(inst.TypeArgs); ok && !seen[key] {
			seen[key] = true
			out = append(out, key)
		}
	}
	// Instantiations in other packages of the main module.
	for _, inst := range b.externalInstances(u.path, name) {
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

// hasTypeParams reports whether a type argument list mentions type
// parameters (an instantiation inside generic code).
func hasTypeParams(l *types.TypeList) bool {
	var has func(t types.Type, depth int) bool
	has = func(t types.Type, depth int) bool {
		if depth > 8 {
			return false
		}
		switch t := t.(type) {
		case *types.TypeParam:
			return true
		case *types.Pointer:
			return has(t.Elem(), depth+1)
		case *types.Slice:
			return has(t.Elem(), depth+1)
		case *types.Array:
			return has(t.Elem(), depth+1)
		case *types.Chan:
			return has(t.Elem(), depth+1)
		case *types.Map:
			return has(t.Key(), depth+1) || has(t.Elem(), depth+1)
		case *types.Named:
			for i := 0; t.TypeArgs() != nil && i < t.TypeArgs().Len(); i++ {
				if has(t.TypeArgs().At(i), depth+1) {
					return true
				}
			}
		}
		return false
	}
	for i := 0; i < l.Len(); i++ {
		if has(l.At(i), 0) {
			return true
		}
	}
	return false
}

// enclosingTypeParams spells the type parameter list of generic function
// (or method of a generic type) fd for a function of the patch, "[K
// comparable, V any]", and lists the parameters' names.
func (t *translator) enclosingTypeParams(fd *ast.FuncDecl) (string, []string, bool) {
	fn, _ := t.u.info.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return "", nil, false
	}
	tps := fn.Signature().TypeParams()
	if fd.Recv != nil {
		tps = fn.Signature().RecvTypeParams()
	}
	var parts, names []string
	for i := 0; i < tps.Len(); i++ {
		c, ok := t.typeExpr(tps.At(i).Constraint())
		if !ok {
			return "", nil, false
		}
		names = append(names, tps.At(i).Obj().Name())
		parts = append(parts, tps.At(i).Obj().Name()+" "+c)
	}
	return "[" + strings.Join(parts, ", ") + "]", names, true
}
