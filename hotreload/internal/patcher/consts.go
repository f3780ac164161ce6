package patcher

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"runtime"
	"sort"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

// A constant has no storage: the compiler copies its value into every
// place that uses it. A new value therefore goes live by re-patching every
// function of the program that uses the constant (in any main-module
// package), each compiled with the new value spelled out. What cannot be
// re-patched is said: a constant in a type (an array length) changes a
// layout and is refused; one in a package variable's initializer was used
// once, at start-up, and the value in memory stays (a note).

// baseConsts type-checks the base version of a package whose constants
// are written differently, and refuses those whose type changed (or which
// no longer have a value). It returns the base's constants by name, to
// compare values with (changedConsts).
func (b *Builder) baseConsts(p *kit.Package, u *unit, binfo *types.Info) (map[string]*types.Const, []Refusal) {
	cinfo := b.declTypes(p, u.fset, u.files)
	base := map[string]*types.Const{}
	for id, obj := range binfo.Defs {
		if c, ok := obj.(*types.Const); ok && c.Parent() == c.Pkg().Scope() {
			base[id.Name] = c
		}
	}
	var out []Refusal
	for _, c := range u.ch.consts {
		bc, _ := binfo.Defs[c.base.ident].(*types.Const)
		cc, _ := cinfo.Defs[c.cur.ident].(*types.Const)
		why := ""
		switch {
		case bc == nil || cc == nil || bc.Val().Kind() == constant.Unknown || cc.Val().Kind() == constant.Unknown:
			why = "its declaration changed"
		case !types.Identical(bc.Type(), cc.Type()) && bc.Type().String() != cc.Type().String():
			why = fmt.Sprintf("its type changed from %s to %s", bc.Type(), cc.Type())
		default:
			continue // the same constant, or a new value: re-patched
		}
		out = append(out, b.refusal(c.cur.pos, "const "+c.cur.name, why+": the code that uses it was compiled for the old one; restart to apply"))
	}
	return base, out
}

// declTypes type-checks a version of package p for the objects its
// declarations define (errors are the compile step's to report).
func (b *Builder) declTypes(p *kit.Package, fset *token.FileSet, files []*ast.File) *types.Info {
	info := &types.Info{Defs: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: b.imp, GoVersion: goLang(p.Lang), Sizes: types.SizesFor("gc", runtime.GOARCH), Error: func(error) {}}
	conf.Check(p.ImportPath, fset, files, info)
	return info
}

// varChanges decides about package variables declared differently: one
// whose type changed is refused (its value lives in memory with the old
// type); one whose initializer changed is noted: a package variable is
// initialized once, at start-up, and the value in memory stays — unless
// every change is inside function literals of the initializer, which the
// patch redirects (varLiteralsOnly).
func (u *unit) varChanges(binfo *types.Info) {
	for _, v := range u.ch.vars {
		bs, _ := v.base.node.(*ast.ValueSpec)
		cs, _ := v.cur.node.(*ast.ValueSpec)
		why := ""
		for i := range cs.Names {
			bo, co := binfo.Defs[bs.Names[i]], u.info.Defs[cs.Names[i]]
			if bo == nil || co == nil || bo.Type().String() != co.Type().String() {
				bt, ct := "?", "?"
				if bo != nil {
					bt = bo.Type().String()
				}
				if co != nil {
					ct = co.Type().String()
				}
				why = fmt.Sprintf("the type of %s changed from %s to %s", cs.Names[i].Name, bt, ct)
				break
			}
		}
		if why != "" {
			u.ch.refusals = append(u.ch.refusals, u.refusal(v.cur.pos, v.cur.label(), why+": the variable lives in memory with the old type; restart to apply"))
			continue
		}
		if u.varLiteralsOnly(v) {
			continue // the values it made run the literals' new bodies
		}
		p := u.refusal(v.cur.pos, "", "")
		note := fmt.Sprintf("%s:%d: var %s: its initializer changed, but a package variable is initialized once, at start-up: the value in memory stays (restart to initialize it anew)", p.File, p.Line, v.cur.name)
		u.ch.notes = append(u.ch.notes, note)
		u.ch.notLive = append(u.ch.notLive, note)
	}
}

// newMethods checks the methods added to types of the program (they live
// in the patch as functions; calls of them are translated): an added
// method m must not make a type satisfy an interface that lists m (a
// conversion or a type assertion of the running program would not see it:
// the type's method table is fixed), nor hide a method or field m the
// type promotes from an embedded one (compiled code calls that one). m
// being unexported, only interfaces of its own package can list it.
func (u *unit) newMethods() {
	type iface struct {
		it   *types.Interface
		name string
	}
	var ifaces []iface
	seen := map[*types.Interface]bool{}
	for _, name := range u.pkg.Scope().Names() {
		if tn, ok := u.pkg.Scope().Lookup(name).(*types.TypeName); ok {
			if it, ok := tn.Type().Underlying().(*types.Interface); ok && !seen[it] {
				seen[it] = true
				ifaces = append(ifaces, iface{it, name})
			}
		}
	}
	for _, tv := range u.info.Types {
		if it, ok := tv.Type.Underlying().(*types.Interface); ok && !seen[it] {
			seen[it] = true
			ifaces = append(ifaces, iface{it, types.TypeString(it, types.RelativeTo(u.pkg))})
		}
	}
	for _, d := range u.ch.added {
		fd, ok := d.node.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || isAddedRecv(u, fd) {
			continue
		}
		m, _ := u.info.Defs[fd.Name].(*types.Func)
		if m == nil {
			continue
		}
		named := namedOf(m.Signature().Recv().Type())
		if named == nil {
			continue
		}
		refuse := func(why string) {
			u.ch.refusals = append(u.ch.refusals, u.refusal(d.pos, d.label(), why+"; restart to apply"))
		}
		if st, ok := named.Underlying().(*types.Struct); ok {
			for i := 0; i < st.NumFields(); i++ {
				f := st.Field(i)
				if !f.Embedded() {
					continue
				}
				if obj, _, _ := types.LookupFieldOrMethod(f.Type(), true, u.pkg, m.Name()); obj != nil {
					refuse(fmt.Sprintf("adds method %s to %s, which hides the %s it promotes from embedded %s: the program's compiled code calls that one", m.Name(), named.Obj().Name(), m.Name(), f.Name()))
				}
			}
		}
		for _, x := range ifaces {
			it := x.it
			if it.NumMethods() == 0 {
				continue
			}
			lists := false
			for i := 0; i < it.NumMethods(); i++ {
				if it.Method(i).Name() == m.Name() && it.Method(i).Pkg() == u.pkg {
					lists = true
				}
			}
			if lists && (types.Implements(named, it) || types.Implements(types.NewPointer(named), it)) {
				refuse(fmt.Sprintf("adds method %s to %s, which makes it satisfy %s: a conversion or type assertion would not see the method (a type's method table is fixed when the program starts)", m.Name(), named.Obj().Name(), types.TypeString(it, types.RelativeTo(u.pkg))))
				break
			}
		}
	}
}

// changedConsts records the package-level constants of u whose value
// differs from the base's (written differently, or computed from one
// that is), with their old values.
func (u *unit) changedConsts(base map[string]*types.Const) {
	for _, name := range u.pkg.Scope().Names() {
		c, ok := u.pkg.Scope().Lookup(name).(*types.Const)
		bc := base[name]
		if !ok || bc == nil || c.Val().Kind() == constant.Unknown {
			continue
		}
		if bc.Val().Kind() != c.Val().Kind() || !constant.Compare(bc.Val(), token.EQL, c.Val()) {
			u.oldConsts[c] = bc.Val()
		}
	}
}

// constSet is the constants whose value a patch changes: import path →
// name → the constant as the current sources declare it.
type constSet map[string]map[string]*types.Const

// lookup returns the current version of obj if it is a package-level
// constant whose value changed (obj may be the base's object, as another
// package sees it, or the current one).
func (s constSet) lookup(obj types.Object) *types.Const {
	c, ok := obj.(*types.Const)
	if !ok || c.Pkg() == nil || c.Parent() != c.Pkg().Scope() {
		return nil
	}
	return s[c.Pkg().Path()][c.Name()]
}

// constImporters lists the main-module packages, other than those already
// being patched, that import a package whose exported constants changed:
// functions there may use them.
func (b *Builder) constImporters(changed constSet, loaded map[string]bool) []string {
	exported := map[string]bool{}
	for path, cs := range changed {
		for name := range cs {
			if token.IsExported(name) {
				exported[path] = true
			}
		}
	}
	if len(exported) == 0 {
		return nil
	}
	var out []string
	for path, p := range b.Kit.Packages {
		if !p.Main || loaded[path] || p.Name == "main" && path != b.Kit.MainPackage {
			continue
		}
		for _, ip := range kit.ImportsOf(p.Dir, p.Files) {
			if exported[ip] {
				out = append(out, path)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// constUsers re-patches every function of u that uses a changed constant,
// and says what cannot follow the new value: a signature or a type that
// uses it is refused (its layout or every caller depends on it), a
// package variable's initializer that uses it keeps the value it computed
// at start-up (a note), and a constant of another package computed from it
// is refused (its users were compiled with the value it had).
func (u *unit) constUsers(changed constSet) {
	uses := func(n ast.Node) *types.Const {
		var found *types.Const
		ast.Inspect(n, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && found == nil {
				found = changed.lookup(u.info.Uses[id])
			}
			return found == nil
		})
		return found
	}
	value := func(c *types.Const) string {
		if old, ok := u.oldConsts[c]; ok {
			return fmt.Sprintf("%s (%s → %s)", c.Name(), old, c.Val())
		}
		if c.Pkg() != u.pkg {
			return fmt.Sprintf("%s.%s (now %s)", c.Pkg().Name(), c.Name(), c.Val())
		}
		return c.Name()
	}
	have := map[string]bool{}
	for _, d := range append(append([]*decl(nil), u.ch.changed...), u.ch.added...) {
		have[d.key] = true
	}
	cur := declsOf(u.fset, u.files)
	users := map[*types.Const][]string{}
	for _, key := range sortedDeclKeys(cur) {
		d := cur[key]
		switch n := d.node.(type) {
		case *ast.FuncDecl:
			c := uses(n.Type)
			if c == nil && n.Recv != nil {
				c = uses(n.Recv)
			}
			if c != nil {
				u.ch.refusals = append(u.ch.refusals, u.refusal(d.pos, d.label(), fmt.Sprintf("its signature uses constant %s, whose value changed: every caller was compiled against the old signature; restart to apply", value(c))))
				continue
			}
			if n.Body == nil {
				continue
			}
			c = uses(n.Body)
			if c == nil {
				continue
			}
			if strings.HasPrefix(key, "init#") {
				p := u.refusal(d.pos, "", "")
				note := fmt.Sprintf("%s:%d: func init uses constant %s, whose value changed; it ran at start-up with the old value and does not run again (restart to re-run it)", p.File, p.Line, value(c))
				u.ch.notes = append(u.ch.notes, note)
				u.ch.notLive = append(u.ch.notLive, note)
				continue
			}
			users[c] = append(users[c], d.name)
			if !have[key] {
				u.ch.changed = append(u.ch.changed, d)
				u.ch.constUsers = append(u.ch.constUsers, d)
				have[key] = true
			}
		case *ast.TypeSpec:
			if c := uses(n); c != nil {
				u.ch.refusals = append(u.ch.refusals, u.refusal(d.pos, d.label(), fmt.Sprintf("the type uses constant %s, whose value changed (an array length, say): values of the type live in memory with the old layout; restart to apply", value(c))))
			}
		case *ast.ValueSpec:
			if d.block != nil { // a constant
				if c := uses(n); c != nil && c.Pkg() != u.pkg {
					u.ch.refusals = append(u.ch.refusals, u.refusal(d.pos, d.label(), fmt.Sprintf("is computed from constant %s, whose value changed: the code using %s was compiled with the old value; restart to apply", value(c), d.name)))
				}
				continue
			}
			if c := uses(n); c != nil {
				p := u.refusal(d.pos, "", "")
				note := fmt.Sprintf("%s:%d: var %s: its initializer uses constant %s, whose value changed; it ran at start-up and the value in memory stays (restart to recompute it)", p.File, p.Line, d.name, value(c))
				u.ch.notes = append(u.ch.notes, note)
				u.ch.notLive = append(u.ch.notLive, note)
			}
		}
	}
	var cs []*types.Const
	for c := range users {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name() < cs[j].Name() })
	for _, c := range cs {
		u.ch.notes = append(u.ch.notes, fmt.Sprintf("constant %s: the code that uses it is patched with the new value (%s)", value(c), strings.Join(users[c], ", ")))
	}
}

func sortedDeclKeys(m map[string]*decl) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
