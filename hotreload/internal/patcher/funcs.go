package patcher

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/instrument"
	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// translateDecl writes the patch's version of one changed or added
// declaration, and for a changed function the slot pair that redirects it.
func (b *Builder) translateDecl(t *translator, d *decl, u *unit) (string, *pair) {
	t.walk(d.node)
	pos := u.fset.Position(d.node.Pos())
	switch n := d.node.(type) {
	case *ast.FuncDecl:
		if n.Recv != nil && u.added[u.info.Defs[n.Name]] && !isAddedRecv(u, n) {
			// A method added to a type of the program.
			return asFunc(t, n, newMethodFunc(u, u.info.Defs[n.Name].(*types.Func)), nil), nil
		}
		if u.added[u.info.Defs[n.Name]] || (n.Recv != nil && isAddedRecv(u, n)) {
			// Lives in the patch as it is.
			return patchDecl(pos, "", t.text(n)), nil
		}
		return b.translateChanged(t, n, u)
	case *ast.TypeSpec:
		return patchDecl(pos, "type", t.text(n)), nil
	case *ast.ValueSpec:
		if c, ok := u.info.Defs[d.ident].(*types.Const); ok {
			// One constant of its block: spelled with its type and value,
			// since the block's implicit repetition (iota) stays behind.
			return patchDecl(pos, "const", c.Name()+" = "+t.constExpr(d.ident, c)), nil
		}
		return b.addedVar(t, n, u, pos), nil
	}
	return "", nil
}

// varHome is where a variable that a patch added lives: the symbol of the
// first applied patch that declared it, its type and its declaration.
type varHome struct{ symbol, typ, decl string }

// addedVar declares a package variable the sources added since the base.
// The first patch that has it declares it, initializer and all; the
// patches after it take that very variable (//go:linkname to the first
// patch's symbol, which the program has loaded), so that its value lives
// on across patches, as the value of a variable of the program would.
func (b *Builder) addedVar(t *translator, spec *ast.ValueSpec, u *unit, pos token.Position) string {
	text := t.text(spec)
	var links []linkDecl
	for _, id := range spec.Names {
		obj := u.info.Defs[id]
		if obj == nil || id.Name == "_" {
			links = nil
			break
		}
		typ, ok := t.typeExpr(obj.Type())
		h, have := b.vars[u.path+"."+id.Name]
		if !ok || !have || h.typ != obj.Type().String() {
			links = nil
			break
		}
		links = append(links, linkDecl{Local: id.Name, Symbol: h.symbol, Type: typ})
		if h.decl != text {
			p := u.refusal(pos, "", "")
			note := fmt.Sprintf("%s:%d: var %s: its initializer changed, but the variable, added by an earlier patch, keeps its value (restart to initialize it anew)", p.File, p.Line, id.Name)
			t.notes = append(t.notes, note)
		}
	}
	if links != nil {
		t.decls = append(t.decls, links...)
		return ""
	}
	for _, id := range spec.Names {
		if obj := u.info.Defs[id]; obj != nil && id.Name != "_" {
			b.newVars[u.path+"."+id.Name] = varHome{symbol: b.patchPath + "." + id.Name, typ: obj.Type().String(), decl: text}
		}
	}
	return patchDecl(pos, "var", text)
}

// asFunc writes function or method fd as a function of the patch named
// name, its receiver its first parameter. Each parameter in copies (string
// parameters: escape.go) is received under another name and copied into a
// variable of its own name first thing.
func asFunc(t *translator, fd *ast.FuncDecl, name string, copies map[string]bool) string {
	fn := replacementFunc{Name: name}
	fields := []*ast.Field{}
	if fd.Recv != nil {
		fields = append(fields, fd.Recv.List[0])
	}
	fields = append(fields, fd.Type.Params.List...)
	for _, f := range fields {
		p := param{Names: []string{"_"}, Type: t.text(f.Type)}
		if len(f.Names) > 0 {
			p.Names = nil
			for _, n := range f.Names {
				if copies[n.Name] {
					fn.Copies = append(fn.Copies, stringCopy{Name: n.Name, Arg: copiedArgPrefix + n.Name})
					p.Names = append(p.Names, copiedArgPrefix+n.Name)
					continue
				}
				p.Names = append(p.Names, n.Name)
			}
		}
		fn.Params = append(fn.Params, p)
	}
	if fd.Type.Results != nil {
		fn.Results = t.text(fd.Type.Results)
	}
	if fd.Type.TypeParams != nil && len(fd.Type.TypeParams.List) > 0 {
		fn.TypeParams = t.text(fd.Type.TypeParams)
	}
	fn.Body = t.text(fd.Body)
	return patchDecl(t.u.fset.Position(fd.Body.Lbrace), "func", execute(replacementTemplate, fn))
}

// newMethodFunc names the function of the patch that is method m added to
// type T of the program (which cannot take a method of another package):
// calls of the method are translated into calls of it.
func newMethodFunc(u *unit, m *types.Func) string {
	return "gohotMethod_" + namedOf(m.Signature().Recv().Type()).Obj().Name() + "_" + m.Name() + "_" + u.alias
}

func isAddedRecv(u *unit, fd *ast.FuncDecl) bool {
	obj := u.pkg.Scope().Lookup(rewriter.ReceiverBase(fd.Recv.List[0].Type))
	return obj != nil && u.added[obj]
}

// translateChanged turns a changed function or method into a function of
// the patch (the receiver becomes the first parameter) and its slot pair.
func (b *Builder) translateChanged(t *translator, fd *ast.FuncDecl, u *unit) (string, *pair) {
	display := fd.Name.Name
	if fd.Recv != nil {
		display = rewriter.ReceiverBase(fd.Recv.List[0].Type) + "." + fd.Name.Name
	}
	name := u.path + "." + display
	rf, ok := u.funcs[display]
	if !ok || rf.Slot == "" {
		reason := "it cannot be redirected"
		for _, s := range u.man.Skipped {
			if s.Name == display {
				reason = s.Reason
			}
		}
		t.refuse(fd, "the body changed, but "+reason+"; restart to apply")
		return "", nil
	}
	tparams := ""
	if fd.Recv != nil && len(rewriter.ReceiverTypeParams(fd.Recv.List[0].Type)) > 0 {
		// A method of a generic type: its replacement is a generic
		// function of the receiver's type parameters.
		var ok bool
		if tparams, _, ok = t.enclosingTypeParams(fd); !ok {
			t.refuse(fd, "a constraint of the receiver's type parameters names a type a patch cannot name; restart to apply")
			return "", nil
		}
	}
	local := "gohotFn_" + strings.ReplaceAll(display, ".", "_") + "_" + u.alias
	out := asFunc(t, fd, local+tparams, b.copies[local])
	if b.noEscapePackage(u) && instrument.HotCompiler() != "" {
		b.escapes = append(b.escapes, escapeCheck{u: u, fd: fd, local: local, display: display, decl: t.decl})
	}

	ref := slotRef{pkg: u.path, slot: rf.Slot, main: u.isMain}
	p := &pair{name: name, value: local}
	if u.isMain {
		// Package main cannot be imported: the slot is pulled by symbol
		// name, declared with its type spelled in this file.
		ref.typ = u.info.Defs[fd.Name].Type()
		typ, ok := t.typeExpr(ref.typ)
		if !ok {
			t.refuse(fd, "its signature names package main's types, which a patch cannot name: move them to another package to patch this function, or restart to apply")
			return "", nil
		}
		slot := "gohotMainSlot_" + rf.Slot
		t.decls = append(t.decls, linkDecl{Local: slot, Symbol: "main." + rf.Slot, Type: typ})
		p.slot, p.local = "&"+slot, true
	} else {
		p.slot = "&" + u.alias + "." + rf.Slot
		p.imports = map[string]string{u.path: u.alias}
	}
	b.pending[name] = ref
	if !rf.Generic {
		return out, p
	}
	insts := b.instantiations(u, fd)
	if len(insts) == 0 {
		return out + execute(noInstanceTemplate, display), nil
	}
	p.value = execute(instancesTemplate, struct {
		Func      string
		Instances []string
	}{local, insts})
	return out, p
}
