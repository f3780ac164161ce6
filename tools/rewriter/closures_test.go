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
	dir := t.TempDir()
	for name, src := range map[string][]byte{"main.go": res.Files[0].Src, "redirect.go": []byte(closureRedirect), "go.mod": []byte("module x\n\ngo 1.22\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s\n%s", err, out, res.Files[0].Src)
	}
	wantOut := "hi ANN 1003\nhi patched bob 11103\n60 <nil>\nrecovered boom\n"
	if string(out) != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", out, wantOut)
	}
}
