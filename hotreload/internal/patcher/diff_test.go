package patcher

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

func declsOfSrc(t *testing.T, src string) map[string]*decl {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "/m/p.go", "package p\n"+src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	return declsOf(fset, []*ast.File{f})
}

func diffSrc(t *testing.T, old, cur string) *changes {
	t.Helper()
	return diff(declsOfSrc(t, old), declsOfSrc(t, cur), func(p token.Position, decl, reason string) Refusal {
		return Refusal{File: p.Filename, Line: p.Line, Decl: decl, Reason: reason}
	})
}

// A struct type's refusal says what changed: fields added, removed,
// retyped or reordered change the layout; a tag alone does not, and says so.
func TestStructChangeReasons(t *testing.T) {
	for _, c := range []struct {
		old, cur string
		want     []string
		not      string
	}{
		{"type T struct{ A int `json:\"a\"` }", "type T struct{ A int `json:\"b\"` }", []string{"tag of field A", "`json:\"b\"`"}, "layout"},
		{"type T struct{ A int }", "type T struct{ A int; B string }", []string{"struct fields changed", "adds field B", "layout"}, "tag"},
		{"type T struct{ A, B int }", "type T struct{ A int }", []string{"removes field B"}, ""},
		{"type T struct{ A int }", "type T struct{ A int64 }", []string{"type of field A from int to int64"}, ""},
		{"type T struct{ A, B int }", "type T struct{ B, A int }", []string{"reorders fields"}, ""},
		{"type T struct{ x }", "type T struct{ *x }", []string{"type of field x"}, ""},
	} {
		ch := diffSrc(t, c.old, c.cur)
		if len(ch.refusals) != 1 {
			t.Errorf("%s → %s: %d refusals %v", c.old, c.cur, len(ch.refusals), ch.refusals)
			continue
		}
		r := ch.refusals[0]
		for _, w := range c.want {
			if !strings.Contains(r.Reason, w) {
				t.Errorf("%s → %s: %q lacks %q", c.old, c.cur, r.Reason, w)
			}
		}
		if c.not != "" && strings.Contains(r.Reason, c.not) {
			t.Errorf("%s → %s: %q says %q", c.old, c.cur, r.Reason, c.not)
		}
		if r.Decl != "type T" || !strings.Contains(r.Reason, "restart") {
			t.Errorf("%s → %s: %+v", c.old, c.cur, r)
		}
	}
}

// Constants are compared one by one: a change in a block leaves the other
// constants alone, comments and layout are no change, and a constant
// whose iota moved is told apart from one whose expression changed.
func TestConstCandidates(t *testing.T) {
	base := "const (\n\tA = iota\n\tB\n\tC\n)\n\nconst (\n\tx = 1 // one\n\ty = 2\n)\n"
	for _, c := range []struct {
		cur  string
		want []string // constants diff hands on for a type-checked look
	}{
		{base, nil},
		{strings.Replace(base, "// one", "// uno", 1), nil},
		{strings.Replace(base, "y = 2", "y = 3", 1), []string{"y"}},
		{strings.Replace(base, "A = iota\n", "A = iota\n\tZ\n", 1), []string{"B", "C"}},
		{strings.Replace(base, "\tC\n", "\tC\n\tD\n", 1), nil},
	} {
		ch := diffSrc(t, base, c.cur)
		var got []string
		for _, cc := range ch.consts {
			got = append(got, cc.cur.name)
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") || len(ch.refusals) != 0 {
			t.Errorf("%q: constants %v (refusals %v), want %v", c.cur, got, ch.refusals, c.want)
		}
	}
}
