package rewriter

import (
	"fmt"
	"go/ast"
	"sort"
	"strings"
)

// skipDirectives are the compiler directives that make a function unsafe to
// redirect, with the reason reported to the user.
var skipDirectives = map[string]string{
	"go:nosplit":            "marked //go:nosplit: it must not grow its stack frame, and a redirect is a call",
	"go:systemstack":        "marked //go:systemstack: a redirect would run ordinary Go code on the system stack",
	"go:nowritebarrier":     "marked //go:nowritebarrier: a redirect could not honour the no-write-barrier rule",
	"go:nowritebarrierrec":  "marked //go:nowritebarrierrec: a redirect could not honour the no-write-barrier rule",
	"go:yeswritebarrierrec": "marked //go:yeswritebarrierrec: part of the runtime's write-barrier bookkeeping",
	"go:cgo_unsafe_args":    "marked //go:cgo_unsafe_args: its arguments are read as one block through the first one's address",
	"go:uintptrescapes":     "marked //go:uintptrescapes: its uintptr arguments carry pointers the compiler keeps alive only for a direct call",
	"go:uintptrkeepalive":   "marked //go:uintptrkeepalive: its uintptr arguments carry pointers the compiler keeps alive only for a direct call",
	"go:wasmimport":         "marked //go:wasmimport: its body is provided by the host",
	"go:wasmexport":         "marked //go:wasmexport: it is called by the host",
}

// funcDecl instruments one function or method.
func (p *pkg) funcDecl(f *file, fd *ast.FuncDecl) {
	name := fd.Name.Name
	display, recvBase := name, ""
	if fd.Recv != nil {
		if len(fd.Recv.List) != 1 || len(fd.Recv.List[0].Names) > 1 {
			return // does not compile anyway
		}
		recvBase = ReceiverBase(fd.Recv.List[0].Type)
		display = recvBase + "." + name
		if recvBase == "" {
			p.skip(display, fd, "receiver type not understood")
			return
		}
	}
	if name == "_" {
		p.skip(display, fd, "blank function: it can never be called")
		return
	}
	if fd.Recv == nil && name == "init" {
		p.skip(display, fd, "init functions run once, before main; there is nothing to redirect afterwards")
		return
	}

	sig := p.signature(f, fd)
	fn := Func{Name: display, Pos: p.pos(fd.Pos())}
	parts := []string{name}
	if recvBase != "" {
		parts = []string{recvBase, name}
	}
	// An unexported function or method gets an exported wrapper, so that a
	// patch (another package) can call it. Even functions that cannot be
	// redirected can be called.
	switch {
	case ast.IsExported(name):
	case fd.Body == nil:
		// An assembly function may be declared for every architecture
		// but implemented for a few (runtime.duffzero): a wrapper would
		// be a reference the linker cannot resolve. A patch can reach it
		// with //go:linkname instead.
		p.note(display, fd, "no exported wrapper: it has no Go body, and may have no implementation on this architecture")
	case p.cfg.ImportPath == "runtime" && name == "systemstack":
		// The compiler insists that systemstack's argument be a function
		// name or literal, never a variable.
		p.note(display, fd, "no exported wrapper: the compiler accepts only a function name or literal as its argument")
	default:
		fn.Wrapper = p.wrapper(f, fd, sig, parts)
	}
	// A patch reaches package main's functions by symbol, in the program
	// (it cannot import package main): the program must keep every one.
	if f.ast.Name.Name == "main" && fd.Recv == nil && fd.Body != nil && (fd.Type.TypeParams == nil || len(fd.Type.TypeParams.List) == 0) {
		p.keepFuncs = append(p.keepFuncs, name)
		p.man.KeptFuncs = append(p.man.KeptFuncs, name)
	}

	reason := ""
	switch {
	case fd.Body == nil:
		reason = "has no body (implemented in assembly or provided through //go:linkname)"
	case fd.Recv == nil && p.linknamed[name]:
		reason = "named by a //go:linkname directive: code outside the package refers to it by symbol"
	case callsRecover(fd.Body):
		reason = "calls recover(), which stops a panic only when the deferred function itself calls it: a redirect would call the new body from it"
	default:
		reason = directiveReason(pragmas(f, fd))
	}
	if origin, ok := p.nosplitCallees[callKey(fd)]; ok && reason == "" {
		reason = fmt.Sprintf("called by the //go:nosplit function %s (directly or through functions it calls): "+
			"it must stay inlinable there; a redirect would make it a real call, with a stack check and a preemption point where the runtime allows none", origin)
	}
	if reason != "" {
		p.skip(display, fd, reason)
		if fn.Wrapper != "" {
			p.man.Funcs = append(p.man.Funcs, fn)
		}
		return
	}

	if sig.generic && len(sig.shadowed) > 0 {
		p.skip(display, fd, fmt.Sprintf("generic, and %q names both a parameter and a type in its signature: the prologue could not spell the function's type", sig.shadowed[0]))
		if fn.Wrapper != "" {
			p.man.Funcs = append(p.man.Funcs, fn)
		}
		return
	}
	fn.Slot = p.newName(hotSlotKind, parts...)
	fn.Generic = sig.generic
	load := fn.Slot
	if p.cfg.Race && !sig.generic {
		fn.Loader = p.newName(hotLoaderKind, parts...)
		load = fn.Loader + "()"
	}
	ftype := "func(" + strings.Join(sig.types, ", ") + ")" + sig.results
	var pro string
	if !sig.generic {
		h := sig.fresh("h")
		pre, call := p.forward(f, sig, h)
		if sig.results != "" {
			pro = fmt.Sprintf(" if %[1]s := %[2]s; %[1]s != nil { %[3]sreturn %[4]s };", h, load, pre, call)
		} else {
			pro = fmt.Sprintf(" if %[1]s := %[2]s; %[1]s != nil { %[3]s%[4]s; return };", h, load, pre, call)
		}
		fmt.Fprintf(&f.gen, "var %s %s\n", fn.Slot, ftype)
		if fn.Loader != "" {
			fmt.Fprintf(&f.gen, "//go:norace\nfunc %s() %s { return %s }\n", fn.Loader, ftype, fn.Slot)
		}
	} else {
		// A package-level variable cannot be generic: the slot holds one
		// func value per instantiation, and the prologue picks the one
		// whose type matches this instantiation. A pointer, so that a
		// reader never sees half of a slice header being replaced.
		if p.cfg.Race {
			fn.Loader = p.newName(hotLoaderKind, parts...)
			load = fn.Loader + "()"
			fmt.Fprintf(&f.gen, "//go:norace\nfunc %s() *[]interface{} { return %s }\n", fn.Loader, fn.Slot)
		}
		hs, hf, ok := sig.fresh("hs"), sig.fresh("hf"), sig.fresh("ok")
		pre, call := p.forward(f, sig, hf)
		ret, tail := "return ", ""
		if sig.results == "" {
			ret, tail = "", "; return"
		}
		pro = fmt.Sprintf(" if %[1]s := %[2]s; %[1]s != nil { for _, %[3]s := range *%[1]s { if %[3]s, %[4]s := %[3]s.(%[5]s); %[4]s { %[6]s%[7]s%[8]s%[9]s } } };",
			hs, load, hf, ok, ftype, pre, ret, call, tail)
		fmt.Fprintf(&f.gen, "var %s *[]interface{}\n", fn.Slot)
	}
	f.replace(fd.Body.Lbrace+1, fd.Body.Lbrace+1, pro)
	p.man.Funcs = append(p.man.Funcs, fn)
	p.keep = append(p.keep, fn.Slot)
	p.closures(f, fd, display, parts, sig)
}

func (p *pkg) skip(name string, n ast.Node, reason string) {
	p.man.Skipped = append(p.man.Skipped, Skip{Name: name, Pos: p.pos(n.Pos()), Reason: reason})
}

func (p *pkg) note(name string, n ast.Node, reason string) {
	p.man.Notes = append(p.man.Notes, Skip{Name: name, Pos: p.pos(n.Pos()), Reason: reason})
}

// pragmas returns the comments that the compiler reads as fd's
// directives: every comment between the previous declaration and fd, not
// only its doc comment (a blank line does not detach a directive).
func pragmas(f *file, fd *ast.FuncDecl) []*ast.Comment {
	decls, groups := f.ast.Decls, f.ast.Comments
	i := sort.Search(len(decls), func(i int) bool { return decls[i].Pos() >= fd.Pos() })
	start := f.ast.Name.End()
	if i > 0 {
		start = decls[i-1].End()
	}
	var cs []*ast.Comment
	for j := sort.Search(len(groups), func(j int) bool { return groups[j].Pos() > start }); j < len(groups) && groups[j].End() <= fd.Pos(); j++ {
		cs = append(cs, groups[j].List...)
	}
	return cs
}

func directiveReason(comments []*ast.Comment) string {
	for _, c := range comments {
		if !strings.HasPrefix(c.Text, "//go:") {
			continue
		}
		d := strings.Fields(c.Text[2:])[0]
		if r, ok := skipDirectives[d]; ok {
			return r
		}
		if d == "go:linkname" {
			return "named by a //go:linkname directive: code outside the package refers to it by symbol"
		}
	}
	return ""
}

// ReceiverBase returns the name of a receiver's base type: "T" for
// (t T), (t *T), (t *T[K, V]) and (t (T)). The patcher names methods the
// same way.
func ReceiverBase(e ast.Expr) string {
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
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// ReceiverTypeParams returns the type parameter identifiers of a generic
// receiver: [K, V] for (m *Map[K, V]); none for a plain receiver.
func ReceiverTypeParams(e ast.Expr) []*ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			id, _ := x.Index.(*ast.Ident)
			return []*ast.Ident{id}
		case *ast.IndexListExpr:
			var ids []*ast.Ident
			for _, i := range x.Indices {
				id, _ := i.(*ast.Ident)
				ids = append(ids, id)
			}
			return ids
		default:
			return nil
		}
	}
}

// signature is what the rewriter knows of a function's parameters after
// naming the unnamed ones.
type signature struct {
	w        typeWriter
	used     map[string]bool // every identifier of the declaration
	generic  bool
	recvType ast.Expr     // nil for functions
	recvTPs  []*ast.Ident // type parameters of a generic receiver
	names    []string     // receiver first, then parameters
	types    []string     // their types, receiver first ("...T" for variadic)
	variadic bool
	results  string // " T" or " (T, U)" or ""
	// shadowed lists receiver, parameter and result names that are also
	// identifiers in the signature's types: inside the body such a type
	// cannot be spelled ("func f(p *p)").
	shadowed []string
}

func (s *signature) call() string {
	c := strings.Join(s.names, ", ")
	if s.variadic {
		c += "..."
	}
	return c
}

// fresh returns a name not used anywhere in the declaration, so that it
// can neither shadow nor be shadowed by anything the declaration names.
func (s *signature) fresh(base string) string {
	name := base
	for i := 1; s.used[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	s.used[name] = true
	return name
}

// signature names every unnamed or blank receiver, receiver type
// parameter and parameter of fd (editing the source in place, on the same
// line), and returns their names and types.
func (p *pkg) signature(f *file, fd *ast.FuncDecl) *signature {
	s := &signature{used: map[string]bool{}, w: typeWriter{renameIdent: map[*ast.Ident]string{}}}
	ast.Inspect(fd, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			s.used[id.Name] = true
		}
		return true
	})
	s.generic = fd.Type.TypeParams != nil && len(fd.Type.TypeParams.List) > 0
	if s.generic {
		// A blank type parameter cannot be named in the wrapper's
		// instantiation: give it a name (nothing can refer to it).
		i := 0
		for _, field := range fd.Type.TypeParams.List {
			for _, id := range field.Names {
				if id.Name == "_" {
					n := s.fresh(fmt.Sprintf("T%d", i))
					f.replace(id.Pos(), id.End(), n)
					s.w.renameIdent[id] = n
				}
				i++
			}
		}
	}
	if fd.Recv != nil {
		field := fd.Recv.List[0]
		s.recvType = field.Type
		s.recvTPs = ReceiverTypeParams(field.Type)
		for i, id := range s.recvTPs {
			s.generic = true
			if id != nil && id.Name == "_" {
				n := s.fresh(fmt.Sprintf("T%d", i))
				f.replace(id.Pos(), id.End(), n)
				s.w.renameIdent[id] = n
			}
		}
		s.names = append(s.names, p.nameField(f, s, field, "r")...)
		s.types = append(s.types, s.w.String(field.Type))
	}
	for _, field := range fd.Type.Params.List {
		names := p.nameField(f, s, field, "p")
		s.names = append(s.names, names...)
		for range names {
			s.types = append(s.types, s.w.String(field.Type))
		}
		if _, ok := field.Type.(*ast.Ellipsis); ok {
			s.variadic = true
		}
	}
	var b strings.Builder
	s.w.results(&b, fd.Type.Results)
	s.results = b.String()

	typeIdents := map[string]bool{}
	var values []string
	for _, fl := range []*ast.FieldList{fd.Recv, fd.Type.Params, fd.Type.Results} {
		if fl == nil {
			continue
		}
		for _, field := range fl.List {
			for _, id := range field.Names {
				values = append(values, id.Name)
			}
			ast.Inspect(field.Type, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					ast.Inspect(n.X, func(n ast.Node) bool {
						if id, ok := n.(*ast.Ident); ok {
							typeIdents[id.Name] = true
						}
						return true
					})
					return false
				case *ast.Ident:
					typeIdents[n.Name] = true
				}
				return true
			})
		}
	}
	for _, v := range values {
		if typeIdents[v] && v != "_" {
			s.shadowed = append(s.shadowed, v)
		}
	}
	return s
}

// nameField returns the names of a parameter field, first giving a fresh
// name to an unnamed parameter or to each blank one.
func (p *pkg) nameField(f *file, s *signature, field *ast.Field, base string) []string {
	if len(field.Names) == 0 {
		n := s.fresh(fmt.Sprintf("%s%d", base, len(s.names)))
		f.replace(field.Type.Pos(), field.Type.Pos(), n+" ")
		return []string{n}
	}
	var names []string
	for _, id := range field.Names {
		n := id.Name
		if n == "_" {
			n = s.fresh(fmt.Sprintf("%s%d", base, len(s.names)+len(names)))
			f.replace(id.Pos(), id.End(), n)
		}
		names = append(names, n)
	}
	return names
}

// wrapper generates an exported function that calls the unexported
// function or method fd; methods take the receiver as first parameter.
// It returns the wrapper's name, or "" (with a note) if none can be made.
func (p *pkg) wrapper(f *file, fd *ast.FuncDecl, s *signature, parts []string) string {
	display := strings.Join(parts, ".")
	tparams, targs := "", ""
	if fd.Type.TypeParams != nil && len(fd.Type.TypeParams.List) > 0 {
		var b strings.Builder
		s.w.typeParams(&b, fd.Type.TypeParams)
		tparams = b.String()
		targs = s.w.typeParamNames(fd.Type.TypeParams)
	}
	if len(s.recvTPs) > 0 {
		tp, why := p.receiverTypeParamList(f, s)
		if why != "" {
			p.note(display, fd, "no exported wrapper: "+why)
			return ""
		}
		tparams = tp
	}
	name := p.newName("W", parts...)
	params := make([]string, len(s.names))
	args := make([]string, len(s.names))
	for i := range s.names {
		// Reserved names: the function's own parameter names could
		// shadow the function being called ("func tag(tag string)").
		n := fmt.Sprintf("%sP%d", p.prefix, i)
		args[i] = n
		params[i] = n + " " + s.types[i]
	}
	callee := fd.Name.Name + targs
	if fd.Recv != nil {
		callee = args[0] + "." + fd.Name.Name
		args = args[1:]
	}
	call := strings.Join(args, ", ")
	if s.variadic {
		call += "..."
	}
	ret := ""
	if s.results != "" {
		ret = "return "
	}
	fmt.Fprintf(&f.gen, "func %s%s(%s)%s { %s%s(%s) }\n", name, tparams, strings.Join(params, ", "), s.results, ret, callee, call)
	return name
}

// receiverTypeParamList spells the type parameter list of a method on a
// generic type with the receiver's names, e.g. "[E cmp.Ordered]" for
// (l *List[E]) where List is declared as List[T cmp.Ordered]. The
// constraints come from the type's declaration; when that is in another
// file, they may only name things that need no import.
func (p *pkg) receiverTypeParamList(f *file, s *signature) (string, string) {
	base := ReceiverBase(s.recvType)
	ts, ok := p.types[base]
	if !ok || ts.TypeParams == nil {
		return "", "the declaration of " + base + " is not in this package's files"
	}
	var declNames []*ast.Ident
	for _, fl := range ts.TypeParams.List {
		declNames = append(declNames, fl.Names...)
	}
	if len(declNames) != len(s.recvTPs) {
		return "", "receiver and declaration of " + base + " have different type parameters"
	}
	w := typeWriter{rename: map[string]string{}}
	for i, id := range s.recvTPs {
		if id == nil {
			return "", "receiver type parameters not understood"
		}
		n := id.Name
		if r, ok := s.w.renameIdent[id]; ok {
			n = r
		}
		w.rename[declNames[i].Name] = n
	}
	// The receiver's names must not capture a name the constraints use
	// ("type L[T Number]" with "func (l *L[Number]) m()").
	for _, fl := range ts.TypeParams.List {
		var captured string
		ast.Inspect(fl.Type, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				ast.Inspect(n.X, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok && captured == "" && capturedBy(w.rename, id.Name) {
						captured = id.Name
					}
					return true
				})
				return false
			case *ast.Ident:
				if captured == "" && capturedBy(w.rename, n.Name) {
					captured = n.Name
				}
			}
			return true
		})
		if captured != "" {
			return "", "a receiver type parameter is named " + captured + ", which the constraints of " + base + " use"
		}
	}
	if p.typeFile[base] != f {
		if hasDotImport(p.typeFile[base].ast) {
			return "", "the constraints of " + base + " may name dot imports of another file"
		}
		for _, fl := range ts.TypeParams.List {
			qualified := false
			ast.Inspect(fl.Type, func(n ast.Node) bool {
				if _, ok := n.(*ast.SelectorExpr); ok {
					qualified = true
				}
				return !qualified
			})
			if qualified {
				return "", "the constraints of " + base + " name imports of another file"
			}
		}
	}
	var b strings.Builder
	w.typeParams(&b, ts.TypeParams)
	return b.String(), ""
}

// capturedBy reports whether name, used in a type declaration's constraints
// and not one of its type parameters (the keys of rename), would be
// captured by one of the receiver's type parameter names (the values).
func capturedBy(rename map[string]string, name string) bool {
	if _, ok := rename[name]; ok {
		return false
	}
	for _, n := range rename {
		if n == name {
			return true
		}
	}
	return false
}

// forward returns the statements to run before calling the redirect h and
// the call itself.
//
// Passing the arguments to h plainly would make every pointer argument
// escape: escape analysis knows nothing of the function h holds. That moves
// callers' stack values to the heap in every instrumented package, and in
// the runtime's own packages (compiled with -+) it is not even allowed.
// With Config.NoEscape each argument is copied to a local whose address is
// laundered through a uintptr variable (which escape analysis does not
// track), the way the runtime's noescape does; the argument then keeps the
// escape behaviour of the original body. The price is a contract: a
// replacement must not retain a pointer argument that the original body
// did not (the patcher checks this), or it could keep a pointer into a
// caller's stack frame.
func (p *pkg) forward(f *file, s *signature, h string) (pre, call string) {
	if !p.cfg.NoEscape || len(s.names) == 0 {
		return "", h + "(" + s.call() + ")"
	}
	generic := p.langAtLeast(18)
	if !generic && len(s.shadowed) > 0 {
		// The types cannot be spelled inside the body; let the
		// arguments escape rather than fail.
		return "", h + "(" + s.call() + ")"
	}
	u := p.prefix + "Unsafe"
	if !generic {
		f.needUnsafe = true
	} else if p.noescFile == nil {
		p.noescFile = f
		f.needUnsafe = true
		fmt.Fprintf(&f.gen, "func %sN[T any](p *T) *T { u := uintptr(%s.Pointer(p)); return (*T)(%s.Pointer(u)) }\n", p.prefix, u, u)
	}
	copies, cs, args := make([]string, len(s.names)), make([]string, len(s.names)), make([]string, len(s.names))
	var us, addrs []string
	for i, n := range s.names {
		cs[i] = s.fresh("c" + n)
		copies[i] = n
		if generic {
			// The helper infers the type: nothing to spell, nothing a
			// parameter could shadow.
			args[i] = fmt.Sprintf("*%sN(&%s)", p.prefix, cs[i])
			continue
		}
		a := s.fresh("u" + n)
		us = append(us, a)
		addrs = append(addrs, fmt.Sprintf("uintptr(%s.Pointer(&%s))", u, cs[i]))
		t := s.types[i]
		if strings.HasPrefix(t, "...") {
			t = "[]" + t[3:]
		}
		args[i] = fmt.Sprintf("*(*%s)(%s.Pointer(%s))", t, u, a)
	}
	pre = fmt.Sprintf("%s := %s; ", strings.Join(cs, ", "), strings.Join(copies, ", "))
	if !generic {
		pre += fmt.Sprintf("%s := %s; ", strings.Join(us, ", "), strings.Join(addrs, ", "))
	}
	call = h + "(" + strings.Join(args, ", ")
	if s.variadic {
		call += "..."
	}
	return pre, call + ")"
}

// callKey identifies a function for the nosplit analysis: "F" for a
// function, ".M" for any method named M (methods are matched by name
// alone: an over-approximation, which only errs on the safe side).
func callKey(fd *ast.FuncDecl) string {
	if fd.Recv != nil {
		return "." + fd.Name.Name
	}
	return fd.Name.Name
}

// nosplitCallees finds the functions that a //go:nosplit function of the
// package calls, directly or through such functions, mapped to the name of
// the nosplit function. They must keep no prologue: the runtime relies on
// them being inlined into nosplit code (runtime.readUintptr inside the
// write barrier, (*sigctxt).sigcode inside the signal handler), and a
// prologue makes them real calls with a stack check — a preemption point
// where none is allowed, or a stack growth on a stack that cannot grow.
// Calls inside function literals run at another time and are not followed.
func nosplitCallees(files []*file) map[string]string {
	byKey := map[string][]*ast.FuncDecl{}
	var roots []*ast.FuncDecl
	for _, f := range files {
		for _, d := range f.ast.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			byKey[callKey(fd)] = append(byKey[callKey(fd)], fd)
			for _, c := range pragmas(f, fd) {
				if strings.HasPrefix(c.Text, "//go:nosplit") {
					roots = append(roots, fd)
				}
			}
		}
	}
	marked := map[string]string{}
	type item struct {
		fd     *ast.FuncDecl
		origin string
	}
	var work []item
	for _, r := range roots {
		name := r.Name.Name
		if r.Recv != nil && len(r.Recv.List) == 1 {
			name = ReceiverBase(r.Recv.List[0].Type) + "." + name
		}
		work = append(work, item{r, name})
	}
	for len(work) > 0 {
		it := work[len(work)-1]
		work = work[:len(work)-1]
		ast.Inspect(it.fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				key := ""
				fun := n.Fun
				for {
					switch x := fun.(type) {
					case *ast.ParenExpr:
						fun = x.X
						continue
					case *ast.IndexExpr:
						fun = x.X
						continue
					case *ast.IndexListExpr:
						fun = x.X
						continue
					case *ast.Ident:
						key = x.Name
					case *ast.SelectorExpr:
						key = "." + x.Sel.Name
					}
					break
				}
				if _, done := marked[key]; key != "" && !done {
					if callees, ok := byKey[key]; ok {
						marked[key] = it.origin
						for _, c := range callees {
							work = append(work, item{c, it.origin})
						}
					}
				}
			}
			return true
		})
	}
	return marked
}
