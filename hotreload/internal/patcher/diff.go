package patcher

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"sort"
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
	text string // the whole declaration, without comments
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
				dd := &decl{node: d, file: f, pos: fset.Position(d.Pos())}
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
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						c := *s
						c.Doc, c.Comment = nil, nil
						ds["type "+s.Name.Name] = &decl{key: "type " + s.Name.Name, name: s.Name.Name, node: s, file: f, pos: fset.Position(s.Pos()), text: nodeText(fset, &c)}
					case *ast.ValueSpec:
						var names []string
						for _, n := range s.Names {
							names = append(names, n.Name)
						}
						kind := "var"
						if d.Tok == token.CONST {
							kind = "const"
						}
						c := *s
						c.Doc, c.Comment = nil, nil
						text := nodeText(fset, &c)
						if d.Tok == token.CONST {
							// A const spec without values repeats the
							// previous one's (iota): compare the whole
							// group.
							g := *d
							g.Doc = nil
							text = nodeText(fset, &g) + "\n" + text
						}
						key := kind + " " + strings.Join(names, ",")
						ds[key] = &decl{key: key, name: strings.Join(names, ", "), node: s, file: f, pos: fset.Position(s.Pos()), text: text}
					}
				}
			}
		}
	}
	return ds
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
}

func (c *changes) empty() bool {
	return len(c.changed) == 0 && len(c.added) == 0 && len(c.refusals) == 0
}

// diff classifies every declaration of a package: unchanged, body change
// (patchable), added (lives in the patch), or rude (refused).
func diff(base, cur map[string]*decl, relFile func(token.Position) string) *changes {
	c := &changes{}
	keys := make([]string, 0, len(cur))
	for k := range cur {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	refuse := func(d *decl, what, reason string) {
		c.refusals = append(c.refusals, Refusal{File: relFile(d.pos), Line: d.pos.Line, Decl: what, Reason: reason})
	}
	for _, k := range keys {
		n := cur[k]
		b, ok := base[k]
		switch {
		case strings.HasPrefix(k, "init#"):
			if !ok || b.text != n.text {
				refuse(n, "func init", "init functions run once, at start-up: a changed or added init cannot run again in a live process; restart to apply it")
			}
		case !ok:
			if strings.HasPrefix(k, "method ") {
				t := strings.SplitN(n.name, ".", 2)[0]
				if _, isOld := base["type "+t]; isOld {
					refuse(n, "method "+n.name, fmt.Sprintf("adds a method to %s: a type's method set is fixed when the program starts (interfaces it satisfies, method tables); restart to apply", t))
					continue
				}
			}
			c.added = append(c.added, n)
			if strings.HasPrefix(k, "var ") {
				c.notes = append(c.notes, fmt.Sprintf("%s:%d: new variable %s lives in the patch: its value starts over with each new patch until a restart makes it part of the program", relFile(n.pos), n.pos.Line, n.name))
			}
		case b.text == n.text:
			// unchanged (comments and layout may differ)
		case strings.HasPrefix(k, "func ") || strings.HasPrefix(k, "method "):
			what := strings.TrimPrefix(strings.TrimPrefix(k, "func "), "method ")
			if b.sig != n.sig {
				refuse(n, "func "+what, fmt.Sprintf("signature changed from %q to %q: every caller was compiled against the old one; restart to apply", oneLine(b.sig), oneLine(n.sig)))
				continue
			}
			c.changed = append(c.changed, n)
		case strings.HasPrefix(k, "type "):
			refuse(n, "type "+n.name, typeChangeReason(b, n))
		case strings.HasPrefix(k, "var "):
			refuse(n, "var "+n.name, "the declaration (type or initializer) of a package variable changed: variables are initialized once, at start-up, and live values keep their layout; restart to apply")
		case strings.HasPrefix(k, "const "):
			refuse(n, "const "+n.name, "a constant's value changed: constants are compiled into every place that uses them; restart to apply")
		}
	}
	return c
}

func typeChangeReason(b, n *decl) string {
	bs, _ := b.node.(*ast.TypeSpec)
	ns, _ := n.node.(*ast.TypeSpec)
	if bs != nil && ns != nil {
		_, bStruct := bs.Type.(*ast.StructType)
		_, nStruct := ns.Type.(*ast.StructType)
		_, bIface := bs.Type.(*ast.InterfaceType)
		_, nIface := ns.Type.(*ast.InterfaceType)
		switch {
		case bStruct && nStruct:
			return "struct fields changed: values of this type are live in memory with the old layout; restart to apply"
		case bIface && nIface:
			return "interface methods changed: the types that satisfy it were checked when the program was built; restart to apply"
		}
	}
	return "type definition changed: live values and compiled code depend on it; restart to apply"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
