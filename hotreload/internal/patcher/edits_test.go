package patcher

import (
	"strings"
	"testing"
)

const (
	itemBase  = "item 1 n 1 123 [0 1 2]"
	mainShow  = `func show(it *lib.Item) string { return fmt.Sprint(it.ID, " ", it.Name, " ", it.Count()) }`
	libCount  = "func (it *Item) Count() int { return it.count }"
	libCount2 = "func (it *Item) Count() int { return it.count + 10 }"
)

func wantFunctions(t *testing.T, res *Result, want ...string) {
	t.Helper()
	if strings.Join(res.Functions, " ") != strings.Join(want, " ") {
		t.Fatalf("functions %q, want %q", res.Functions, want)
	}
}

// A refused edit of package main, once undone, leaves no trace: the next
// build is unchanged, and a later good edit patches only what it changed.
// The refusal is reported once (though the type is used twice), with a
// module-relative file name.
func TestRefusalThenUndo(t *testing.T) {
	s := newSession(t)
	s.want("item", itemBase)
	bad := `func show(it *lib.Item, more ...int) string { var c counter; var d counter; _, _ = c, d; return "" }`
	s.edit("main.go", mainShow, bad)
	r := s.refused()
	if r.File != "main.go" || r.Line == 0 || r.Decl != "func show" || !strings.Contains(r.Reason, "signature") {
		t.Errorf("refusal: %+v", r)
	}
	s.edit("main.go", bad, mainShow)
	if res := s.build(); !res.Unchanged || len(res.Functions) != 0 {
		t.Fatalf("after undoing the refused edit: %+v, want unchanged", res)
	}
	s.edit("lib/lib.go", libCount, libCount2)
	wantFunctions(t, s.patch(), "example.com/app/lib.Item.Count")
	s.want("item", "item 1 n 11 123 [0 1 2]")
}

// A refused edit undone together with a good edit elsewhere: the patch
// is that edit alone (no reset of the function that was refused); then a
// good edit of the function that was refused.
func TestRefusalThenOtherEdit(t *testing.T) {
	s := newSession(t)
	bad := `func show(it *lib.Item, more ...int) string { var c counter; _ = c; return "" }`
	good := `func show(it *lib.Item) string { return fmt.Sprint("show ", it.Name) }`
	s.edit("main.go", mainShow, bad)
	s.refused()
	s.edit("main.go", bad, mainShow)
	s.edit("lib/lib.go", libCount, libCount2)
	wantFunctions(t, s.patch(), "example.com/app/lib.Item.Count")
	s.want("item", "item 1 n 11 123 [0 1 2]")
	s.edit("main.go", mainShow, good)
	wantFunctions(t, s.patch(), "example.com/app.show", "example.com/app/lib.Item.Count")
	s.want("item", "item show n 123 [0 1 2]")
}

// A reset of package main's function whose type names a package that the
// same patch imports under another name (it patches that package too).
func TestResetWithPatchedPackage(t *testing.T) {
	s := newSession(t)
	edited := strings.Replace(mainShow, `" ", it.Count()`, `" ", it.Count(), "!"`, 1)
	s.edit("main.go", mainShow, edited)
	s.patch()
	s.want("item", "item 1 n 1! 123 [0 1 2]")
	s.edit("main.go", edited, mainShow)
	s.edit("lib/lib.go", libCount, libCount2)
	wantFunctions(t, s.patch(), "example.com/app/lib.Item.Count", "example.com/app.show")
	s.want("item", "item 1 n 11 123 [0 1 2]")
}

// A constant whose value changes goes live: every function that uses it,
// in its package or another, is patched with the new value, with a note
// saying so; iota blocks too. A constant used in a type is refused, one
// used in a variable's initializer is noted (the value in memory stays).
func TestConstChanges(t *testing.T) {
	s := newSession(t)
	s.edit("lib/lib.go", "medium = 2", "medium = 20")
	res := s.patch()
	wantFunctions(t, res, "example.com/app/lib.Sizes")
	if !strings.Contains(strings.Join(res.Notes, "\n"), "medium (2 → 20)") {
		t.Errorf("notes %q: want the constant's change", res.Notes)
	}
	s.want("item", "item 1 n 1 303 [0 1 2]")

	// Written differently, the same constant: no further change.
	s.edit("lib/lib.go", "medium = 20", "medium = 2")
	s.edit("lib/lib.go", "medium = 2", "medium = 1 + 1")
	if res := s.build(); len(res.Refusals) != 0 || len(res.Functions) != 1 || res.Functions[0] != "example.com/app/lib.Sizes" {
		t.Errorf("same value written differently: %+v", res)
	}
	s.patch()
	s.want("item", "item 1 n 1 123 [0 1 2]")
	s.edit("lib/lib.go", "medium = 1 + 1", "medium = 2")

	// The expression a block repeats, used here and in package main.
	s.edit("lib/lib.go", "KindA Kind = iota\n", "KindA Kind = iota + 1\n")
	wantFunctions(t, s.patch(), "example.com/app/lib.Kinds", "example.com/app.kindB")
	s.want("item", "item 1 n 1 123 [1 2 3]")
	s.want("kind", "kind 2 13 a=1 2=true")
	// An insertion shifts the constants after it.
	s.edit("lib/lib.go", "KindA Kind = iota + 1\n", "KindA Kind = iota\n\tKindZ\n")
	s.patch()
	s.want("item", "item 1 n 1 123 [0 2 3]")
	s.want("kind", "kind 2 13 a=1 2=true")
	s.edit("lib/lib.go", "KindA Kind = iota\n\tKindZ\n", "KindA Kind = iota\n")
	s.patch()
	s.want("kind", "kind 1 13 a=1 2=true")

	// In a type: refused, with the reason.
	s.edit("lib/lib.go", "large  = 3", "large  = 4")
	r := s.refused()
	if r.Decl != "type block" || !strings.Contains(r.Reason, "large (3 → 4)") || r.File != "lib/lib.go" {
		t.Errorf("constant in a type: %+v", r)
	}
	s.edit("lib/lib.go", "large  = 4", "large  = 3")

	// In a variable's initializer: the value in memory stays, and the
	// event says so.
	s.edit("lib/lib.go", "small  = 1", "small  = 5")
	res = s.patch()
	if len(res.NotLive) != 1 || !strings.Contains(res.NotLive[0], "var defaultSize") {
		t.Errorf("not live: %q", res.NotLive)
	}
	s.want("item", "item 1 n 1 523 [0 1 2]")
	s.want("kind", "kind 1 13 a=1 2=true")
}

// A struct tag change is refused for what it is, not as a layout change.
func TestStructTagRefusal(t *testing.T) {
	s := newSession(t)
	s.edit("lib/lib.go", "`json:\"name\"`", "`json:\"title\"`")
	r := s.refused()
	if r.Decl != "type Item" || !strings.Contains(r.Reason, "tag") || !strings.Contains(r.Reason, "Name") || strings.Contains(r.Reason, "layout") {
		t.Errorf("tag change: %+v", r)
	}
}

// Composite literals of the package's own struct types, with unexported
// and embedded fields, keyed, positional and elided, work in a patch.
func TestOwnStructLiterals(t *testing.T) {
	s := newSession(t)
	old := `func NewItem(name string) *Item { return &Item{Base: Base{ID: 1}, Name: name, count: 1} }`
	s.edit("lib/lib.go", old, `func NewItem(name string) *Item { return &Item{Base: Base{ID: 4}, Name: name} }`)
	s.patch()
	s.want("item", "item 4 n 0 123 [0 1 2]")
	s.edit("lib/lib.go", `func NewItem(name string) *Item { return &Item{Base: Base{ID: 4}, Name: name} }`, `func NewItem(name string) *Item {
	items := []*Item{{Base: Base{ID: 2}, Name: name, count: 5}, {count: 7}}
	v := Item{Base{3}, name, 9}
	byName := map[string]Item{"x": {count: 100}}
	w := wrapped{inner: &inner{label: "abc"}, Item: Item{count: 2}, n: 1}
	return &Item{Base: Base{ID: items[0].ID + v.ID}, Name: name, count: items[0].count + items[1].count + v.count + byName["x"].count + w.total()*1000 + New().count*10000}
}`)
	// A new type embedding an unexported one, built with a keyed literal;
	// and a changed function whose literal sets an embedded unexported
	// field and an unexported one.
	s.edit("lib/lib.go", "func Kinds() []Kind {", `type wrapped struct {
	*inner
	Item
	n int
}

func (w wrapped) total() int { return w.n + w.count + len(w.label) }

func Kinds() []Kind {`)
	s.edit("lib/lib.go", `return &store{Name: "s", inner: inner{label: "L"}}`, `return &store{Name: "s", inner: inner{label: "L"}, count: 3}`)
	s.patch()
	s.want("item", "item 5 n 36121 123 [0 1 2]")
}

// A variable added by a patch keeps its value across later patches (the
// later ones take the first one's variable); its initializer changed, it
// still keeps the value, and the event says so. A changed initializer of
// a variable of the program is a note, not a refusal; a changed type is
// refused.
func TestVariables(t *testing.T) {
	s := newSession(t)
	s.edit("lib/lib.go", "func Hits() int { return hits }", "var calls int\n\nfunc Hits() int { calls++; return hits + calls*1000 }")
	s.patch()
	s.want("call", "result 1 L:s 7 b hello x 1001")
	s.want("call", "result 2 L:s 7 b hello x 2002")
	// Another patch: calls lives on.
	s.edit("lib/lib.go", "return hits + calls*1000", "return hits + calls*100")
	s.patch()
	s.want("call", "result 3 L:s 7 b hello x 303")
	// Its initializer changed: the value stays, and a note says so.
	s.edit("lib/lib.go", "var calls int\n", "var calls = 50\n")
	res := s.build()
	if !res.Unchanged || len(res.NotLive) != 1 || !strings.Contains(res.NotLive[0], "var calls") {
		t.Errorf("unchanged %v, not live %q", res.Unchanged, res.NotLive)
	}
	s.want("call", "result 4 L:s 7 b hello x 404")

	// A variable of the program: a changed initializer is a note.
	s.edit("lib/lib.go", "var defaultSize = small * 10", "var defaultSize = small * 20")
	res = s.build()
	if len(res.Refusals) != 0 || len(res.NotLive) != 2 || !strings.Contains(strings.Join(res.NotLive, "\n"), "var defaultSize: its initializer changed") {
		t.Errorf("changed initializer: refusals %v, not live %q", res.Refusals, res.NotLive)
	}
	s.edit("lib/lib.go", "var defaultSize = small * 20", "var defaultSize int64 = small * 10")
	s.edit("lib/lib.go", "return defaultSize + len(block{})", "return int(defaultSize) + len(block{})")
	if r := s.refused(); r.Decl != "var defaultSize" || !strings.Contains(r.Reason, "from int to int64") {
		t.Errorf("changed type: %+v", r)
	}
}

// An unexported method added to a type of the program lives in the patch:
// calls, method values and method expressions of it work. One that would
// make the type satisfy an interface, or an exported one, is refused with
// the reason.
func TestNewMethods(t *testing.T) {
	s := newSession(t)
	s.edit("lib/lib.go", "func (s *store) Bump(n int) string { return fmt.Sprint(s.bump(n)) }",
		"func (s *store) Bump(n int) string { f := s.twice; g := (*store).twice; return fmt.Sprint(s.bump(n) + f(1) + g(s, 2)) }\n\nfunc (s *store) twice(n int) int { return 2 * n * s.count }")
	wantFunctions(t, s.patch(), "example.com/app/lib.store.Bump")
	s.want("call", "result 7 L:s 7 b hello x 1") // count 1: 1 + 2*1*1 + 2*2*1

	s.edit("lib/lib.go", "func (s *store) twice(n int) int {", "type doubler interface{ twice(int) int }\n\nvar _ = func(x any) bool { _, ok := x.(doubler); return ok }\n\nfunc (s *store) twice(n int) int {")
	r := s.refused()
	if r.Decl != "func store.twice" || !strings.Contains(r.Reason, "satisfy") || !strings.Contains(r.Reason, "twice(int) int") {
		t.Errorf("new method satisfying an interface: %+v", r)
	}
	s.edit("lib/lib.go", "type doubler interface{ twice(int) int }\n\nvar _ = func(x any) bool { _, ok := x.(doubler); return ok }\n\n", "")

	s.edit("lib/lib.go", "func (s *store) twice(n int) int {", "func (s *store) String() string { return \"store\" }\n\nfunc (s *store) twice(n int) int {")
	r = s.refused()
	if r.Decl != "func store.String" || !strings.Contains(r.Reason, "exported method String") || !strings.Contains(r.Reason, "fmt.Stringer") {
		t.Errorf("new exported method: %+v", r)
	}
}

// A call of an unexported method of an interface goes through the
// wrapper the rewrite generated for it.
func TestInterfaceMethodCall(t *testing.T) {
	s := newSession(t)
	s.edit("lib/lib.go", "func (s *store) Describe() string { return s.describe() }",
		"func (s *store) Describe() string { var d describer = *s; return d.describe() + \"!\" }")
	wantFunctions(t, s.patch(), "example.com/app/lib.store.Describe")
	s.want("call", "result 1 L:s! 7 b hello x 1")
}

// A method of a generic type: its replacement is a generic function, one
// instantiation per instantiation of the type the program makes.
func TestGenericTypeMethod(t *testing.T) {
	s := newSession(t)
	s.edit("lib/lib.go", `func (p *Pair[K, V]) Show() string { return fmt.Sprint(p.k, "=", p.v) }`, `func (p *Pair[K, V]) Show() string { return fmt.Sprint(p.k, ":", p.v) }`)
	wantFunctions(t, s.patch(), "example.com/app/lib.Pair.Show")
	s.want("kind", "kind 1 13 a:1 2:true")
}

// TestMoldFallback: a plugin link that fails with mold is linked again
// with GNU ld, the patch says so once, and the session's next patches go
// straight to GNU ld. (Where mold is installed, every other test links
// with it.)
func TestMoldFallback(t *testing.T) {
	defer func(use func() bool, flag string) { useMold, moldFlag = use, flag }(useMold, moldFlag)
	useMold = func() bool { return true }
	moldFlag = "-fuse-ld=no-such-linker"
	s := newSession(t)
	s.edit("lib/lib.go", libCount, libCount2)
	res := s.patch()
	wantFunctions(t, res, "example.com/app/lib.Item.Count")
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "linking with mold failed") || !strings.Contains(res.Notes[0], "GNU ld") {
		t.Errorf("notes %q, want one saying mold failed and GNU ld linked the patch", res.Notes)
	}
	s.want("item", "item 1 n 11 123 [0 1 2]")
	libCount3 := strings.Replace(libCount2, "+ 10", "+ 20", 1)
	s.edit("lib/lib.go", libCount2, libCount3)
	if res := s.patch(); len(res.Notes) != 0 {
		t.Errorf("the next patch's notes %q, want none (GNU ld directly)", res.Notes)
	}
	s.want("item", "item 1 n 21 123 [0 1 2]")
}
