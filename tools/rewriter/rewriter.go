// Package rewriter instruments the source files of one Go package so that
// every function and method can be redirected at run time.
//
// At the opening brace of every function body it inserts, on the same line,
// a prologue such as
//
//	if h := GoHotS_F; h != nil { return h(a, b) };
//
// and it appends generated declarations after the last line of the file that
// holds the original declaration: the slot variables, exported aliases for
// unexported types, accessors for unexported fields, functions and
// variables, and a keep-alive table that stops the linker from dropping any
// package-level variable (a patch must reach the host's copy of it).
//
// The rewrite is syntactic (no type checking, no new imports), so that it can
// run inside a compile-tool wrapper on any package, the standard library
// included. It is deterministic (same input bytes, same output bytes) and it
// keeps every original line at its number: stack traces, coverage and
// debuggers keep showing the user's file:line.
package rewriter

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"hash/fnv"
	"sort"
	"strings"
)

// File is one source file of a package.
type File struct {
	// Name identifies the file in errors and positions, usually its path.
	Name string
	Src  []byte
}

// Config says how to rewrite a package.
type Config struct {
	// ImportPath is the package's import path ("main" for a command).
	ImportPath string
	// Race selects race-detector-clean slot loads (for -race builds):
	// each slot is read through a generated //go:norace function.
	Race bool
	// GoVersion is the language version the package is compiled at
	// (the compiler's -lang, e.g. "go1.21"); empty means the newest.
	// Generated code uses no feature newer than this.
	GoVersion string
	// NoEscape passes arguments to a redirect without making them escape
	// (see forward). Required for the runtime's own packages, which may
	// not allocate on the heap implicitly.
	NoEscape bool
	// Closures instruments function literals too (see Closure): for the
	// packages a user edits (the main module's), not the standard library
	// or dependencies, since passing captured variables' addresses makes
	// them escape.
	Closures bool
}

// Result is a rewritten package and the map of what was generated, which
// the patcher needs to reach the package from a plugin.
type Result struct {
	// Files are the rewritten files, in input order, with the input names.
	Files []File
	// Manifest describes the generated names; see Manifest.
	Manifest Manifest
}

// Manifest lists every generated name of one package, in source order.
type Manifest struct {
	ImportPath string `json:"import_path"`
	// Prefix starts every generated identifier: "GoHot" unless the
	// package already uses identifiers starting with it.
	Prefix  string `json:"prefix"`
	Funcs   []Func `json:"funcs"`
	Types   []Type `json:"types,omitempty"`
	Vars    []Var  `json:"vars,omitempty"`
	Skipped []Skip `json:"skipped,omitempty"`
	Keep    string `json:"keep,omitempty"`
	Notes   []Skip `json:"notes,omitempty"`
	// KeptFuncs are, in package main, the functions the keep-alive table
	// holds as values: the program keeps each of them (even one that is
	// unused, or inlined everywhere), so that a patch, which cannot import
	// package main, finds it by its symbol.
	KeptFuncs []string `json:"kept_funcs,omitempty"`
	// Closures are the instrumented function literals (Config.Closures).
	Closures []Closure `json:"closures,omitempty"`
}

// Func is an instrumented function or method.
type Func struct {
	// Name is "F" for a function and "T.M" for a method of T (or *T).
	Name string `json:"name"`
	Pos  string `json:"pos"`
	// Slot is the package-level variable that redirects the function:
	// a func value whose first parameter is the receiver for methods, or,
	// for generic functions, a *[]interface{} holding one func value per
	// instantiation (asserted to the instantiation's type in the prologue).
	Slot    string `json:"slot"`
	Generic bool   `json:"generic,omitempty"`
	// Loader is the //go:norace function that reads Slot in race builds.
	Loader string `json:"loader,omitempty"`
	// Wrapper is an exported function that calls an unexported function
	// or method (receiver first), so that a patch can call it.
	Wrapper string `json:"wrapper,omitempty"`
}

// Type is a package-level named type with generated helpers.
type Type struct {
	Name string `json:"name"`
	// Alias is an exported alias of an unexported type.
	Alias  string  `json:"alias,omitempty"`
	Fields []Field `json:"fields,omitempty"`
}

// Field is an unexported struct field and its accessor, a function taking
// a pointer to the struct and returning a pointer to the field.
type Field struct {
	Name     string `json:"name"`
	Accessor string `json:"accessor"`
}

// Var is a package-level variable. Accessor, for unexported ones, is an
// exported variable holding its address.
type Var struct {
	Name     string `json:"name"`
	Accessor string `json:"accessor,omitempty"`
}

// Skip is a declaration left alone (or a helper not generated), and why.
type Skip struct {
	Name   string `json:"name"`
	Pos    string `json:"pos"`
	Reason string `json:"reason"`
}

// ParseFiles parses a package's files as the rewriter does (comments kept,
// no object resolution). Syntax errors of every file are collected in errs
// (then files is incomplete); err is any other failure.
func ParseFiles(fset *token.FileSet, files []File) (asts []*ast.File, errs scanner.ErrorList, err error) {
	for _, f := range files {
		af, err := parser.ParseFile(fset, f.Name, f.Src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			var el scanner.ErrorList
			if errors.As(err, &el) {
				errs = append(errs, el...)
				continue
			}
			return nil, nil, err
		}
		asts = append(asts, af)
	}
	return asts, errs, nil
}

// Rewrite instruments one package. It returns an error, naming file:line,
// if a file does not parse; then nothing is returned half-way.
func Rewrite(cfg Config, files []File) (*Result, error) {
	if len(files) == 0 {
		return nil, errors.New("rewriter: no files")
	}
	fset := token.NewFileSet()
	p := &pkg{cfg: cfg, fset: fset}
	asts, errs, err := ParseFiles(fset, files)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, fmt.Errorf("rewriter: %w", errs.Err())
	}
	for i, f := range files {
		p.files = append(p.files, &file{name: f.Name, src: f.Src, ast: asts[i], tf: fset.File(asts[i].Pos())})
	}
	p.prepare()
	for _, f := range p.files {
		p.rewriteFile(f)
	}
	p.keepAlive()
	for _, f := range p.files {
		if f.needUnsafe {
			// On the package clause's line, so no line moves. unsafe is
			// not a real import: the compiler provides it, so this works
			// inside a compile wrapper whose import config is fixed.
			end := f.ast.Name.End()
			f.replace(end, end, fmt.Sprintf("; import %sUnsafe \"unsafe\"", p.prefix))
		}
	}

	res := &Result{Manifest: p.man}
	for _, f := range p.files {
		res.Files = append(res.Files, File{Name: f.name, Src: f.output()})
	}
	return res, nil
}

// pkg is the state of one package's rewrite.
type pkg struct {
	cfg   Config
	fset  *token.FileSet
	files []*file
	man   Manifest

	prefix    string
	names     map[string]bool          // generated package-level names in use
	types     map[string]*ast.TypeSpec // package-level type declarations
	typeFile  map[string]*file         // where each of them is declared
	linknamed map[string]bool          // local names of //go:linkname directives
	keep      []string                 // expressions whose address the keep-alive table holds
	keepFuncs []string                 // package main's functions the table holds as values
	keepFile  *file                    // file that receives the keep-alive table
	genTypes  map[string]int           // index into man.Types
	noescFile *file
	// nosplitCallees: functions a //go:nosplit function calls (see
	// nosplitCallees), mapped to that function's name.
	nosplitCallees map[string]string // file declaring the noescape helper
	// local resolves identifiers to objects by scope (LocalInfo), for the
	// variables function literals capture; made on first need.
	local *types.Info
}

// file is one file being rewritten.
type file struct {
	name  string
	src   []byte
	ast   *ast.File
	tf    *token.File
	edits []edit
	gen   bytes.Buffer // declarations appended after the last line

	needUnsafe bool // a prologue uses the unsafe package
}

// edit replaces src[off:end] with text (an insertion when off == end).
type edit struct {
	off, end int
	text     string
}

func (f *file) replace(from, to token.Pos, text string) {
	f.edits = append(f.edits, edit{f.tf.Offset(from), f.tf.Offset(to), text})
}

func (f *file) output() []byte {
	sort.SliceStable(f.edits, func(i, j int) bool { return f.edits[i].off < f.edits[j].off })
	var out bytes.Buffer
	last := 0
	for _, e := range f.edits {
		out.Write(f.src[last:e.off])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(f.src[last:])
	if f.gen.Len() > 0 {
		if out.Len() > 0 && out.Bytes()[out.Len()-1] != '\n' {
			out.WriteByte('\n')
		}
		// Generated code gets positions of its own, so that nothing
		// generated is ever reported at a line of the user's file.
		base := f.name
		if i := strings.LastIndexAny(base, `/\`); i >= 0 {
			base = base[i+1:]
		}
		fmt.Fprintf(&out, "\n//line %s:1\n", strings.TrimSuffix(base, ".go")+".hot.go")
		out.Write(f.gen.Bytes())
	}
	return out.Bytes()
}

func (p *pkg) pos(n token.Pos) string {
	pos := p.fset.Position(n)
	return fmt.Sprintf("%s:%d", pos.Filename, pos.Line)
}

// prepare chooses the prefix and indexes declarations and directives.
func (p *pkg) prepare() {
	p.man.ImportPath = p.cfg.ImportPath
	p.names = map[string]bool{}
	p.types = map[string]*ast.TypeSpec{}
	p.typeFile = map[string]*file{}
	p.linknamed = map[string]bool{}
	p.genTypes = map[string]int{}

	idents := map[string]bool{}
	for _, f := range p.files {
		declaredIdents(f.ast, idents)
		for _, cg := range f.ast.Comments {
			for _, c := range cg.List {
				if rest, ok := strings.CutPrefix(c.Text, "//go:linkname "); ok {
					if fs := strings.Fields(rest); len(fs) > 0 {
						p.linknamed[fs[0]] = true
					}
				}
			}
		}
		for _, d := range f.ast.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
				for _, s := range gd.Specs {
					ts := s.(*ast.TypeSpec)
					p.types[ts.Name.Name] = ts
					p.typeFile[ts.Name.Name] = f
				}
			}
		}
	}
	base := hotPrefixBase
	for _, f := range p.files {
		if hasDotImport(f.ast) {
			// A dot import brings the imported package's exported names
			// into the file, generated ones included: if that package is
			// rewritten too, its GoHotS_f, GoHotW_f... could collide with
			// ours. Such a package takes a prefix of its own.
			h := fnv.New32a()
			h.Write([]byte(p.cfg.ImportPath))
			base = fmt.Sprintf("%sD%08x", hotPrefixBase, h.Sum32())
			break
		}
	}
	p.prefix = choosePrefix(base, idents)
	p.man.Prefix = p.prefix
	p.keepFile = p.files[len(p.files)-1]
	p.nosplitCallees = nosplitCallees(p.files)
}

// hasDotImport reports whether f has an import declaration "import . path".
func hasDotImport(f *ast.File) bool {
	for _, is := range f.Imports {
		if is.Name != nil && is.Name.Name == "." {
			return true
		}
	}
	return false
}

// declaredIdents adds to names every identifier that f declares, at any
// scope. References are left out: code that uses generated names (a test
// that mocks a function through its slot) must not change the prefix.
func declaredIdents(f *ast.File, names map[string]bool) {
	add := func(ids ...*ast.Ident) {
		for _, id := range ids {
			if id != nil {
				names[id.Name] = true
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			add(n.Name)
		case *ast.Field:
			add(n.Names...)
		case *ast.TypeSpec:
			add(n.Name)
		case *ast.ValueSpec:
			add(n.Names...)
		case *ast.ImportSpec:
			add(n.Name)
		case *ast.LabeledStmt:
			add(n.Label)
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, e := range n.Lhs {
					id, _ := e.(*ast.Ident)
					add(id)
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				k, _ := n.Key.(*ast.Ident)
				v, _ := n.Value.(*ast.Ident)
				add(k, v)
			}
		}
		return true
	})
}

// choosePrefix returns base ("GoHot"), or "GoHot2", "GoHot3", ... if the
// package already has identifiers starting with the shorter prefix (or with
// its unexported form, "goHot"), so that no generated name can collide with
// or be shadowed by one of the user's.
func choosePrefix(base string, idents map[string]bool) string {
	for n := 1; ; n++ {
		prefix := base
		if n > 1 {
			prefix = fmt.Sprintf("%s%d", base, n)
		}
		clash := false
		for id := range idents {
			if strings.HasPrefix(id, prefix) || strings.HasPrefix(id, unexported(prefix)) {
				clash = true
				break
			}
		}
		if !clash {
			return prefix
		}
	}
}

// unexported returns name with its first letter in lower case.
func unexported(name string) string {
	return strings.ToLower(name[:1]) + name[1:]
}

// newName returns a fresh generated package-level name: prefix + kind + "_"
// + parts joined by "_", with "_2", "_3"... appended in the rare case that
// two declarations map to the same name (type "A_B" method "C" and type "A"
// method "B_C").
func (p *pkg) newName(kind string, parts ...string) string {
	base := p.prefix + kind + "_" + strings.Join(parts, "_")
	name := base
	for i := 2; p.names[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	p.names[name] = true
	return name
}

func (p *pkg) rewriteFile(f *file) {
	for _, d := range f.ast.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			p.funcDecl(f, d)
		case *ast.GenDecl:
			switch d.Tok {
			case token.TYPE:
				for _, s := range d.Specs {
					p.typeSpec(f, s.(*ast.TypeSpec))
				}
			case token.VAR:
				for _, s := range d.Specs {
					p.varSpec(f, s.(*ast.ValueSpec))
					p.varClosures(f, s.(*ast.ValueSpec))
				}
			}
		}
	}
}

// langAtLeast reports whether the package's language version is at least
// go1.minor.
func (p *pkg) langAtLeast(minor int) bool {
	v := strings.TrimPrefix(p.cfg.GoVersion, "go")
	if v == "" {
		return true
	}
	var major, m int
	if n, _ := fmt.Sscanf(v, "%d.%d", &major, &m); n < 2 {
		return true
	}
	return major > 1 || m >= minor
}
