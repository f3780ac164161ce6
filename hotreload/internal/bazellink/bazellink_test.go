package bazellink

import (
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestLinkAgainstStd links a small program as go_hot_binary does: its
// standard packages (archives compiled -dynlink -linkshared, as the hot
// SDK compiles rules_go's) into a shared library, the program against it,
// and runs it with the library found through LD_LIBRARY_PATH.
func TestLinkAgainstStd(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the runtime -dynlink")
	}
	if runtime.GOOS != "linux" {
		t.Skip("-linkshared: linux only")
	}
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/prog\n\ngo 1.22\n")
	write("main.go", `package main

import (
	_ "runtime/cgo"
	"sync/atomic"
)

var Version = "unset"

func main() {
	var n atomic.Int64
	n.Add(41)
	println("answer", n.Add(1), Version)
}
`)
	// The archives of the program and its standard packages, compiled
	// as the hot SDK compiles a go_hot_binary's kit.
	flags := "all=-dynlink -linkshared"
	list := exec.Command("go", "list", "-export", "-deps", "-gcflags="+flags, "-asmflags="+flags,
		"-f", "{{if .Export}}{{.Standard}} {{.ImportPath}} {{.Export}}{{end}}", ".")
	list.Dir = dir
	list.Env = append(os.Environ(), "CGO_ENABLED=1", "GOFLAGS=", "GOWORK=off")
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderrOf(err))
	}
	std := map[string]string{}
	p := &Program{Packages: map[string]string{}, Std: std}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		switch {
		case f[0] == "true":
			std[f[1]] = f[2]
		case f[1] == "example.com/prog":
			p.Main, p.Packages["main"] = f[2], f[2]
		default:
			p.Packages[f[1]] = f[2]
		}
	}
	if std["runtime"] == "" || p.Main == "" {
		t.Fatalf("go list named no runtime or main archive:\n%s", out)
	}
	toolDir := goEnv(t, "GOTOOLDIR")
	ctx := context.Background()

	p.Shlib = filepath.Join(dir, "lib", "libstd.so")
	os.MkdirAll(filepath.Dir(p.Shlib), 0o755)
	if err := Std(ctx, toolDir, std, p.Shlib); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "prog")
	p.Flags = []string{"-X", "main.Version=v1"}
	if err := p.Link(ctx, toolDir, exe); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(exe + ".importcfg"); !os.IsNotExist(err) {
		t.Errorf("the link's import configuration was left beside the program (%v)", err)
	}

	// The program takes its standard packages from the library, found
	// in its own directory.
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	needed, _ := f.DynString(elf.DT_NEEDED)
	rpath, _ := f.DynString(elf.DT_RPATH)
	runpath, _ := f.DynString(elf.DT_RUNPATH)
	f.Close()
	if !contains(needed, "libstd.so") || len(rpath) != 0 || len(runpath) != 1 || runpath[0] != RunPath {
		t.Errorf("program: DT_NEEDED %q, DT_RPATH %q, DT_RUNPATH %q; want libstd.so needed and run path %s", needed, rpath, runpath, RunPath)
	}
	if fi, err := os.Stat(exe); err == nil && fi.Size() > 1<<20 {
		t.Errorf("program is %d bytes: its standard packages were copied in, not taken from the library", fi.Size())
	}

	// Run with the library named (as the launcher runs it), and
	// deployed beside it.
	runs := func(exe string, env ...string) {
		t.Helper()
		run := exec.Command(exe)
		run.Env = append(os.Environ(), env...)
		got, err := run.CombinedOutput()
		if err != nil || strings.TrimSpace(string(got)) != "answer 42 v1" {
			t.Errorf("running %s (%q): %v\n%s\nwant \"answer 42 v1\"", exe, env, err, got)
		}
	}
	runs(exe, "LD_LIBRARY_PATH="+filepath.Dir(p.Shlib))
	deployed := filepath.Join(dir, "deployed")
	os.Mkdir(deployed, 0o755)
	for _, f := range []string{exe, p.Shlib} {
		if out, err := exec.Command("cp", f, deployed).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v\n%s", err, out)
		}
	}
	runs(filepath.Join(deployed, "prog"))
	if out, err := exec.Command(exe).CombinedOutput(); err == nil || !strings.Contains(string(out), "libstd.so") {
		t.Errorf("the program ran without its library: %v\n%s", err, out)
	}

	// A failed link says which link failed, with the linker's words.
	p.Std = map[string]string{"runtime": std["runtime"]}
	if err := p.Link(ctx, toolDir, filepath.Join(dir, "bad")); err == nil || !strings.Contains(err.Error(), "linking the program") {
		t.Errorf("link with most standard packages missing: %v, want an error naming the program's link", err)
	}
}

func goEnv(t *testing.T, name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
