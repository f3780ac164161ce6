package reach

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// fn is a package-level function of the program (or an init function).
type fn struct {
	name   string // display name: import path + "." + name
	root   bool   // main.main or an init function: runs once, at start-up
	isMain bool   // main.main
	method bool
	valued bool // referenced other than by a direct call
	sites  []site
}

// site is one direct call of a function.
type site struct {
	caller *fn // the function whose body holds the call; nil: a package variable's initializer
	once   bool
	goStmt bool // go f(...): f is started once, as a goroutine
	pos    token.Position
}

type analysis struct {
	funcs map[string]*fn
	once  map[*fn]bool
	// afterMain: start-up-only functions reached through main.main (which
	// may not have reached the call yet), not only through initialization.
	afterMain map[*fn]bool
	via       map[*fn]site // the call that made a function start-up-only
}

func analyse(prog *Program) *analysis {
	a := &analysis{funcs: map[string]*fn{}, once: map[*fn]bool{}, afterMain: map[*fn]bool{}, via: map[*fn]site{}}
	byDecl := map[*ast.FuncDecl]*fn{}
	names := map[string]string{} // import path → package name
	var roots []*fn
	for _, p := range prog.Packages {
		names[p.Path] = p.Name
		for _, f := range p.Files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				x := &fn{name: p.Path + "." + fd.Name.Name, method: fd.Recv != nil}
				switch {
				case fd.Recv != nil:
				case fd.Name.Name == "init":
					x.root = true
					roots = append(roots, x)
				case fd.Name.Name == "main" && p.Path == prog.Main:
					x.root, x.isMain = true, true
					roots = append(roots, x)
					a.funcs[x.name] = x
				default:
					a.funcs[x.name] = x
				}
				byDecl[fd] = x
			}
		}
	}
	for _, p := range prog.Packages {
		for _, f := range p.Files {
			a.uses(prog, p, f, byDecl, names)
		}
	}

	// The least fixed point: start-up-only functions are those whose
	// every call is a once call from a root or from a start-up-only
	// function.
	for _, r := range roots {
		a.once[r] = true
	}
	for changed := true; changed; {
		changed = false
		for _, x := range a.funcs {
			if a.once[x] || x.method || x.valued || len(x.sites) == 0 {
				continue
			}
			ok, afterMain := true, false
			for _, s := range x.sites {
				if !s.once || s.caller != nil && !a.once[s.caller] {
					ok = false
					break
				}
				if s.caller != nil && (s.caller.isMain || a.afterMain[s.caller]) {
					afterMain = true
				}
			}
			if ok {
				a.once[x], a.afterMain[x], a.via[x] = true, afterMain, x.sites[0]
				changed = true
			}
		}
	}
	return a
}

// uses records every reference of file f (of package p) to a function of
// the program.
func (a *analysis) uses(prog *Program, p *Package, f *ast.File, byDecl map[*ast.FuncDecl]*fn, names map[string]string) {
	imports := map[string]string{} // local name → import path, for the program's packages
	for _, spec := range f.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		name, ok := names[path]
		if !ok {
			continue
		}
		if spec.Name != nil {
			name = spec.Name.Name
		}
		switch name {
		case "_":
		case ".":
			// Bare names may be this package's functions: give up on it.
			for _, x := range a.funcs {
				if strings.HasPrefix(x.name, path+".") && !strings.Contains(x.name[len(path)+1:], "/") {
					x.valued = true
				}
			}
		default:
			imports[name] = path
		}
	}
	skip := map[*ast.Ident]bool{}
	var stack []ast.Node
	use := func(x *fn, n ast.Node) {
		// Is n the callee of a call (through parentheses and type
		// arguments)?
		i := len(stack) - 1 // stack[i] == n
		e := ast.Expr(n.(ast.Expr))
		for i > 0 {
			switch par := stack[i-1].(type) {
			case *ast.ParenExpr:
				e = par
				i--
				continue
			case *ast.IndexExpr:
				if par.X == e {
					e = par
					i--
					continue
				}
			case *ast.IndexListExpr:
				if par.X == e {
					e = par
					i--
					continue
				}
			}
			break
		}
		if i == 0 {
			x.valued = true
			return
		}
		call, ok := stack[i-1].(*ast.CallExpr)
		if !ok || call.Fun != e {
			x.valued = true
			return
		}
		s := site{once: true, pos: p.Fset.Position(n.Pos())}
		if i >= 2 {
			if g, ok := stack[i-2].(*ast.GoStmt); ok && g.Call == call {
				s.goStmt = true
			}
		}
		for j := i - 2; j >= 0; j-- {
			switch anc := stack[j].(type) {
			case *ast.FuncLit, *ast.ForStmt, *ast.RangeStmt, *ast.DeferStmt:
				s.once = false
			case *ast.FuncDecl:
				s.caller = byDecl[anc]
				if s.caller == nil || s.caller.method {
					s.once = false
				}
			}
		}
		x.sites = append(x.sites, s)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.ImportSpec:
			stack = stack[:len(stack)-1]
			return false
		case *ast.GenDecl:
			if n.Tok == token.CONST || n.Tok == token.TYPE {
				// No calls of functions (nor function values) there.
				stack = stack[:len(stack)-1]
				return false
			}
		case *ast.FuncDecl:
			skip[n.Name] = true
		case *ast.SelectorExpr:
			skip[n.Sel] = true
			if id, ok := n.X.(*ast.Ident); ok {
				if path, ok := imports[id.Name]; ok {
					if x := a.funcs[path+"."+n.Sel.Name]; x != nil {
						use(x, n)
					}
					stack = stack[:len(stack)-1]
					return false
				}
			}
		case *ast.KeyValueExpr:
			if id, ok := n.Key.(*ast.Ident); ok {
				skip[id] = true // a field name (a func cannot be a map key)
			}
		case *ast.Field:
			for _, id := range n.Names {
				skip[id] = true
			}
		case *ast.LabeledStmt:
			skip[n.Label] = true
		case *ast.BranchStmt:
			if n.Label != nil {
				skip[n.Label] = true
			}
		case *ast.Ident:
			if skip[n] {
				break
			}
			if x := a.funcs[p.Path+"."+n.Name]; x != nil {
				use(x, n)
			}
		}
		return true
	})
}

// caller describes the call that made x start-up-only.
func (a *analysis) caller(prog *Program, x *fn) (from, where string) {
	s := a.via[x]
	from = "the initializer of a package variable"
	if s.caller != nil {
		from = s.caller.name
		if s.caller.root && !s.caller.isMain {
			from = "an init function"
		}
	}
	return from, fmt.Sprintf("%s:%d", prog.Rel(s.pos), s.pos.Line)
}

// newNote is the note for a new function that only start-up code calls:
// the start-up code that runs is the old one, which does not call it.
func (a *analysis) newNote(prog *Program, x *fn) string {
	from, where := a.caller(prog, x)
	return fmt.Sprintf("%s is new and only start-up code calls it (%s, %s), which already ran in its old version: it will not run until a restart", x.name, from, where)
}

// startupNote is the note for a changed start-up-only function.
func (a *analysis) startupNote(prog *Program, x *fn) string {
	from, where := a.caller(prog, x)
	if a.via[x].goStmt {
		return fmt.Sprintf("%s is started only once, as a goroutine, at start-up (go statement in %s, %s): it is not started again, and a goroutine still running it keeps the old code; restart to apply the change", x.name, from, where)
	}
	if a.afterMain[x] {
		return fmt.Sprintf("%s runs only once, at start-up (called from %s, %s): if that has happened, what it set up then (routes, handlers, middleware, values it built) keeps the old behaviour; restart to apply the change", x.name, from, where)
	}
	return fmt.Sprintf("%s runs only during package initialization (called from %s, %s), which is over: what it set up then (routes, handlers, middleware, values it built) keeps the old behaviour; restart to apply the change", x.name, from, where)
}
