package rewriter

import (
	"fmt"
	"go/ast"
	"strings"
)

// typeSpec generates, for a package-level named type, an exported alias if
// the type is unexported and an accessor for each unexported struct field:
// a patch is another package and could otherwise name neither.
func (p *pkg) typeSpec(f *file, ts *ast.TypeSpec) {
	name := ts.Name.Name
	if name == "_" {
		return
	}
	t := Type{Name: name}
	tparams, targs := "", ""
	if ts.TypeParams != nil && len(ts.TypeParams.List) > 0 {
		w := typeWriter{}
		var b strings.Builder
		w.typeParams(&b, ts.TypeParams)
		tparams, targs = b.String(), w.typeParamNames(ts.TypeParams)
	}
	if !ast.IsExported(name) {
		if tparams != "" && !p.langAtLeast(24) {
			p.note(name, ts, "no exported alias: generic type aliases need go1.24 and the package is compiled at "+p.cfg.GoVersion)
		} else {
			t.Alias = p.newName("T", name)
			fmt.Fprintf(&f.gen, "type %s%s = %s%s\n", t.Alias, tparams, name, targs)
		}
	}
	if st, ok := ts.Type.(*ast.StructType); ok && !ts.Assign.IsValid() {
		w := typeWriter{}
		for _, field := range st.Fields.List {
			names := field.Names
			if len(names) == 0 { // embedded: the field is named after its type
				if id := EmbeddedName(field.Type); id != nil {
					names = []*ast.Ident{id}
				}
			}
			for _, id := range names {
				if id.Name == "_" || ast.IsExported(id.Name) {
					continue
				}
				acc := p.newName("F", name, id.Name)
				// The parameter is named with the package's reserved prefix
				// so that it cannot shadow a type the field's type names.
				r := p.prefix + "R"
				fmt.Fprintf(&f.gen, "func %s%s(%s *%s%s) *%s { return &%s.%s }\n",
					acc, tparams, r, name, targs, w.String(field.Type), r, id.Name)
				t.Fields = append(t.Fields, Field{Name: id.Name, Accessor: acc})
			}
		}
	}
	if it, ok := ts.Type.(*ast.InterfaceType); ok && !ts.Assign.IsValid() && tparams == "" {
		p.interfaceWrappers(f, name, it)
	}
	if t.Alias != "" || len(t.Fields) > 0 {
		p.man.Types = append(p.man.Types, t)
	}
}

// interfaceWrappers generates, for each unexported method m listed by
// interface type T, an exported function that calls it,
//
//	func GoHotW_T_m(x T, p0 int) error { return x.m(p0) }
//
// so that a patch (another package, which cannot call an unexported
// method) can: the manifest lists it as the wrapper of "T.m".
func (p *pkg) interfaceWrappers(f *file, name string, it *ast.InterfaceType) {
	w := typeWriter{}
	for _, m := range it.Methods.List {
		ft, ok := m.Type.(*ast.FuncType)
		if !ok || len(m.Names) != 1 || ast.IsExported(m.Names[0].Name) || m.Names[0].Name == "_" {
			continue // embedded, exported or blank
		}
		method := m.Names[0].Name
		x := p.prefix + "X"
		params := []string{x + " " + name}
		var args []string
		variadic := false
		for _, field := range ft.Params.List {
			n := len(field.Names)
			if n == 0 {
				n = 1
			}
			for j := 0; j < n; j++ {
				a := fmt.Sprintf("%sP%d", p.prefix, len(args))
				params = append(params, a+" "+w.String(field.Type))
				args = append(args, a)
			}
			if _, ok := field.Type.(*ast.Ellipsis); ok {
				variadic = true
			}
		}
		call := strings.Join(args, ", ")
		if variadic {
			call += "..."
		}
		var b strings.Builder
		w.results(&b, ft.Results)
		ret := ""
		if b.Len() > 0 {
			ret = "return "
		}
		wrapper := p.newName("W", name, method)
		fmt.Fprintf(&f.gen, "func %s(%s)%s { %s%s.%s(%s) }\n", wrapper, strings.Join(params, ", "), b.String(), ret, x, method, call)
		p.man.Funcs = append(p.man.Funcs, Func{Name: name + "." + method, Pos: p.pos(m.Pos()), Wrapper: wrapper})
	}
}

// EmbeddedName returns the identifier naming an embedded field: T for T,
// *T, pkg.T, T[int].
func EmbeddedName(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.SelectorExpr:
			return x.Sel
		case *ast.Ident:
			return x
		default:
			return nil
		}
	}
}

// varSpec records package-level variables: unexported ones get an exported
// variable holding their address; all of them go into the keep-alive table.
func (p *pkg) varSpec(f *file, vs *ast.ValueSpec) {
	for _, id := range vs.Names {
		if id.Name == "_" {
			continue
		}
		v := Var{Name: id.Name}
		if ast.IsExported(id.Name) {
			p.keep = append(p.keep, id.Name)
		} else {
			v.Accessor = p.newName("V", id.Name)
			fmt.Fprintf(&f.gen, "var %s = &%s\n", v.Accessor, id.Name)
			p.keep = append(p.keep, v.Accessor)
		}
		p.man.Vars = append(p.man.Vars, v)
	}
}

// keepAlive makes every slot and package-level variable reachable for the
// linker. A patch refers to the package's data by symbol; if the host
// binary dropped a variable because nothing used it, the patch would get a
// fresh copy of its own instead of sharing the host's state. The table is
// static data; the only code is one call from an init function, which the
// linker always keeps.
func (p *pkg) keepAlive() {
	if len(p.keep) == 0 && len(p.keepFuncs) == 0 {
		return
	}
	f := p.keepFile
	// Unexported: every rewritten package has them, and a file that
	// dot-imports two packages must not see the same name twice.
	tab, use := unexported(p.newName("K", "table")), unexported(p.newName("K", "use"))
	p.man.Keep = tab
	fmt.Fprintf(&f.gen, "var %s = [...]interface{}{\n", tab)
	for _, k := range p.keep {
		fmt.Fprintf(&f.gen, "\t&%s,\n", k)
	}
	for _, k := range p.keepFuncs {
		fmt.Fprintf(&f.gen, "\t%s,\n", k)
	}
	fmt.Fprintf(&f.gen, "}\n\n//go:noinline\nfunc %s(interface{}) {}\nfunc init() { %s(&%s) }\n", use, use, tab)
}
