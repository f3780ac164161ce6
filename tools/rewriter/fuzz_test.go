package rewriter

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// FuzzRewrite checks, for any source that parses as a Go file, that the
// rewrite parses too, keeps every line (see positionErrors: at least as
// many lines, every original token on its line, every function body's
// braces on their lines) and does not depend on anything but its input.
// The corpus starts with the golden cases' inputs.
func FuzzRewrite(f *testing.F) {
	for _, c := range loadGolden(f) {
		for _, in := range c.inputs {
			f.Add(string(in.Src), c.cfg.NoEscape, c.cfg.Race, c.cfg.GoVersion)
		}
	}
	// Sources that parse but do not compile: no panic, lines kept.
	for _, src := range []string{
		"package a\n\ntype T int\n\nfunc (a, b T) M() {}\n",
		"package a\n\nfunc () M() {}\n",
		"package a\n\nfunc (T) _() {}\nfunc _[T any]() {}\n",
		"package a\n\nfunc F[T any](x [len(`a\nb`)]T) {\n}\n",
		"package a\n\nfunc (r *T[_, _]) M(_ int, int) {}\n",
		"package a\n\nfunc F(a,\n\tb int,\n) (\n\tc int) {\n\treturn }\n",
		"package a\n\n//go:nosplit\n\n// doc\nfunc F() {}\n",
	} {
		f.Add(src, true, false, "")
		f.Add(src, false, true, "go1.17")
	}
	f.Fuzz(func(t *testing.T, src string, noescape, race bool, lang string) {
		if _, err := parser.ParseFile(token.NewFileSet(), "a.go", src, parser.SkipObjectResolution); err != nil {
			if _, err := Rewrite(Config{ImportPath: "a"}, []File{{Name: "a.go", Src: []byte(src)}}); err == nil {
				t.Fatalf("no error for a file that does not parse")
			}
			return
		}
		cfg := Config{ImportPath: "example.com/a", NoEscape: noescape, Race: race, GoVersion: lang}
		res, err := Rewrite(cfg, []File{{Name: "a.go", Src: []byte(src)}})
		if err != nil {
			t.Fatalf("rewrite of a file that parses: %v", err)
		}
		out := res.Files[0].Src
		if errs := positionErrors("a.go", []byte(src), out); len(errs) > 0 {
			t.Fatalf("%s\noutput:\n%s", strings.Join(errs, "\n"), out)
		}
		res2, err := Rewrite(cfg, []File{{Name: "a.go", Src: []byte(src)}})
		if err != nil || string(res2.Files[0].Src) != string(out) {
			t.Fatalf("second rewrite differs (%v)", err)
		}
	})
}
