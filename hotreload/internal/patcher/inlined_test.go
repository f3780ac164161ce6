package patcher

import "testing"

// TestClosureSuffix: a function literal's, a nested literal's and a
// range-over-func body's linker names lose what they add to their
// enclosing function's; a function or method named like one does not.
func TestClosureSuffix(t *testing.T) {
	for in, want := range map[string]string{
		"F":               "F",
		"F.func1":         "F",
		"F.func1.2":       "F",
		"T.M.func3":       "T.M",
		"F-range1":        "F",
		"F-range1.func2":  "F",
		"T.funcy":         "T.funcy",
		"T.func":          "T.func",
		"Handle.func12.1": "Handle",
	} {
		if got := closureSuffix.ReplaceAllString(in, ""); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}
