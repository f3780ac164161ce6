package rewriter

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path"
	"strconv"
	"strings"
)

// Closure is an instrumented function literal: the Index-th (from 1, in
// source order, nested ones counted) literal in the body of function Func
// ("F" or "T.M"), or in the initializer of package variable Func (Var). Its prologue calls Slot, when set, with the addresses of
// the variables it captures and its arguments, and returns what that
// returns: so a patch redirects closure values made before it (handlers
// and middleware built at start-up, callbacks stored in structs), sharing
// their captured variables with the new body.
type Closure struct {
	Func   string `json:"func"`
	Index  int    `json:"index"`
	Pos    string `json:"pos"`
	Slot   string `json:"slot"`
	Loader string `json:"loader,omitempty"`
	// Var: the literal is in the initializer of package variable(s) Func
	// ("a" or "a,b", VarClosureFunc), not in a function.
	Var bool `json:"var,omitempty"`
	// Generic: the literal is in a generic function (or a method of a
	// generic type). Its slot is a *[]interface{} holding one redirect per
	// instantiation, of type GenericClosureType(TypeParams), as generic
	// functions' slots do.
	Generic    bool     `json:"generic,omitempty"`
	TypeParams []string `json:"type_params,omitempty"`
	// Captures are the variables of the enclosing function (and of
	// enclosing literals) that the literal uses, in order of first use:
	// the prologue passes their addresses in this order.
	Captures []string `json:"captures"`
}

// ClosureSlotType is the type of a closure's slot: the redirect takes the
// captured variables' addresses and the arguments (a variadic parameter as
// its slice), and returns the results, each boxed.
const ClosureSlotType = "func([]interface{}, []interface{}) []interface{}"

// GenericClosureType is the type of one instantiation's redirect of a
// literal in a generic function with type parameters tparams: the
// closure slot's type with a last parameter, func(K, V), that only makes
// each instantiation's type distinct (the prologue passes nil).
func GenericClosureType(tparams []string) string {
	return "func([]interface{}, []interface{}, " + ClosureMarkerType(tparams) + ") []interface{}"
}

// ClosureMarkerType is the type of GenericClosureType's last parameter.
func ClosureMarkerType(tparams []string) string {
	return "func(" + strings.Join(tparams, ", ") + ")"
}

// ClosureName is how messages and patches name the Index-th literal of
// function fn, as the compiler does (F.func1).
func ClosureName(fn string, index int) string {
	return fmt.Sprintf("%s.func%d", fn, index)
}

// LocalUses resolves the identifiers of a package's files to the objects
// they denote, as far as scoping alone decides it: imported packages are
// stand-ins (their names are not needed to tell a function's local
// variables from anything else). Rewriter and patcher both find a
// literal's captured variables with it (CapturedVars).
func LocalUses(fset *token.FileSet, path string, files []*ast.File) map[*ast.Ident]types.Object {
	return LocalInfo(fset, path, files).Uses
}

// LocalInfo is LocalUses with the scopes too.
func LocalInfo(fset *token.FileSet, path string, files []*ast.File) *types.Info {
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Scopes: map[ast.Node]*types.Scope{}}
	conf := types.Config{Importer: standIns{}, FakeImportC: true, Error: func(error) {}}
	conf.Check(path, fset, files, info)
	return info
}

// standIns imports every package as an empty, complete package named
// after the last element of its path (a wrong guess only leaves some
// qualified names unresolved, which scoping does not need).
type standIns struct{}

func (standIns) Import(p string) (*types.Package, error) {
	name := path.Base(p)
	if strings.HasPrefix(name, "v") && len(name) > 1 && strings.Trim(name[1:], "0123456789") == "" {
		name = path.Base(path.Dir(p))
	}
	name = strings.TrimPrefix(strings.TrimPrefix(name, "go-"), "go.")
	name = strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, name)
	pkg := types.NewPackage(p, name)
	pkg.MarkComplete()
	return pkg, nil
}

// CapturedVars lists the variables that literal lit, inside declaration
// encl (a function, or a package variable's spec), captures: used in lit,
// declared in encl outside lit. Names in order of first use.
func CapturedVars(uses map[*ast.Ident]types.Object, encl ast.Node, lit *ast.FuncLit) []string {
	seen := map[types.Object]bool{}
	var names []string
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := uses[id].(*types.Var)
		if !ok || v.IsField() || seen[v] {
			return true
		}
		if v.Pos() < encl.Pos() || v.Pos() >= encl.End() || v.Pos() >= lit.Pos() && v.Pos() < lit.End() {
			return true
		}
		seen[v] = true
		names = append(names, id.Name)
		return true
	})
	return names
}

// FuncLits lists the function literals in a function's body (or a
// package variable spec's values) in source order, nested ones included: a
// literal's index is its place in this list.
func FuncLits(encl ast.Node) []*ast.FuncLit {
	var lits []*ast.FuncLit
	var root ast.Node = encl
	if fd, ok := encl.(*ast.FuncDecl); ok {
		if fd.Body == nil {
			return nil
		}
		root = fd.Body
	}
	ast.Inspect(root, func(n ast.Node) bool {
		if l, ok := n.(*ast.FuncLit); ok {
			lits = append(lits, l)
		}
		return true
	})
	return lits
}

// callsRecover reports whether body calls recover() itself (not in a
// nested literal): recover stops a panic only when the deferred function
// calls it directly, so such a body cannot be run by a redirect.
func callsRecover(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "recover" && len(n.Args) == 0 {
				found = true
			}
		}
		return !found
	})
	return found
}

// typeParamNames lists the type parameters of fd (a generic function's,
// or a generic receiver's), as the rewritten source names them.
func (s *signature) typeParamNames(fd *ast.FuncDecl) []string {
	var ids []*ast.Ident
	if fd.Type.TypeParams != nil {
		for _, field := range fd.Type.TypeParams.List {
			ids = append(ids, field.Names...)
		}
	}
	ids = append(ids, s.recvTPs...)
	var names []string
	for _, id := range ids {
		if id == nil {
			return nil
		}
		name := id.Name
		if n, ok := s.w.renameIdent[id]; ok {
			name = n
		}
		names = append(names, name)
	}
	return names
}

// shadowedTypeParam returns a type parameter of the enclosing function
// that a name in scope at lit's body hides (a parameter, a local
// variable): the prologue, which spells the type parameters, could not.
func (p *pkg) shadowedTypeParam(lit *ast.FuncLit, tparams []string) string {
	scope := p.local.Scopes[lit.Type]
	if scope == nil {
		return ""
	}
	for _, name := range tparams {
		_, obj := scope.LookupParent(name, lit.Body.Lbrace+1)
		if tn, ok := obj.(*types.TypeName); !ok || !isTypeParam(tn.Type()) {
			return name
		}
	}
	return ""
}

func isTypeParam(t types.Type) bool {
	_, ok := t.(*types.TypeParam)
	return ok
}

// closures instruments the function literals of fd (display name fn,
// signature s): each gets a slot and a prologue. In a generic function
// (or method of a generic type) the slot holds one redirect per
// instantiation, told apart by its type (GenericClosureType).
func (p *pkg) closures(f *file, fd *ast.FuncDecl, fn string, parts []string, s *signature) {
	if !p.cfg.Closures || fd.Body == nil {
		return
	}
	var tparams []string
	if s.generic {
		if tparams = s.typeParamNames(fd); len(tparams) == 0 {
			return
		}
	}
	p.literals(f, fd, fn, parts, s, tparams, false)
}

// varClosures instruments the function literals of a package variable's
// initializer (var handler = func(...) {...}; routes tables; command
// definitions): the values were made once, at start-up, and a patch
// redirects them as it does a function's literals. The literals of a
// blank variable (var _ = ...) have no name to be known by.
func (p *pkg) varClosures(f *file, vs *ast.ValueSpec) {
	if !p.cfg.Closures || len(vs.Values) == 0 {
		return
	}
	if len(vs.Names) == 1 && vs.Names[0].Name == "_" {
		return
	}
	fn := VarClosureFunc(vs)
	s := &signature{used: map[string]bool{}, w: typeWriter{renameIdent: map[*ast.Ident]string{}}}
	ast.Inspect(vs, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			s.used[id.Name] = true
		}
		return true
	})
	p.literals(f, vs, fn, strings.Split(fn, ","), s, nil, true)
}

// VarClosureFunc is the Func of the literals of package variable spec vs:
// its names, "a" or "a,b".
func VarClosureFunc(vs *ast.ValueSpec) string {
	var names []string
	for _, id := range vs.Names {
		names = append(names, id.Name)
	}
	return strings.Join(names, ",")
}

// literals gives each function literal of encl a slot and a prologue; s
// provides fresh names, tparams the enclosing function's type parameters
// if it is generic.
func (p *pkg) literals(f *file, encl ast.Node, fn string, parts []string, s *signature, tparams []string, isVar bool) {
	if p.local == nil {
		asts := make([]*ast.File, len(p.files))
		for i, f := range p.files {
			asts[i] = f.ast
		}
		p.local = LocalInfo(p.fset, p.cfg.ImportPath, asts)
	}
	for i, lit := range FuncLits(encl) {
		index := i + 1
		name := ClosureName(fn, index)
		if callsRecover(lit.Body) {
			p.skip(name, lit, "calls recover(), which stops a panic only when the deferred function itself calls it: a redirect would call the new body from it")
			continue
		}
		if v := shadowedResult(lit); v != "" {
			p.skip(name, lit, fmt.Sprintf("%q names both a parameter and a type in its result types: the prologue could not spell them", v))
			continue
		}
		if s.generic {
			if v := p.shadowedTypeParam(lit, tparams); v != "" {
				p.skip(name, lit, fmt.Sprintf("in a generic function, and %q names something else in the literal's scope: the prologue could not spell the type parameter", v))
				continue
			}
		}
		c := Closure{Func: fn, Var: isVar, Index: index, Pos: p.pos(lit.Pos()), Captures: CapturedVars(p.local.Uses, encl, lit)}
		slotType := ClosureSlotType
		if s.generic {
			c.Generic, c.TypeParams, slotType = true, tparams, "*[]interface{}"
		}
		c.Slot = p.newName(hotClosureSlotKind, append(append([]string(nil), parts...), strconv.Itoa(index))...)
		load := c.Slot
		if p.cfg.Race {
			c.Loader = p.newName(hotClosureLoaderKind, append(append([]string(nil), parts...), strconv.Itoa(index))...)
			load = c.Loader + "()"
			fmt.Fprintf(&f.gen, "//go:norace\nfunc %s() %s { return %s }\n", c.Loader, slotType, c.Slot)
		}
		var args []string
		// A variadic parameter is passed as its slice, as any other.
		for _, field := range lit.Type.Params.List {
			args = append(args, p.nameField(f, s, field, "a")...)
		}
		var addrs []string
		for _, v := range c.Captures {
			addrs = append(addrs, "&"+v)
		}
		h, r := s.fresh("h"), s.fresh("r")
		marker := ""
		if s.generic {
			marker = ", nil"
		}
		call := fmt.Sprintf("%s([]interface{}{%s}, []interface{}{%s}%s)", h, strings.Join(addrs, ", "), strings.Join(args, ", "), marker)
		var results []string
		if lit.Type.Results != nil {
			for _, field := range lit.Type.Results.List {
				n := len(field.Names)
				if n == 0 {
					n = 1
				}
				for j := 0; j < n; j++ {
					results = append(results, s.w.String(field.Type))
				}
			}
		}
		// redirect calls h and returns what it returns.
		redirect := fmt.Sprintf("%s; return", call)
		if len(results) > 0 {
			var decls, rets []string
			for j, t := range results {
				v := s.fresh(fmt.Sprintf("rv%d", j))
				decls = append(decls, fmt.Sprintf("%s, _ := %s[%d].(%s)", v, r, j, t))
				rets = append(rets, v)
			}
			redirect = fmt.Sprintf("%s := %s; %s; return %s", r, call, strings.Join(decls, "; "), strings.Join(rets, ", "))
		}
		pro := fmt.Sprintf(" if %[1]s := %[2]s; %[1]s != nil { %[3]s };", h, load, redirect)
		if s.generic {
			// This instantiation's redirect, found by its type, as a
			// generic function's prologue finds its own.
			hs, ok := s.fresh("hs"), s.fresh("ok")
			pro = fmt.Sprintf(" if %[1]s := %[2]s; %[1]s != nil { for _, %[3]s := range *%[1]s { if %[3]s, %[4]s := %[3]s.(%[5]s); %[4]s { %[6]s } } };",
				hs, load, h, ok, GenericClosureType(tparams), redirect)
		}
		f.replace(lit.Body.Lbrace+1, lit.Body.Lbrace+1, pro)
		fmt.Fprintf(&f.gen, "var %s %s\n", c.Slot, slotType)
		p.man.Closures = append(p.man.Closures, c)
		p.keep = append(p.keep, c.Slot)
	}
}

// shadowedResult returns a parameter or result name of lit that its result
// types also use (func(error string) error): inside the body, where the
// prologue spells the result types, the name is the variable.
func shadowedResult(lit *ast.FuncLit) string {
	if lit.Type.Results == nil {
		return ""
	}
	used := map[string]bool{}
	for _, f := range lit.Type.Results.List {
		ast.Inspect(f.Type, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				used[id.Name] = true
			}
			return true
		})
	}
	for _, f := range append(append([]*ast.Field(nil), lit.Type.Params.List...), lit.Type.Results.List...) {
		for _, id := range f.Names {
			if used[id.Name] && id.Name != "_" {
				return id.Name
			}
		}
	}
	return ""
}
