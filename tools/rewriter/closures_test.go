package rewriter

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const closureSrc = `package main

import (
	"fmt"
	"strings"
)

type counter struct{ n int }

// handlers builds closures once, as start-up code does.
func handlers(prefix string) (func(string) string, func() int, func(...int) (int, error)) {
	c := &counter{}
	total := 0
	hello := func(name string) string {
		c.n++
		total += len(name)
		return prefix + strings.ToUpper(name)
	}
	count := func() int { return c.n*1000 + total }
	sum := func(xs ...int) (n int, err error) {
		for _, x := range xs {
			n += x
		}
		return n, nil
	}
	return hello, count, sum
}

func main() {
	hello, count, sum := handlers("hi ")
	fmt.Println(hello("ann"), count())
	redirect()
	fmt.Println(hello("bob"), count())
	n, err := sum(1, 2, 3)
	fmt.Println(n, err)
	defer func() { fmt.Println("recovered", recover()) }()
	panic("boom")
}
`

// redirect sets the slots of handlers' first and third literals, as a
// patch would: the closure values made before keep their captured
// variables, now shared with the new bodies.
const closureRedirect = `package main

func redirect() {
	GoHotC_handlers_1 = func(env []interface{}, args []interface{}) []interface{} {
		c, total, prefix := env[0].(**counter), env[1].(*int), env[2].(*string)
		name := args[0].(string)
		(*c).n += 10
		*total += 100
		return []interface{}{*prefix + "patched " + name}
	}
	GoHotC_handlers_3 = func(env []interface{}, args []interface{}) []interface{} {
		n := 0
		for _, x := range args[0].([]int) {
			n += x * 10
		}
		return []interface{}{n, nil}
	}
}
`

// TestClosures: function literals get a slot each; a redirect receives the
// addresses of the captured variables and the arguments, shares the
// variables with the closure values made before it, and returns the
// results; a literal that calls recover() is left alone.
func TestClosures(t *testing.T) {
	res, err := Rewrite(Config{ImportPath: "main", Closures: true}, []File{{Name: "main.go", Src: []byte(closureSrc)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Manifest.Closures {
		got = append(got, ClosureName(c.Func, c.Index)+"("+strings.Join(c.Captures, ",")+")")
	}
	want := []string{"handlers.func1(c,total,prefix)", "handlers.func2(c,total)", "handlers.func3()"}
	if !slices.Equal(got, want) {
		t.Errorf("closures %q, want %q", got, want)
	}
	skipped := false
	for _, s := range res.Manifest.Skipped {
		skipped = skipped || s.Name == "main.func1" && strings.Contains(s.Reason, "recover")
	}
	if !skipped {
		t.Errorf("the literal calling recover() is not skipped: %+v", res.Manifest.Skipped)
	}
	if errs := positionErrors("main.go", []byte(closureSrc), res.Files[0].Src); len(errs) > 0 {
		t.Errorf("positions: %q", errs)
	}
	out := runRewritten(t, res.Files[0].Src, []byte(closureRedirect), "1.22")
	wantOut := "hi ANN 1003\nhi patched bob 11103\n60 <nil>\nrecovered boom\n"
	if string(out) != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}
}

const genericClosureSrc = `package main

import "fmt"

type box[K comparable, V any] struct{ m map[K]V }

// getter's literal is in a method of a generic type.
func (b *box[K, V]) getter() func(K) V {
	return func(k K) V { return b.m[k] }
}

// describe's literal is in a generic function.
func describe[T any](prefix string) func(T) string {
	n := 0
	return func(x T) string {
		n++
		return fmt.Sprint(prefix, x, n)
	}
}

// shadow's literal names its parameter after the type parameter.
func shadow[T any]() func(T int) int {
	return func(T int) int { return T }
}

func main() {
	di, ds := describe[int]("i"), describe[string]("s")
	g := (&box[string, int]{m: map[string]int{"a": 1}}).getter()
	fmt.Println(di(1), ds("x"), g("a"))
	redirect()
	fmt.Println(di(2), ds("y"), g("a"), shadow[bool]()(7))
}
`

// genericRedirect sets the int instantiation's redirect of describe's
// literal and box[string, int]'s of getter's: describe[string]'s closure
// keeps its body, as it has no redirect of its type.
const genericRedirect = `package main

func redirect() {
	GoHotC_describe_1 = &[]interface{}{func(env []interface{}, args []interface{}, _ func(int)) []interface{} {
		n, prefix := env[0].(*int), env[1].(*string)
		*n += 10
		return []interface{}{*prefix + " patched " + fmt.Sprint(args[0].(int), *n)}
	}}
	GoHotC_box_getter_1 = &[]interface{}{func(env []interface{}, args []interface{}, _ func(string, int)) []interface{} {
		b := env[0].(**box[string, int])
		return []interface{}{(*b).m[args[0].(string)] + 100}
	}}
}
`

// TestGenericClosures: literals of generic functions and of methods of
// generic types have a slot holding one redirect per instantiation, told
// apart by type; a literal whose scope hides a type parameter is left
// alone.
func TestGenericClosures(t *testing.T) {
	res, err := Rewrite(Config{ImportPath: "main", Closures: true}, []File{{Name: "main.go", Src: []byte(genericClosureSrc)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Manifest.Closures {
		got = append(got, ClosureName(c.Func, c.Index)+"["+strings.Join(c.TypeParams, ",")+"]("+strings.Join(c.Captures, ",")+")")
		if !c.Generic {
			t.Errorf("%s: not marked generic", c.Func)
		}
	}
	want := []string{"box.getter.func1[K,V](b)", "describe.func1[T](n,prefix)"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("closures %q, want %q", got, want)
	}
	skipped := false
	for _, s := range res.Manifest.Skipped {
		skipped = skipped || s.Name == "shadow.func1" && strings.Contains(s.Reason, `"T"`)
	}
	if !skipped {
		t.Errorf("the literal hiding T is not skipped: %+v", res.Manifest.Skipped)
	}
	if errs := positionErrors("main.go", []byte(genericClosureSrc), res.Files[0].Src); len(errs) > 0 {
		t.Errorf("positions: %q", errs)
	}
	redirect := strings.Replace(genericRedirect, "package main\n", "package main\n\nimport \"fmt\"\n", 1)
	out := runRewritten(t, res.Files[0].Src, []byte(redirect), "1.24")
	wantOut := "i1 1 sx1 1\ni patched 2 11 sy2 101 7\n"
	if string(out) != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}
}

const varClosureSrc = `package main

import "fmt"

var greet = func(name string) string { return "hi " + name }

var routes = map[string]func() int{
	"a": func() int { return 1 },
	"b": func() int { return 2 },
}

var _ = func() int { return 0 }()

func main() {
	fmt.Println(greet("ann"), routes["a"](), routes["b"]())
	redirect()
	fmt.Println(greet("bob"), routes["a"](), routes["b"]())
}
`

const varClosureRedirect = `package main

func redirect() {
	GoHotC_greet_1 = func(env []interface{}, args []interface{}) []interface{} {
		return []interface{}{"hello " + args[0].(string)}
	}
	GoHotC_routes_2 = func(env []interface{}, args []interface{}) []interface{} {
		return []interface{}{20}
	}
}
`

// TestVarClosures: the literals of package variables' initializers (a
// handler, a route table) have slots too: the values made at start-up run
// the redirect.
func TestVarClosures(t *testing.T) {
	res, err := Rewrite(Config{ImportPath: "main", Closures: true}, []File{{Name: "main.go", Src: []byte(varClosureSrc)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Manifest.Closures {
		if c.Var {
			got = append(got, ClosureName(c.Func, c.Index))
		}
	}
	want := []string{"greet.func1", "routes.func1", "routes.func2"}
	if !slices.Equal(got, want) {
		t.Errorf("variable closures %q, want %q", got, want)
	}
	if errs := positionErrors("main.go", []byte(varClosureSrc), res.Files[0].Src); len(errs) > 0 {
		t.Errorf("positions: %q", errs)
	}
	out := runRewritten(t, res.Files[0].Src, []byte(varClosureRedirect), "1.22")
	wantOut := "hi ann 1 2\nhello bob 1 20\n"
	if string(out) != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}
}

// runRewritten runs a rewritten main.go with redirect.go, which sets slots
// as a patch would, and returns the output.
func runRewritten(t *testing.T, rewritten, redirect []byte, goVersion string) []byte {
	t.Helper()
	dir := t.TempDir()
	for name, src := range map[string][]byte{"main.go": rewritten, "redirect.go": redirect, "go.mod": []byte("module x\n\ngo " + goVersion + "\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s\n%s", err, out, rewritten)
	}
	return out
}
