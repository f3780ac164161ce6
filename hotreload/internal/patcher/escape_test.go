package patcher

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNormalFuncName(t *testing.T) {
	for in, want := range map[string]string{
		"example.com/p.F":                          "example.com/p.F",
		"example.com/p.(*T).M":                     "example.com/p.T.M",
		"example.com/p.T.M":                        "example.com/p.T.M",
		"example.com/p.G[go.shape.int]":            "example.com/p.G",
		"example.com/p.(*L[go.shape.string]).Push": "example.com/p.L.Push",
		"gohot/patch/x.gohotFn_T_M_p":              "gohot/patch/x.gohotFn_T_M_p",
	} {
		if got := normalFuncName(in); got != want {
			t.Errorf("normalFuncName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWorse: a new body may keep a parameter as long as, or less than,
// the base's; any new flow, or one with fewer dereferences, is worse.
func TestWorse(t *testing.T) {
	none := leaks{-1, -1, -1, -1, -1, -1, -1, -1}
	heap := none
	heap[0] = 0
	content := none
	content[0] = 1
	result := none
	result[3] = 0
	for _, c := range []struct {
		name      string
		base, now leaks
		want      int
	}{
		{"same", heap, heap, -1},
		{"less", heap, none, -1},
		{"content of what escaped", heap, content, -1},
		{"new flow to the heap", none, heap, 0},
		{"fewer dereferences", content, heap, 0},
		{"to a result", none, result, 3},
		{"result where the base went to the heap", heap, result, 3},
	} {
		if got := worse(c.base, c.now); got != c.want {
			t.Errorf("%s: worse = %d, want %d", c.name, got, c.want)
		}
	}
}

// TestReadLeaks: the instantiations of a generic function combine, for
// the base, into what none escapes further than, and otherwise into what
// any may do.
func TestReadLeaks(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tags")
	if err := os.WriteFile(file, []byte(`example.com/p.(*T).M 1 -1 0 -1 -1 -1 -1 -1 -1
example.com/p.G[go.shape.int] 1 -1 -1 -1 -1 -1 -1 -1 -1
example.com/p.G[go.shape.string] 1 0 -1 -1 -1 -1 -1 -1 -1
example.com/p.H[go.shape.interface { Error() string }] 2 -1 -1 -1 0 -1 -1 -1 -1
example.com/p.G[int] 1 0 -1 -1 -1 -1 -1 -1 -1
example.com/p.K[go.shape.int] 1 -1 -1 -1 -1 -1 -1 -1 -1
example.com/p.K[go.shape.int] 2 0 -1 -1 -1 -1 -1 -1 -1
example.com/p.K[int] 1 0 -1 -1 -1 -1 -1 -1 -1
`), 0o644); err != nil {
		t.Fatal(err)
	}
	base, err := readLeaks(file, true)
	if err != nil {
		t.Fatal(err)
	}
	now, err := readLeaks(file, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := base["example.com/p.T.M"][1]; got != (leaks{-1, 0, -1, -1, -1, -1, -1, -1}) {
		t.Errorf("method: %v", got)
	}
	if got := base["example.com/p.G"][1]; got[0] != -1 {
		t.Errorf("base generic: %v, want no heap flow (one shaped instantiation has none; G[int], the dictionary wrapper whose parameter 1 is another, is not compared)", got)
	}
	if got := now["example.com/p.G"][1]; got[0] != 0 {
		t.Errorf("new generic: %v, want the heap flow of one instantiation", got)
	}
	if got := now["example.com/p.K"][1]; got[0] != -1 {
		t.Errorf("K's parameter 1 (the dictionary of the shaped body) mixed with K[int]'s parameter 1: %v", got)
	}
	if got := now["example.com/p.H"][2]; got[3] != 0 {
		t.Errorf("a shape with spaces in its name: %v", now["example.com/p.H"])
	}
	if _, err := readLeaks(filepath.Join(t.TempDir(), "none"), true); err != nil {
		t.Errorf("a missing file (nothing with pointers compiled): %v", err)
	}
	os.WriteFile(file, []byte("garbage\n"), 0o644)
	if _, err := readLeaks(file, true); err == nil {
		t.Errorf("a malformed file was read")
	}
}
