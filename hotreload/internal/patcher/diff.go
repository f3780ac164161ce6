package patcher

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"sort"
	"strconv"
	"strings"

	"github.com/gohot/rules_go_hot/tools/rewriter"
)

// Refusal is an edit that a running process cannot take: what, where, why
// and what the user can do.
type Refusal struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Decl   string `json:"decl"`
	Reason string `json:"reason"`
}

func (r Refusal) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", r.File, r.Line, r.Decl, r.Reason)
}

// decl is one top-level declaration of a package version.
type decl struct {
	key  string // "func F", "method T.M", "type T", "var x", "const c", "init"
	name string // display name
	node ast.Node
	file *ast.File
	pos  token.Position
	sig  string // functions: the declaration without its body
	text string // the whole declaration, without comments; constants: type, value and iota
	// ident is the declared name (the first one of a var spec).
	ident  *ast.Ident
	fields []structField // struct types: the fields as written
	// Constants: the block and the constant's iota in it, and its
	// type and value as written (or repeated from an earlier spec).
	block *ast.GenDecl
	iota  int
	expr  string
	// repeats is the spec whose type and values a spec without values
	// repeats.
	repeats *ast.ValueSpec
}

// label names the declaration in messages: "func F", "func T.M",
// "type T", "var a, b", "const c".
func (d *decl) label() string {
	switch {
	case strings.HasPrefix(d.key, "init#"):
		return "func init"
	case strings.HasPrefix(d.key, "method "):
		return "func " + d.name
	}
	kind, _, _ := strings.Cut(d.key, " ")
	return kind + " " + d.name
}

// declsOf lists a package's top-level declarations by key. init functions
// are keyed "init#N" in order of appearance.
func declsOf(fset *token.FileSet, files []*ast.File) map[string]*decl {
	ds := map[string]*decl{}
	inits := 0
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				dd := &decl{node: d, ident: d.Name, file: f, pos: fset.Position(d.Pos())}
				dd.name = d.Name.Name
				switch {
				case d.Recv != nil && len(d.Recv.List) == 1:
					dd.name = rewriter.ReceiverBase(d.Recv.List[0].Type) + "." + d.Name.Name
					dd.key = "method " + dd.name
				case d.Name.Name == "init":
					dd.key = fmt.Sprintf("init#%d", inits)
					inits++
				default:
					dd.key = "func " + d.Name.Name
				}
				sigOnly := *d
				sigOnly.Body, sigOnly.Doc = nil, nil
				dd.sig = nodeText(fset, &sigOnly)
				full := *d
				full.Doc = nil
				dd.text = nodeText(fset, &full)
				ds[dd.key] = dd
			case *ast.GenDecl:
				if d.Tok == token.CONST {
					constDecls(fset, f, d, ds)
					continue
				}
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						c := *s
						c.Doc, c.Comment = nil, nil
						dd := &decl{key: "type " + s.Name.Name, name: s.Name.Name, node: s, ident: s.Name, file: f, pos: fset.Position(s.Pos()), text: nodeText(fset, &c)}
						if st, ok := s.Type.(*ast.StructType); ok {
							dd.fields = structFields(fset, st)
						}
						ds[dd.key] = dd
					case *ast.ValueSpec:
						var names []string
						for _, n := range s.Names {
							names = append(names, n.Name)
						}
						c := *s
						c.Doc, c.Comment = nil, nil
						key := "var " + strings.Join(names, ",")
						ds[key] = &decl{key: key, name: strings.Join(names, ", "), node: s, ident: s.Names[0], file: f, pos: fset.Position(s.Pos()), text: nodeText(fset, &c)}
					}
				}
			}
		}
	}
	return ds
}

// constDecls lists the constants of a const block one by one: each is
// compared by its own type and value expression (a spec without values
// repeats the last one that has them) and, if that uses iota, its index.
func constDecls(fset *token.FileSet, f *ast.File, gd *ast.GenDecl, ds map[string]*decl) {
	var last *ast.ValueSpec
	for i, sp := range gd.Specs {
		s := sp.(*ast.ValueSpec)
		if s.Values != nil || last == nil {
			last = s
		}
		for k, id := range s.Names {
			if id.Name == "_" {
				continue
			}
			var expr string
			if last.Type != nil {
				expr = nodeText(fset, last.Type) + " "
			}
			expr += "= "
			usesIota := false
			if k < len(last.Values) {
				expr += nodeText(fset, last.Values[k])
				ast.Inspect(last.Values[k], func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok && id.Name == "iota" {
						usesIota = true
					}
					return true
				})
			}
			text := expr
			if usesIota {
				text += fmt.Sprintf(" (iota %d)", i)
			}
			key := "const " + id.Name
			d := &decl{key: key, name: id.Name, node: s, ident: id, file: f, pos: fset.Position(id.Pos()), text: text, block: gd, iota: i, expr: expr}
			if s.Values == nil && last != s {
				d.repeats = last
			}
			ds[key] = d
		}
	}
}

func nodeText(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, fset, n); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return b.String()
}

// changes is what differs between the base and the new version of one
// package.
type changes struct {
	changed  []*decl // functions and methods whose body changed
	added    []*decl // declarations only in the new version
	refusals []Refusal
	notes    []string
	notLive  []string // the notes about changes the program will not show by itself
	// consts are constants written differently: refused if their type
	// differs (which needs type checking), re-patched where they are used
	// if their value does.
	consts []constChange
	// vars are package variables declared differently: refused if their
	// type changed, else noted (the initializer does not run again).
	vars []constChange
	// constUsers are the functions in changed only because they use a
	// constant whose value changed (their text is the base's).
	constUsers []*decl
	// inlineUsers are the functions in changed only because the base
	// inlined a changed function into them without its prologue
	// (inlined.go; their text is the base's).
	inlineUsers []*decl
}

type constChange struct{ base, cur *decl }

func (c *changes) empty() bool {
	return len(c.changed) == 0 && len(c.added) == 0 && len(c.refusals) == 0
}

// diff classifies every declaration of a package: unchanged, body change
// (patchable), added (lives in the patch), or rude (refused). refusal
// makes a refusal at a position (module-relative).
func diff(base, cur map[string]*decl, refusal func(p token.Position, decl, reason string) Refusal) *changes {
	c := &changes{}
	keys := make([]string, 0, len(cur))
	for k := range cur {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	refuse := func(d *decl, reason string) {
		c.refusals = append(c.refusals, refusal(d.pos, d.label(), reason))
	}
	for _, k := range keys {
		n := cur[k]
		b, ok := base[k]
		switch {
		case strings.HasPrefix(k, "init#"):
			if !ok || b.text != n.text {
				refuse(n, "init functions run once, at start-up: a changed or added init cannot run again in a live process; restart to apply it")
			}
		case !ok:
			if strings.HasPrefix(k, "method ") {
				t := strings.SplitN(n.name, ".", 2)[0]
				if _, isOld := base["type "+t]; isOld && token.IsExported(n.ident.Name) {
					refuse(n, fmt.Sprintf("adds exported method %s to %s: the running program's %s has a fixed method table, and an exported method is looked up at run time by interfaces anywhere (fmt.Stringer, error, json.Marshaler...) and by reflection (templates), which would not find it; restart to apply (an unexported method can be added)", n.ident.Name, t, t))
					continue
				}
				// An unexported one is the patch's (newMethods checks that
				// it satisfies no interface it did not).
			}
			c.added = append(c.added, n)

		case b.text == n.text:
			// unchanged (comments and layout may differ)
		case strings.HasPrefix(k, "func ") || strings.HasPrefix(k, "method "):
			if b.sig != n.sig {
				refuse(n, fmt.Sprintf("signature changed from %q to %q: every caller was compiled against the old one; restart to apply", oneLine(b.sig), oneLine(n.sig)))
				continue
			}
			c.changed = append(c.changed, n)
		case strings.HasPrefix(k, "type "):
			refuse(n, typeChangeReason(b, n))
		case strings.HasPrefix(k, "var "):
			// The same type: a note (the value in memory stays);
			// another type: refused (needs type checking, varChanges).
			c.vars = append(c.vars, constChange{b, n})
		case strings.HasPrefix(k, "const "):
			c.consts = append(c.consts, constChange{b, n})
		}
	}
	return c
}

// structField is one field of a struct type, as written.
type structField struct{ name, typ, tag string }

func structFields(fset *token.FileSet, st *ast.StructType) []structField {
	var out []structField
	for _, f := range st.Fields.List {
		typ := nodeText(fset, f.Type)
		tag := ""
		if f.Tag != nil {
			tag, _ = strconv.Unquote(f.Tag.Value)
		}
		if len(f.Names) == 0 {
			name := typ
			if id := rewriter.EmbeddedName(f.Type); id != nil {
				name = id.Name
			}
			out = append(out, structField{name, "embedded " + typ, tag})
		}
		for _, n := range f.Names {
			out = append(out, structField{n.Name, typ, tag})
		}
	}
	return out
}

func typeChangeReason(b, n *decl) string {
	bs, _ := b.node.(*ast.TypeSpec)
	ns, _ := n.node.(*ast.TypeSpec)
	if bs != nil && ns != nil && (bs.TypeParams == nil) == (ns.TypeParams == nil) && bs.Assign.IsValid() == ns.Assign.IsValid() {
		_, bIface := bs.Type.(*ast.InterfaceType)
		_, nIface := ns.Type.(*ast.InterfaceType)
		switch {
		case b.fields != nil && n.fields != nil:
			return structChangeReason(b.fields, n.fields)
		case bIface && nIface:
			return "interface methods changed: the types that satisfy it were checked when the program was built; restart to apply"
		}
	}
	return "type definition changed: live values and compiled code depend on it; restart to apply"
}

// structChangeReason says what changed between two versions of a struct
// type's fields. A tag alone does not change the layout, but it is part
// of the type: the running program's values, and everything that reads
// their tags through reflect, keep the old type.
func structChangeReason(old, cur []structField) string {
	byName := func(fs []structField) map[string]structField {
		m := map[string]structField{}
		for _, f := range fs {
			m[f.name] = f
		}
		return m
	}
	om, cm := byName(old), byName(cur)
	var layout, tags []string
	for _, f := range cur {
		o, ok := om[f.name]
		switch {
		case !ok:
			layout = append(layout, "adds field "+f.name)
		case o.typ != f.typ:
			layout = append(layout, fmt.Sprintf("changes the type of field %s from %s to %s", f.name, o.typ, f.typ))
		case o.tag != f.tag:
			tags = append(tags, fmt.Sprintf("the tag of field %s changed from `%s` to `%s`", f.name, o.tag, f.tag))
		}
	}
	for _, f := range old {
		if _, ok := cm[f.name]; !ok {
			layout = append(layout, "removes field "+f.name)
		}
	}
	if len(layout) == 0 && len(tags) == 0 {
		layout = append(layout, "reorders fields")
	}
	if len(layout) > 0 {
		return fmt.Sprintf("struct fields changed (%s): values of this type are live in memory with the old layout; restart to apply", strings.Join(append(layout, tags...), "; "))
	}
	return strings.Join(tags, "; ") + ": a tag is part of the struct type, and the running program keeps the old type (values built with it, and what reads tags through reflect, like encoding/json, see the old tags); restart to apply"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
