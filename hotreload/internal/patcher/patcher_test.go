package patcher

import (
	"bufio"
	"github.com/gohot/rules_go_hot/hotreload/internal/testutil"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

// hotreloadBinary builds the hotreload command once per test binary.
func hotreloadBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("plugins need cgo, and there is no gcc")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hotreload")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/gohot/rules_go_hot/hotreload")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building hotreload: %v\n%s", err, out)
	}
	return bin
}

// host is a running test program.
type host struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Scanner
}

func (h *host) do(cmd string) string {
	h.t.Helper()
	io.WriteString(h.in, cmd+"\n")
	if !h.out.Scan() {
		h.t.Fatalf("host exited after %q", cmd)
	}
	return h.out.Text()
}

func editFile(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPatches builds a real hot program and real patches against its
// kit, loads them into the running program and checks the new behaviour
// and the kept state, and the refusals.
func TestPatches(t *testing.T) {
	hot := hotreloadBinary(t)
	out, err := exec.Command(hot, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	wid := strings.TrimPrefix(strings.TrimSpace(string(out)), "hotreload gohot-")
	mod := t.TempDir()
	testutil.CopyTree(t, "testdata/app", mod)
	env := append(os.Environ(), "CGO_ENABLED=1")
	opts := kit.Options{Dir: mod, Env: env, Wrapper: hot, WrapperID: wid}
	k, err := kit.Snapshot(t.TempDir(), ".", opts)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "host")
	cmd := exec.Command("go", "build", "-toolexec="+hot, "-ldflags=-linkmode=external", "-o", bin, ".")
	cmd.Dir, cmd.Env = mod, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("host build: %v\n%s", err, out)
	}
	idOut, err := exec.Command("go", "tool", "buildid", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	k.BuildID = strings.TrimSpace(string(idOut))
	if err := k.RecordArchives(opts, "runtime/cgo"); err != nil {
		t.Fatal(err)
	}

	proc := exec.Command(bin)
	stdin, _ := proc.StdinPipe()
	stdout, _ := proc.StdoutPipe()
	proc.Stderr = os.Stderr
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	defer proc.Process.Kill()
	h := &host{t: t, in: stdin, out: bufio.NewScanner(stdout)}
	b := NewBuilder(k, t.TempDir())
	patch := func() *Result {
		t.Helper()
		res, err := b.Build()
		if err != nil {
			t.Fatalf("patch: %v", err)
		}
		if len(res.Refusals) > 0 {
			t.Fatalf("refused: %v", res.Refusals)
		}
		if got := h.do("load " + res.Plugin); got != "loaded" {
			t.Fatalf("load: %s", got)
		}
		return res
	}
	want := func(cmd, w string) {
		t.Helper()
		if got := h.do(cmd); got != w {
			t.Fatalf("%s: got %q, want %q", cmd, got, w)
		}
	}

	want("call", "result 1 L:s 7 b hello x 1")

	lib := filepath.Join(mod, "lib", "lib.go")
	// An unexported method using an unexported field, function, variable
	// and constant, and a new helper.
	editFile(t, lib, "s.count += n * step", "s.count += double(n) * step * triple(10)")
	editFile(t, lib, "func Hits() int", "func triple(n int) int { return 3 * n }\n\nfunc Hits() int")
	res := patch()
	t.Logf("patch 1: %v (generate %v, compile %v, link %v)", res.Functions, res.Generate, res.Compile, res.Link)
	want("call", "result 61 L:s 7 b hello x 2")

	// A value-receiver method through an embedded unexported field, a
	// generic function at two instantiations, and package main.
	editFile(t, lib, `return s.label + ":" + s.Name`, `return s.label + "/" + s.inner.label + ":" + s.Name`)
	editFile(t, lib, "if a > b {", "if a < b {")
	editFile(t, filepath.Join(mod, "main.go"), `return "hello " + name`, `return "hi " + name`)
	patch()
	want("call", "result 121 L/L:s 3 a hi x 3")

	// A rude edit is refused with its place and reason.
	editFile(t, lib, "\tcount int\n", "\tcount int\n\textra int\n")
	res, err = b.Build()
	if err != nil || len(res.Refusals) != 1 || !strings.Contains(res.Refusals[0].Reason, "struct fields changed") || res.Refusals[0].File != "lib/lib.go" {
		t.Fatalf("rude edit: %v %+v", err, res)
	}
	editFile(t, lib, "\textra int\n", "")

	// A compile error names the file and line.
	editFile(t, lib, "hits++", "hits += \"x\"")
	if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), "lib/lib.go:23:") {
		t.Fatalf("compile error: %v", err)
	}
	editFile(t, lib, "hits += \"x\"", "hits++")

	// Back to the original source of main: its function is reset.
	editFile(t, filepath.Join(mod, "main.go"), `return "hi " + name`, `return "hello " + name`)
	patch()
	want("call", "result 181 L/L:s 3 a hello x 4")
}

// A patch that only resets package main's slots keeps the imports of their
// types, not those of the bodies that set them (an unused import does not
// compile).
func TestTypeImports(t *testing.T) {
	imports := map[string]string{"fmt": "fmt", "net/http": "http", "example.com/x/xhttp": "xhttp"}
	got := typeImports("func(w http.ResponseWriter, r *http.Request)", imports)
	if len(got) != 1 || got["net/http"] != "http" {
		t.Errorf("imports of the slot type: %v, want only net/http", got)
	}
}
