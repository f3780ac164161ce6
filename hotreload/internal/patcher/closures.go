package patcher

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// A function literal of the program has a slot of its own (the rewriter's
// Closure): a patch redirects the closure values made before it — handlers
// and middleware built at start-up, callbacks stored in structs — to the
// literal's new body, which shares their captured variables through the
// addresses the prologue passes. A literal is redirected when its
// function changed, its text changed, it is at the same place among the
// function's literals (by index) and it captures the same variables; else
// the notes of reach say that old closure values keep the old body.

// redirect is one literal of a changed function (or of a package
// variable's initializer) that the patch redirects.
type redirect struct {
	encl    ast.Node      // the function or variable spec, current version
	fn      *ast.FuncDecl // encl if a function, else nil
	file    *ast.File     // the file of encl
	label   string        // the declaration in messages, "func F", "var v"
	lit     *ast.FuncLit  // current version
	display string        // the function's name, "F" or "T.M", or the variables', "v"
	c       rewriter.Closure
}

// closuresByFunc indexes the manifest's literals by Func and index.
func (u *unit) closuresByFunc() map[string]map[int]rewriter.Closure {
	if u.closures == nil {
		u.closures = map[string]map[int]rewriter.Closure{}
		for _, c := range u.man.Closures {
			if u.closures[c.Func] == nil {
				u.closures[c.Func] = map[int]rewriter.Closure{}
			}
			u.closures[c.Func][c.Index] = c
		}
	}
	return u.closures
}

// closureChanges finds the literals of u's changed functions to redirect,
// and notes those that cannot be (their closure values made before the
// patch keep the old body).
func (u *unit) closureChanges() {
	if u.isMain || u.info == nil {
		return
	}
	byFunc := u.closuresByFunc()
	base := declsOf(u.bfset, u.baseFiles)
	for _, d := range u.ch.changed {
		_, ok := d.node.(*ast.FuncDecl)
		bd, ok2 := base[d.key]
		if !ok || !ok2 {
			continue
		}
		if u.redirectLiterals(d, bd.node, byFunc[d.name]) {
			u.litsOnly[d.name] = true
		}
	}
}

// varLiteralsOnly reports whether every change of package variable spec
// v is inside literals of its initializer that the patch redirects (then
// the initializer's values, made at start-up, run the new bodies and no
// note is due).
func (u *unit) varLiteralsOnly(v constChange) bool {
	if u.isMain || u.info == nil {
		return false
	}
	cs, ok := v.cur.node.(*ast.ValueSpec)
	if !ok {
		return false
	}
	return u.redirectLiterals(v.cur, v.base.node, u.closuresByFunc()[rewriter.VarClosureFunc(cs)])
}

// redirectLiterals redirects the literals of declaration d (a function,
// or a variable spec; bnode its base version) whose text changed, by
// their place among its literals, noting those that capture other
// variables; it reports whether every change of d is inside literals it
// redirects.
func (u *unit) redirectLiterals(d *decl, bnode ast.Node, slots map[int]rewriter.Closure) bool {
	if u.redirected == nil {
		u.redirected, u.litsOnly = map[token.Pos]bool{}, map[string]bool{}
	}
	curLits, baseLits := rewriter.FuncLits(d.node), rewriter.FuncLits(bnode)
	if len(curLits) != len(baseLits) {
		return false // literals added or removed: indices do not match
	}
	fd, _ := d.node.(*ast.FuncDecl)
	var mine []int
	for i, lit := range curLits {
		if nodeText(u.fset, lit) == nodeText(u.bfset, baseLits[i]) {
			continue
		}
		c, ok := slots[i+1]
		if !ok {
			continue // not redirectable (reach's note stays)
		}
		captured := rewriter.CapturedVars(u.info.Uses, d.node, lit)
		if strings.Join(captured, ",") != strings.Join(c.Captures, ",") {
			p := u.refusal(u.fset.Position(lit.Pos()), "", "")
			where := d.name
			if fd == nil {
				where = d.label() // "var v"
			}
			note := fmt.Sprintf("%s:%d: the function literal in %s now uses other variables of %s (%s; the program's closure values have %s): closure values made before this patch keep running the old body; only values made from now on run the new one", p.File, p.Line, where, where, orNone(captured), orNone(c.Captures))
			u.ch.notes = append(u.ch.notes, note)
			u.ch.notLive = append(u.ch.notLive, note)
			u.redirected[lit.Pos()] = true // said here: no other note for it
			continue
		}
		if _, ok := u.info.TypeOf(lit).(*types.Signature); !ok {
			continue
		}
		u.redirects = append(u.redirects, redirect{encl: d.node, fn: fd, file: d.file, label: d.label(), lit: lit, display: c.Func, c: c})
		u.redirected[lit.Pos()] = true
		mine = append(mine, i)
	}
	if len(mine) == 0 {
		return false
	}
	// Is every change of the declaration inside literals it redirects?
	// Then what ran at start-up does not matter.
	saved := make([][2]*ast.BlockStmt, len(mine))
	for j, i := range mine {
		saved[j] = [2]*ast.BlockStmt{curLits[i].Body, baseLits[i].Body}
		curLits[i].Body, baseLits[i].Body = &ast.BlockStmt{}, &ast.BlockStmt{}
	}
	same := declText(u.fset, d.node) == declText(u.bfset, bnode)
	for j, i := range mine {
		curLits[i].Body, baseLits[i].Body = saved[j][0], saved[j][1]
	}
	return same
}

// declText is what redirectLiterals compares: a function's body, a
// variable spec without its comments.
func declText(fset *token.FileSet, n ast.Node) string {
	switch n := n.(type) {
	case *ast.FuncDecl:
		return nodeText(fset, n.Body)
	case *ast.ValueSpec:
		c := *n
		c.Doc, c.Comment = nil, nil
		return nodeText(fset, &c)
	}
	return nodeText(fset, n)
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// closureValue writes the new value of a redirected literal's slot: a
// function that takes the captured variables' addresses and the arguments
// as the prologue passes them, and calls the literal's new body with the
// captured variables read through those addresses.
func (b *Builder) closureValue(t *translator, u *unit, r redirect) (string, *pair) {
	sig := u.info.TypeOf(r.lit).(*types.Signature)
	// The captured variables, by their objects in the new version.
	objs := map[types.Object]string{}
	var lines []string
	ast.Inspect(r.lit.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := u.info.Uses[id].(*types.Var); ok {
				for i, name := range r.c.Captures {
					if name == id.Name && v.Pos() >= r.encl.Pos() && v.Pos() < r.encl.End() && !(v.Pos() >= r.lit.Pos() && v.Pos() < r.lit.End()) {
						if _, ok := objs[v]; !ok {
							typ, ok := t.typeExpr(v.Type())
							if !ok {
								t.refuse(r.lit, fmt.Sprintf("the function literal captures %s, whose type a patch cannot name; restart to apply", name))
								return false
							}
							objs[v] = name
							lines = append(lines, fmt.Sprintf("%s := gohotEnv[%d].(*%s);", name, i, typ))
						}
					}
				}
			}
		}
		return true
	})
	var extra []edit
	ast.Inspect(r.lit.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if _, ok := objs[u.info.Uses[id]]; ok {
				extra = append(extra, edit{t.tf.Offset(id.Pos()), t.tf.Offset(id.End()), "(*" + id.Name + ")"})
			}
		}
		return true
	})
	var args []string
	for i := 0; i < sig.Params().Len(); i++ {
		typ := sig.Params().At(i).Type()
		a := fmt.Sprintf("gohotA%d", i)
		spelled, ok := t.typeExpr(typ)
		if !ok {
			t.refuse(r.lit, "a parameter's type of the function literal is one a patch cannot name; restart to apply")
			return "", nil
		}
		lines = append(lines, fmt.Sprintf("%s, _ := gohotArgs[%d].(%s);", a, i, spelled))
		if sig.Variadic() && i == sig.Params().Len()-1 {
			a += "..."
		}
		args = append(args, a)
	}
	saved := t.edits
	t.edits = append(t.edits[:len(t.edits):len(t.edits)], extra...)
	lit := t.text(r.lit)
	t.edits = saved
	call := fmt.Sprintf("(%s)(%s)", lit, strings.Join(args, ", "))
	var rs []string
	for i := 0; i < sig.Results().Len(); i++ {
		rs = append(rs, fmt.Sprintf("gohotR%d", i))
	}
	body := call + "; return nil"
	if len(rs) > 0 {
		body = fmt.Sprintf("%s := %s; return []interface{}{%s}", strings.Join(rs, ", "), call, strings.Join(rs, ", "))
	}
	local := fmt.Sprintf("gohotClosure_%s_%d_%s", strings.NewReplacer(".", "_", ",", "_").Replace(r.display), r.c.Index, u.alias)
	name := u.path + "." + rewriter.ClosureName(r.display, r.c.Index)
	p := &pair{name: name, value: local, slot: "&" + u.alias + "." + r.c.Slot, imports: map[string]string{u.path: u.alias}}
	b.pending[name] = slotRef{pkg: u.path, slot: r.c.Slot}
	pos := u.fset.Position(r.lit.Pos())
	if !r.c.Generic {
		text := fmt.Sprintf("%s = func(gohotEnv []interface{}, gohotArgs []interface{}) []interface{} { %s %s }", local, strings.Join(lines, " "), body)
		return patchDecl(pos, "var", text), p
	}
	// In a generic function: a generic redirect of the function's type
	// parameters, one instantiation of it per instantiation the main
	// module makes (as the function's own slot holds).
	tparams, names, ok := t.enclosingTypeParams(r.fn)
	if !ok {
		t.refuse(r.lit, "a constraint of the enclosing function's type parameters names a type a patch cannot name; restart to apply")
		return "", nil
	}
	if len(names) != len(r.c.TypeParams) || slices.Contains(names, "_") {
		t.refuse(r.lit, "the enclosing function's type parameters changed or one is blank (_), so the literal's redirect cannot name them; restart to apply")
		return "", nil
	}
	marker := rewriter.ClosureMarkerType(names)
	text := fmt.Sprintf("%s%s(gohotEnv []interface{}, gohotArgs []interface{}, _ %s) []interface{} { %s %s }", local, tparams, marker, strings.Join(lines, " "), body)
	insts := b.instantiations(u, r.fn)
	if len(insts) == 0 {
		return patchDecl(pos, "func", text) + execute(noInstanceTemplate, name), nil
	}
	p.value = execute(instancesTemplate, struct {
		Func      string
		Instances []string
	}{local, insts})
	return patchDecl(pos, "func", text), p
}
