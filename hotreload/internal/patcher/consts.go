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

// constRefusals decides about the constants written differently: a
// constant whose type and value are the same is no change; one whose value
// changed is refused, and the constants whose value changed only because
// constants were added or removed before them in an iota block are refused
// together, saying so.
func (b *Builder) constRefusals(p *kit.Package, u *unit, bfset *token.FileSet, baseFiles []*ast.File) []Refusal {
	check := func(fset *token.FileSet, files []*ast.File) *types.Info {
		info := &types.Info{Defs: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: b.imp, GoVersion: goLang(p.Lang), Sizes: types.SizesFor("gc", runtime.GOARCH), Error: func(error) {}}
		conf.Check(p.ImportPath, fset, files, info)
		return info
	}
	binfo, cinfo := check(bfset, baseFiles), check(u.fset, u.files)
	type shift struct {
		first  *decl
		names  []string
		values []string
	}
	type group struct {
		own, follow []*decl
		whys        []string
		values      []string
	}
	groups := map[*ast.ValueSpec]*group{}
	var gorder []*ast.ValueSpec
	var out []Refusal
	shifts := map[*ast.GenDecl]*shift{}
	var order []*ast.GenDecl
	for _, c := range u.ch.consts {
		bc, _ := binfo.Defs[c.base.ident].(*types.Const)
		cc, _ := cinfo.Defs[c.cur.ident].(*types.Const)
		why := ""
		switch {
		case bc == nil || cc == nil || bc.Val().Kind() == constant.Unknown || cc.Val().Kind() == constant.Unknown:
			why = "its declaration changed"
		case !types.Identical(bc.Type(), cc.Type()) && bc.Type().String() != cc.Type().String():
			why = fmt.Sprintf("its type changed from %s to %s", bc.Type(), cc.Type())
		case bc.Val().Kind() != cc.Val().Kind() || !constant.Compare(bc.Val(), token.EQL, cc.Val()):
			why = fmt.Sprintf("its value changed from %s to %s", bc.Val(), cc.Val())
		default:
			continue // written differently, same constant
		}
		if bc != nil && cc != nil && c.base.expr == c.cur.expr && c.base.iota != c.cur.iota {
			// Same expression, another iota: the block moved under it.
			sh := shifts[c.cur.block]
			if sh == nil {
				sh = &shift{first: c.cur}
				shifts[c.cur.block] = sh
				order = append(order, c.cur.block)
			}
			if c.cur.pos.Offset < sh.first.pos.Offset {
				sh.first = c.cur
			}
			sh.names = append(sh.names, c.cur.name)
			sh.values = append(sh.values, fmt.Sprintf("%s %s → %s", c.cur.name, bc.Val(), cc.Val()))
			continue
		}
		// A constant that repeats a changed expression changes with the
		// constant that spells it: one cause, one refusal.
		key := c.cur.node.(*ast.ValueSpec)
		if c.cur.repeats != nil && c.base.expr != c.cur.expr {
			key = c.cur.repeats
		}
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			gorder = append(gorder, key)
		}
		if c.cur.repeats == nil || key != c.cur.repeats {
			g.own = append(g.own, c.cur)
			g.whys = append(g.whys, why)
		} else {
			g.follow = append(g.follow, c.cur)
			g.values = append(g.values, fmt.Sprintf("%s %s → %s", c.cur.name, bc.Val(), cc.Val()))
		}
	}
	for _, key := range gorder {
		g := groups[key]
		all := append(append([]*decl(nil), g.own...), g.follow...)
		sort.Slice(all, func(i, j int) bool { return all[i].pos.Offset < all[j].pos.Offset })
		var names []string
		for _, d := range all {
			names = append(names, d.name)
		}
		var why string
		switch {
		case len(g.own) == 1 && len(g.follow) == 0:
			why = g.whys[0]
		case len(g.own) == 0:
			why = "the expression they repeat changed, and with it their values (" + strings.Join(g.values, ", ") + ")"
		default:
			var parts []string
			for i, d := range g.own {
				parts = append(parts, fmt.Sprintf("%s: %s", d.name, g.whys[i]))
			}
			why = strings.Join(parts, "; ")
			if len(g.follow) > 0 {
				why += "; and so the values of the constants that repeat its expression (" + strings.Join(g.values, ", ") + ")"
			}
		}
		out = append(out, b.refusal(all[0].pos, "const "+strings.Join(names, ", "), why+": constants are compiled into every place that uses them; restart to apply"))
	}
	for _, blk := range order {
		sh := shifts[blk]
		sort.Strings(sh.names)
		sort.Strings(sh.values)
		cause := b.blockEdit(blk, u, bfset, baseFiles)
		out = append(out, b.refusal(sh.first.pos, "const "+strings.Join(sh.names, ", "),
			fmt.Sprintf("%s changes the iota of the constants after it, and so their values (%s): constants are compiled into every place that uses them; restart to apply, or add new constants at the end of the block", cause, strings.Join(sh.values, ", "))))
	}
	return out
}

// blockEdit says which constants were added to or removed from a const
// block, compared with the base's block that has the same constants.
func (b *Builder) blockEdit(blk *ast.GenDecl, u *unit, bfset *token.FileSet, baseFiles []*ast.File) string {
	names := func(gd *ast.GenDecl) map[string]bool {
		m := map[string]bool{}
		for _, sp := range gd.Specs {
			for _, id := range sp.(*ast.ValueSpec).Names {
				m[id.Name] = true
			}
		}
		return m
	}
	cur := names(blk)
	var old map[string]bool
	for _, f := range baseFiles {
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.CONST {
				m := names(gd)
				for n := range cur {
					if m[n] && n != "_" {
						old = m
					}
				}
			}
		}
	}
	var added, removed []string
	for n := range cur {
		if !old[n] {
			added = append(added, n)
		}
	}
	for n := range old {
		if !cur[n] {
			removed = append(removed, n)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "inserting "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "removing "+strings.Join(removed, ", "))
	}
	if len(parts) == 0 {
		return "reordering the block"
	}
	return strings.Join(parts, " and ")
}
