package patcher

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"

	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// unit is one package being patched: its new version, type-checked, and
// what the base's rewrite generated for it.
type unit struct {
	path string
	// isMain: package main, which the patch cannot import (a kit whose
	// archive of it was not compiled as "main": a Bazel kit, or an older
	// one): reached through //go:linkname, its types out of reach.
	isMain bool
	lang   string // the package's language version (-lang), go1.N
	force  bool   // loaded though unchanged: it uses constants whose value changed
	// oldConsts are the package's constants whose value changed, with
	// their base values; consts, those of every package of the patch.
	oldConsts map[*types.Const]constant.Value
	consts    constSet
	bfset     *token.FileSet // the base version, for the notes of reach
	baseFiles []*ast.File
	// redirects are the literals of changed functions whose closure
	// values the patch redirects (closureChanges); redirected, their
	// positions and those of literals closureChanges noted (reach adds no
	// note of its own for them); litsOnly, the functions whose every
	// change is inside redirected literals.
	redirects  []redirect
	redirected map[token.Pos]bool
	litsOnly   map[string]bool
	// closures indexes the manifest's literals (closuresByFunc).
	closures map[string]map[int]rewriter.Closure
	alias    string // the package's import name in patch files
	fset     *token.FileSet
	files    []*ast.File
	srcs     map[*ast.File][]byte
	names    map[*ast.File]string // absolute file names
	pkg      *types.Package
	info     *types.Info
	man      rewriter.Manifest
	ch       *changes
	added    map[types.Object]bool
	funcs    map[string]rewriter.Func
	types    map[string]rewriter.Type
	vars     map[string]rewriter.Var
	linked   map[string]string // main package: symbol -> local linkname'd declaration
	kept     map[string]bool   // main package: the functions the program keeps for patches
	// refusal makes a refusal at a position (module-relative).
	refusal func(p token.Position, decl, reason string) Refusal
}

func (u *unit) index() {
	u.funcs, u.types, u.vars = map[string]rewriter.Func{}, map[string]rewriter.Type{}, map[string]rewriter.Var{}
	for _, f := range u.man.Funcs {
		u.funcs[f.Name] = f
	}
	for _, t := range u.man.Types {
		u.types[t.Name] = t
	}
	for _, v := range u.man.Vars {
		u.vars[v.Name] = v
	}
	u.linked = map[string]string{}
	u.kept = map[string]bool{}
	for _, name := range u.man.KeptFuncs {
		u.kept[name] = true
	}
}

// edit replaces src[off:end] with text.
type edit struct {
	off, end int
	text     string
}

// translator turns declarations of the package into code of the patch's
// package main: references to the package's own world go through the
// exported names the base's rewrite generated (aliases, accessors,
// wrappers), or, for package main, through //go:linkname.
type translator struct {
	u        *unit
	file     *ast.File
	tf       *token.File
	edits    []edit
	imports  map[string]string // path -> local name ("." for dot imports)
	refusals []Refusal
	notes    []string   // notes about what the program will not show (applied.not_live)
	decl     string     // the declaration being translated, for refusals
	decls    []linkDecl // //go:linkname declarations this file needs
	lits     int        // composite literals translated, for their names
	// aliases are the patch's own aliases of unexported types (name ->
	// target), shared by the patch's files; typeAliases those this file
	// declares.
	aliases     map[string]string
	typeAliases []linkDecl
}

// inPatch reports whether a named type is declared in the patch itself
// (added, or local to a function): its fields and methods are the
// patch's own, reachable as written.
func (t *translator) inPatch(n *types.Named) bool {
	if n == nil {
		return false
	}
	obj := n.Obj()
	return obj.Pkg() == t.u.pkg && (obj.Parent() != t.u.pkg.Scope() || t.u.added[obj])
}

// structType translates a struct type written in the patch. An embedded
// field's name is its type's name: an unexported type of the package,
// which the patch names by its exported alias, is embedded through a
// patch-level alias of the same name, so that the field keeps its name
// (keyed literals, selectors) and its type.
func (t *translator) structType(st *ast.StructType) {
	for _, f := range st.Fields.List {
		id, _ := ast.Unparen(f.Type).(*ast.Ident)
		if se, ok := ast.Unparen(f.Type).(*ast.StarExpr); ok {
			id, _ = ast.Unparen(se.X).(*ast.Ident)
		}
		if len(f.Names) > 0 || id == nil || t.u.isMain {
			t.walk(f.Type)
			continue
		}
		obj, _ := t.u.info.Uses[id].(*types.TypeName)
		if obj == nil || obj.Exported() || obj.Pkg() != t.u.pkg || obj.Parent() != t.u.pkg.Scope() || t.u.added[obj] {
			t.walk(f.Type)
			continue
		}
		a := t.u.types[obj.Name()].Alias
		if a == "" {
			t.refuse(id, fmt.Sprintf("embeds unexported type %s, which has no exported alias in the running program; restart to apply", obj.Name()))
			continue
		}
		target := t.qual(a)
		switch have, ok := t.aliases[obj.Name()]; {
		case !ok:
			t.aliases[obj.Name()] = target
			t.typeAliases = append(t.typeAliases, linkDecl{Local: obj.Name(), Type: target})
		case have != target:
			t.refuse(id, fmt.Sprintf("embeds unexported type %s, and another patched package has a type of that name; patch them one at a time, or restart to apply", obj.Name()))
		}
	}
}

// refuse refuses the declaration being translated, at n, once per reason.
func (t *translator) refuse(n ast.Node, reason string) {
	for _, r := range t.refusals {
		if r.Decl == t.decl && r.Reason == reason {
			return
		}
	}
	t.refusals = append(t.refusals, t.u.refusal(t.u.fset.Position(n.Pos()), t.decl, reason))
}

// importName is the name this file gives the package at path: the name
// the source file imports it by, or else want, made unique in the file.
func (t *translator) importName(path, want string) string {
	if name, ok := t.imports[path]; ok && name != "." && name != "_" {
		return name
	}
	name := want
	for i := 2; ; i++ {
		taken := false
		for p, n := range t.imports {
			if n == name && p != path {
				taken = true
			}
		}
		if !taken {
			break
		}
		name = fmt.Sprintf("%s%d", want, i)
	}
	t.imports[path] = name
	return name
}

func (t *translator) replace(from, to token.Pos, text string) {
	t.edits = append(t.edits, edit{t.tf.Offset(from), t.tf.Offset(to), text})
}

// text returns the source of n with the edits made inside it applied.
func (t *translator) text(n ast.Node) string {
	src := t.u.srcs[t.file]
	start, end := t.tf.Offset(n.Pos()), t.tf.Offset(n.End())
	var es []edit
	for _, e := range t.edits {
		if e.off >= start && e.end <= end {
			es = append(es, e)
		}
	}
	// By offset; at one offset, insertions first, then the outermost
	// replacement (which covers the edits inside it).
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.off != b.off {
			return a.off < b.off
		}
		if (a.end == a.off) != (b.end == b.off) {
			return a.end == a.off
		}
		return a.end > b.end
	})
	var b strings.Builder
	last := start
	for _, e := range es {
		if e.off < last {
			continue // overlapped by an outer edit
		}
		b.Write(src[last:e.off])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(src[last:end])
	return b.String()
}

// use records that the patch file needs the patched package imported.
func (t *translator) qual(name string) string {
	t.imports[t.u.path] = t.u.alias
	return t.u.alias + "." + name
}

// walk records the edits that translate n.
func (t *translator) walk(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				if pn, ok := t.u.info.Uses[id].(*types.PkgName); ok {
					t.imports[pn.Imported().Path()] = pn.Name()
					if c := t.u.consts.lookup(t.u.info.Uses[n.Sel]); c != nil {
						// Another package's constant, whose value this
						// patch changes: the base's export data has the
						// old one.
						t.replace(n.Pos(), n.End(), t.constExpr(n, c))
					}
					return false
				}
			}
			if sel := t.u.info.Selections[n]; sel != nil {
				t.selection(n, sel, nil)
				t.walk(n.X)
				return false
			}
		case *ast.CallExpr:
			if se, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok {
				if sel := t.u.info.Selections[se]; sel != nil && sel.Kind() == types.MethodVal {
					t.selection(se, sel, n)
					t.walk(se.X)
					for _, a := range n.Args {
						t.walk(a)
					}
					return false
				}
			}
		case *ast.StructType:
			t.structType(n)
			return false
		case *ast.UnaryExpr:
			if cl, ok := ast.Unparen(n.X).(*ast.CompositeLit); ok && n.Op == token.AND {
				if t.compositeLit(n, cl, true) {
					return false
				}
			}
		case *ast.CompositeLit:
			if t.compositeLit(n, n, false) {
				return false
			}
		case *ast.Ident:
			t.ident(n)
		}
		return true
	})
}

// ident translates a reference to a package-level object.
func (t *translator) ident(id *ast.Ident) {
	obj := t.u.info.Uses[id]
	if obj == nil || obj.Pkg() == nil {
		return
	}
	if obj.Pkg() != t.u.pkg {
		// A dot-imported name: keep the dot import.
		if obj.Parent() == obj.Pkg().Scope() {
			t.imports[obj.Pkg().Path()] = "."
		}
		if c := t.u.consts.lookup(obj); c != nil {
			t.replace(id.Pos(), id.End(), t.constExpr(id, c))
		}
		return
	}
	if obj.Parent() != t.u.pkg.Scope() || t.u.added[obj] {
		return // local, or declared in the patch itself
	}
	name := obj.Name()
	if t.u.isMain {
		t.mainIdent(id, obj)
		return
	}
	switch obj := obj.(type) {
	case *types.Const:
		// An unexported constant cannot be named; one whose value this
		// patch changes has its old value in the running program.
		if !obj.Exported() || t.u.consts.lookup(obj) != nil {
			t.replace(id.Pos(), id.End(), t.constExpr(id, obj))
			return
		}
	case *types.TypeName:
		if !obj.Exported() {
			a := t.u.types[name].Alias
			if a == "" {
				t.refuse(id, fmt.Sprintf("uses unexported type %s, which has no exported alias in the running program (generic aliases need go1.24); restart to apply", name))
				return
			}
			name = a
		}
	case *types.Func:
		if !obj.Exported() {
			w := t.u.funcs[name].Wrapper
			if w == "" {
				t.refuse(id, fmt.Sprintf("calls %s, which a patch cannot reach (no exported wrapper was generated for it); restart to apply", name))
				return
			}
			name = w
		}
	case *types.Var:
		if !obj.Exported() {
			a := t.u.vars[name].Accessor
			if a == "" {
				t.refuse(id, fmt.Sprintf("uses variable %s, which a patch cannot reach (no accessor was generated for it); restart to apply", name))
				return
			}
			t.replace(id.Pos(), id.End(), "(*"+t.qual(a)+")")
			return
		}
	}
	t.replace(id.Pos(), id.End(), t.qual(name))
}

// mainIdent translates a reference to package main's world, which cannot
// be imported: functions and variables are reached by symbol name.
func (t *translator) mainIdent(id *ast.Ident, obj types.Object) {
	switch obj := obj.(type) {
	case *types.Const:
		t.replace(id.Pos(), id.End(), t.constExpr(id, obj))
	case *types.TypeName:
		t.refuse(id, fmt.Sprintf("uses type %s of package main: a patch cannot name package main's types; move the type to another package to patch code that uses it, or restart to apply", obj.Name()))
	case *types.Func, *types.Var:
		if fn, ok := obj.(*types.Func); ok && fn.Signature().TypeParams().Len() > 0 {
			t.refuse(id, fmt.Sprintf("uses generic function %s of package main: a patch reaches package main's functions by their symbols in the program, and a generic function's instantiations have none it can name; move it to another package to patch code that uses it, or restart to apply", obj.Name()))
			return
		}
		if _, ok := obj.(*types.Func); ok && !t.u.kept[obj.Name()] {
			t.refuse(id, fmt.Sprintf("uses function %s of package main, which the running program does not keep (a patch reaches package main's functions by their symbols in the program); restart to apply", obj.Name()))
			return
		}
		typ, ok := t.typeExpr(obj.Type())
		if !ok {
			t.refuse(id, fmt.Sprintf("uses %s of package main, whose type names package main's types: move them to another package to patch this code, or restart to apply", obj.Name()))
			return
		}
		t.replace(id.Pos(), id.End(), t.link("main."+obj.Name(), typ, isFunc(obj)))
	}
}

func isFunc(obj types.Object) bool { _, ok := obj.(*types.Func); return ok }

// link returns the local name of a //go:linkname declaration of symbol,
// declaring it in this file the first time (the patch is one package: a
// declaration in one file serves all).
func (t *translator) link(symbol, typ string, fn bool) string {
	u := t.u
	if l, ok := u.linked[symbol]; ok {
		return l
	}
	l := fmt.Sprintf("gohotLinked%d", len(u.linked))
	u.linked[symbol] = l
	// A function is pulled as a variable of its type (see patchFile).
	t.decls = append(t.decls, linkDecl{Local: l, Symbol: symbol, Type: typ, Func: fn})
	return l
}

// selection translates x.f and x.m(...) where f or m is unexported.
func (t *translator) selection(se *ast.SelectorExpr, sel *types.Selection, call *ast.CallExpr) {
	obj := sel.Obj()
	if obj.Exported() || obj.Pkg() != t.u.pkg {
		return // reachable as written (promotion works across packages)
	}
	if fn, ok := obj.(*types.Func); ok && t.inPatch(namedOf(fn.Signature().Recv().Type())) {
		return // a method of a type the patch declares
	}
	if t.u.isMain {
		t.refuse(se, fmt.Sprintf("uses %s of a package main type: a patch cannot name package main's types; move the type to another package to patch code that uses it, or restart to apply", obj.Name()))
		return
	}
	path := sel.Index()
	xt := t.u.info.TypeOf(se.X)
	addressable := t.u.info.Types[se.X].Addressable()
	switch sel.Kind() {
	case types.MethodExpr:
		// T.m: the wrapper is that very function when the receiver is
		// the one m is declared with.
		fn, _ := obj.(*types.Func)
		named := namedOf(sel.Recv())
		if fn == nil || named == nil || len(path) != 1 || !types.Identical(sel.Recv(), fn.Signature().Recv().Type()) {
			t.refuse(se, fmt.Sprintf("uses method expression %s through another receiver type than the method's; write the method's own receiver type, or restart to apply", obj.Name()))
			return
		}
		if t.u.added[fn] {
			t.replace(se.Pos(), se.End(), newMethodFunc(t.u, fn))
			return
		}
		w := t.u.funcs[named.Obj().Name()+"."+obj.Name()].Wrapper
		if w == "" {
			t.refuse(se, fmt.Sprintf("uses %s.%s, which a patch cannot reach (no exported wrapper was generated for it); restart to apply", named.Obj().Name(), obj.Name()))
			return
		}
		t.replace(se.Pos(), se.End(), t.qual(w))
	case types.FieldVal:
		prefix, suffix, _, ok := t.fieldPath(se, xt, addressable, path)
		if !ok {
			return
		}
		t.replace(se.X.Pos(), se.X.Pos(), prefix)
		t.replace(se.X.End(), se.End(), suffix)
	case types.MethodVal:
		prefix, suffix, rt, ok := t.fieldPath(se, xt, addressable, path[:len(path)-1])
		if !ok {
			return
		}
		fn := obj.(*types.Func)
		recv := fn.Signature().Recv()
		if recv == nil {
			return
		}
		named := namedOf(recv.Type())
		if named == nil || types.IsInterface(named) && t.u.funcs[named.Obj().Name()+"."+obj.Name()].Wrapper == "" {
			t.refuse(se, fmt.Sprintf("calls unexported method %s of an interface that has no exported wrapper in the running program (an unnamed or generic interface): a patch, being another package, cannot call it; restart to apply", obj.Name()))
			return
		}
		var callee string
		if t.u.added[fn] {
			callee = newMethodFunc(t.u, fn) // added by the patch
		} else if w := t.u.funcs[named.Obj().Name()+"."+obj.Name()].Wrapper; w != "" {
			callee = t.qual(w)
		} else {
			t.refuse(se, fmt.Sprintf("calls %s.%s, which a patch cannot reach (no exported wrapper was generated for it); restart to apply", named.Obj().Name(), obj.Name()))
			return
		}
		_, wantPtr := recv.Type().(*types.Pointer)
		_, havePtr := rt.Underlying().(*types.Pointer)
		op := ""
		switch {
		case wantPtr && !havePtr:
			if !(addressable || len(path) > 1) {
				t.refuse(se, fmt.Sprintf("calls pointer method %s on a value that is not addressable; restart to apply", obj.Name()))
				return
			}
			op = "&"
		case !wantPtr && havePtr:
			op = "*"
		}
		if call == nil {
			t.methodValue(se, fn, callee, op+prefix, suffix)
			return
		}
		sep := ""
		if len(call.Args) > 0 {
			sep = ", "
		}
		t.replace(se.X.Pos(), se.X.Pos(), callee+"("+op+prefix)
		t.replace(se.X.End(), call.Lparen+1, suffix+sep)
	}
}

// methodValue translates x.m, the value of an unexported method, which
// another package cannot take: it becomes a function literal called in
// place that receives x (evaluated, and copied or addressed, where the
// method value would be) and returns a function calling the method's
// exported wrapper with it,
//
//	x.m  →  func(r *T) func(int) error { return func(a int) error { return W(r, a) } }(&x)
func (t *translator) methodValue(se *ast.SelectorExpr, fn *types.Func, callee, prefix, suffix string) {
	sig := fn.Signature()
	recv, ok := t.typeExpr(sig.Recv().Type())
	if !ok {
		t.refuse(se, fmt.Sprintf("takes method value %s of a type a patch cannot name; restart to apply", fn.Name()))
		return
	}
	fsig, ok := t.typeExpr(types.NewSignatureType(nil, nil, nil, sig.Params(), sig.Results(), sig.Variadic()))
	if !ok {
		t.refuse(se, fmt.Sprintf("takes method value %s, whose signature names a type a patch cannot name; restart to apply", fn.Name()))
		return
	}
	fsig = strings.TrimPrefix(fsig, "func")
	var params, args []string
	for i := 0; i < sig.Params().Len(); i++ {
		typ := sig.Params().At(i).Type()
		name := fmt.Sprintf("gohotArg%d", i)
		arg := name
		if sig.Variadic() && i == sig.Params().Len()-1 {
			typ = typ.(*types.Slice).Elem()
			arg += "..."
			name += " ..."
		} else {
			name += " "
		}
		ts, _ := t.typeExpr(typ) // spelled above, in the signature
		params, args = append(params, name+ts), append(args, arg)
	}
	results := ""
	if s, _ := t.typeExpr(sig.Results()); sig.Results().Len() > 0 {
		results, _ = strings.CutPrefix(s, "(")
		results = "(" + results
		if sig.Results().Len() == 1 && sig.Results().At(0).Name() == "" {
			results = strings.TrimSuffix(strings.TrimPrefix(results, "("), ")")
		}
	}
	ret := ""
	if sig.Results().Len() > 0 {
		ret = "return "
	}
	open := fmt.Sprintf("func(gohotRecv %s) func%s { return func(%s) %s { %s%s(%s) } }(",
		recv, fsig, strings.Join(params, ", "), results, ret, callee, strings.Join(append([]string{"gohotRecv"}, args...), ", "))
	t.replace(se.X.Pos(), se.X.Pos(), open+prefix)
	t.replace(se.X.End(), se.End(), suffix+")")
}

// fieldPath builds the text around x that follows a path of (possibly
// embedded, possibly unexported) fields: unexported fields of the patched
// package's types go through their accessors. It returns the prefix and
// suffix to put around x, and the type reached.
func (t *translator) fieldPath(n ast.Node, xt types.Type, addressable bool, path []int) (prefix, suffix string, cur types.Type, ok bool) {
	cur = xt
	for _, idx := range path {
		ptr := false
		under := cur
		if p, isPtr := cur.Underlying().(*types.Pointer); isPtr {
			ptr, under = true, p.Elem()
		}
		st, isStruct := under.Underlying().(*types.Struct)
		if !isStruct {
			t.refuse(n, "reaches a field through a type that is not a struct (a bug in hotreload's translation); restart to apply")
			return "", "", nil, false
		}
		f := st.Field(idx)
		if f.Exported() || f.Pkg() != t.u.pkg || t.inPatch(namedOf(under)) {
			suffix += "." + f.Name()
			addressable = addressable || ptr
			cur = f.Type()
			continue
		}
		named := namedOf(under)
		if named == nil {
			t.refuse(n, fmt.Sprintf("reaches unexported field %s of an unnamed struct type, which has no accessor; restart to apply", f.Name()))
			return "", "", nil, false
		}
		acc := t.accessor(named, f.Name())
		if acc == "" {
			t.refuse(n, fmt.Sprintf("reaches field %s of %s, which has no accessor in the running program; restart to apply", f.Name(), named.Obj().Name()))
			return "", "", nil, false
		}
		switch {
		case ptr:
			prefix = "(*" + t.qual(acc) + "(" + prefix
			suffix += "))"
		case addressable:
			prefix = "(*" + t.qual(acc) + "(&" + prefix
			suffix += "))"
		default:
			// A value that is not addressable (a map element, a call's
			// result) can only be read: the accessor reads a copy,
			// addressable as the element of a new slice.
			tn, ok := t.typeExpr(under)
			if !ok {
				t.refuse(n, fmt.Sprintf("reads field %s of a %s, a type a patch cannot name; restart to apply", f.Name(), named.Obj().Name()))
				return "", "", nil, false
			}
			prefix = "(*" + t.qual(acc) + "(&[]" + tn + "{" + prefix
			suffix += "}[0]))"
		}
		addressable = true
		cur = f.Type()
	}
	return prefix, suffix, cur, true
}

func namedOf(t types.Type) *types.Named {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	return n
}

// compositeLit translates a literal of one of the patched package's struct
// types that sets unexported fields, which another package cannot write in
// a literal: it becomes a function literal that builds the value through
// the generated accessors, called in place,
//
//	T{A: a, b: c}   →  func() (v T) { v.A = a; *F_T_b(&v) = c; return }()
//	&T{A: a, b: c}  →  func() *T { v := new(T); v.A = a; *F_T_b(v) = c; return v }()
//
// keeping the elements' order of evaluation and their lines. expr is the
// whole expression (cl itself or &cl); addr says it takes cl's address. It
// reports whether it translated the literal (its elements included).
func (t *translator) compositeLit(expr ast.Expr, cl *ast.CompositeLit, addr bool) bool {
	if t.u.isMain {
		return false
	}
	tv, ok := t.u.info.Types[cl]
	if !ok {
		return false
	}
	typ := tv.Type
	if p, ok := typ.Underlying().(*types.Pointer); ok && !addr {
		// An element of a []*T literal, its &T elided.
		typ, addr = p.Elem(), true
	}
	named := namedOf(typ)
	st, ok := typ.Underlying().(*types.Struct)
	if !ok || named == nil || named.Obj().Pkg() != t.u.pkg || named.Obj().Parent() != t.u.pkg.Scope() || t.u.added[named.Obj()] {
		return false // written in the patch itself, or another package's
	}
	fields := make([]*types.Var, len(cl.Elts))
	values := make([]ast.Expr, len(cl.Elts))
	private := false
	for i, e := range cl.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				fields[i], _ = t.u.info.Uses[id].(*types.Var)
			}
			values[i] = kv.Value
		} else if i < st.NumFields() {
			fields[i], values[i] = st.Field(i), e
		}
		if fields[i] == nil {
			return false
		}
		private = private || !fields[i].Exported()
	}
	if !private {
		return false
	}
	tname, ok := t.typeExpr(named)
	if !ok {
		t.refuse(cl, fmt.Sprintf("builds a %s, a type a patch cannot name; restart to apply", named.Obj().Name()))
		return true
	}
	for _, v := range values {
		t.walk(v)
	}
	src := t.u.srcs[t.file]
	lines := func(from, to token.Pos) string {
		return strings.Repeat("\n", strings.Count(string(src[t.tf.Offset(from):t.tf.Offset(to)]), "\n"))
	}
	v := fmt.Sprintf("gohotLit%d", t.lits)
	t.lits++
	ref := "&" + v // the struct's address, for accessors
	var b strings.Builder
	if addr {
		ref = v
		fmt.Fprintf(&b, "func() *%s { %s := new(%s);", tname, v, tname)
	} else {
		fmt.Fprintf(&b, "func() (%s %s) {", v, tname)
	}
	b.WriteString(lines(expr.Pos(), cl.Lbrace))
	prev := cl.Lbrace + 1
	for i, f := range fields {
		b.WriteString(lines(prev, cl.Elts[i].Pos()))
		prev = cl.Elts[i].End()
		val := t.text(values[i])
		if f.Exported() {
			fmt.Fprintf(&b, " %s.%s = %s;", v, f.Name(), val)
			continue
		}
		acc := t.accessor(named, f.Name())
		if acc == "" {
			t.refuse(cl, fmt.Sprintf("sets field %s of %s, which has no accessor in the running program; restart to apply", f.Name(), named.Obj().Name()))
			return true
		}
		fmt.Fprintf(&b, " *%s(%s) = %s;", t.qual(acc), ref, val)
	}
	b.WriteString(lines(prev, cl.Rbrace))
	if addr {
		fmt.Fprintf(&b, " return %s }()", v)
	} else {
		b.WriteString(" return }()")
	}
	t.replace(expr.Pos(), expr.End(), b.String())
	return true
}

// accessor names the generated accessor of field of the patched package's
// type named ("" if there is none).
func (t *translator) accessor(named *types.Named, field string) string {
	for _, fl := range t.u.types[named.Obj().Name()].Fields {
		if fl.Name == field {
			return fl.Accessor
		}
	}
	return ""
}

// constExpr spells a constant's value, for constants a patch cannot name.
func (t *translator) constExpr(n ast.Node, c *types.Const) string {
	v := c.Val()
	var lit string
	switch v.Kind() {
	case constant.Bool:
		lit = strconv.FormatBool(constant.BoolVal(v))
	case constant.String:
		lit = strconv.Quote(constant.StringVal(v))
	case constant.Int:
		lit = v.ExactString()
		if b, ok := c.Type().(*types.Basic); ok && b.Kind() == types.UntypedRune {
			if r, ok := constant.Int64Val(v); ok {
				lit = strconv.QuoteRune(rune(r))
			}
		}
	case constant.Float:
		lit = v.ExactString()
		if num, den, ok := strings.Cut(lit, "/"); ok {
			lit = "(" + num + ".0/" + den + ".0)"
		} else if !strings.ContainsAny(lit, ".eE") {
			lit += ".0"
		}
	default:
		lit = v.ExactString()
	}
	if b, ok := c.Type().(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		return lit
	}
	typ, ok := t.typeExpr(c.Type())
	if !ok {
		t.refuse(n, fmt.Sprintf("uses constant %s, whose type a patch cannot name; restart to apply", c.Name()))
		return lit
	}
	return typ + "(" + lit + ")"
}

// typeExpr spells a type in the patch: the patched package's unexported
// types through their aliases, other packages by their import.
func (t *translator) typeExpr(typ types.Type) (string, bool) {
	ok := true
	s := types.TypeString(typ, func(p *types.Package) string {
		if p.Path() == t.u.path {
			if t.u.isMain {
				ok = false
			}
			return "\x00"
		}
		return t.importName(p.Path(), p.Name())
	})
	// Names of the patched package come out as "\x00.name".
	for strings.Contains(s, "\x00.") {
		i := strings.Index(s, "\x00.")
		j := i + 2
		for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		name := s[i+2 : j]
		repl := t.qual(name)
		if !token.IsExported(name) {
			if obj := t.u.pkg.Scope().Lookup(name); obj != nil && t.u.added[obj] {
				repl = name
			} else if a := t.u.types[name].Alias; a != "" {
				repl = t.qual(a)
			} else {
				ok = false
			}
		}
		s = s[:i] + repl + s[j:]
	}
	return s, ok
}
