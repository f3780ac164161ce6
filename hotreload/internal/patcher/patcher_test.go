package patcher

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/testutil"
	"github.com/gohot/rules_go_hot/internal/hotbin"
)

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

// fixture is one hot program built from testdata/app, with its kit. It is
// built once per test binary (the base build is the slow part); each test
// starts its own process and builder and puts the sources back when done.
type fixture struct {
	mod, bin string
	kit      *kit.Kit
	orig     map[string][]byte // the module's files as the base has them
}

var (
	fixtureOnce sync.Once
	theFixture  *fixture
	fixtureErr  string
)

func baseFixture(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		ft := &fixtureT{}
		theFixture = buildFixture(ft, t)
		fixtureErr = ft.err
	})
	if fixtureErr != "" {
		t.Fatal(fixtureErr)
	}
	if theFixture == nil {
		t.Skip("no fixture")
	}
	return theFixture
}

// fixtureT collects a fixture build's failure for every test to report.
type fixtureT struct{ err string }

func buildFixture(ft *fixtureT, t *testing.T) *fixture {
	return buildFixtureOf(ft, t, func(dst string) { testutil.CopyTree(t, "testdata/app", dst) })
}

// buildFixtureOf builds a fixture of the module that write writes into
// its directory.
func buildFixtureOf(ft *fixtureT, t *testing.T, write func(dir string)) *fixture {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("plugins need cgo, and there is no gcc")
	}
	fail := func(format string, args ...any) *fixture {
		ft.err = fmt.Sprintf(format, args...)
		return nil
	}
	dir, err := os.MkdirTemp("", "patcher-fixture")
	if err != nil {
		return fail("%v", err)
	}
	hot := filepath.Join(dir, "hotreload")
	if err := hotbin.Build("../../..", hot); err != nil {
		return fail("%v", err)
	}
	out, err := exec.Command(hot, "version").Output()
	if err != nil {
		return fail("%v", err)
	}
	wid := strings.TrimPrefix(strings.TrimSpace(string(out)), "hotreload gohot-")
	f := &fixture{mod: filepath.Join(dir, "app"), bin: filepath.Join(dir, "host"), orig: map[string][]byte{}}
	write(f.mod)
	filepath.Walk(f.mod, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			f.orig[p], _ = os.ReadFile(p)
		}
		return nil
	})
	env := append(os.Environ(), "CGO_ENABLED=1")
	opts := kit.Options{Dir: f.mod, Env: env, Wrapper: hot, WrapperID: wid}
	if f.kit, err = kit.Snapshot(filepath.Join(dir, "kit"), ".", opts); err != nil {
		return fail("%v", err)
	}
	cmd := exec.Command("go", "build", "-toolexec="+hot, "-ldflags=-linkmode=external", "-o", f.bin, ".")
	cmd.Dir, cmd.Env = f.mod, env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fail("host build: %v\n%s", err, out)
	}
	idOut, err := exec.Command("go", "tool", "buildid", f.bin).Output()
	if err != nil {
		return fail("%v", err)
	}
	f.kit.BuildID = strings.TrimSpace(string(idOut))
	if err := f.kit.RecordArchives(opts, "runtime/cgo"); err != nil {
		return fail("%v", err)
	}
	return f
}

// session is one test's running host and builder.
type session struct {
	t *testing.T
	f *fixture
	h *host
	b *Builder
}

func newSession(t *testing.T) *session {
	return newSessionOf(t, baseFixture(t))
}

// newSessionOf starts a session on fixture f.
func newSessionOf(t *testing.T, f *fixture) *session {
	t.Cleanup(func() {
		for p, b := range f.orig {
			os.WriteFile(p, b, 0o644)
		}
	})
	proc := exec.Command(f.bin)
	stdin, _ := proc.StdinPipe()
	stdout, _ := proc.StdoutPipe()
	proc.Stderr = os.Stderr
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Process.Kill(); proc.Wait() })
	return &session{t: t, f: f, h: &host{t: t, in: stdin, out: bufio.NewScanner(stdout)}, b: NewBuilder(f.kit, t.TempDir())}
}

func (s *session) file(rel string) string { return filepath.Join(s.f.mod, rel) }

// edit replaces old with new in the module file rel.
func (s *session) edit(rel, old, new string) {
	s.t.Helper()
	editFile(s.t, s.file(rel), old, new)
}

// build builds a patch and fails the test on an error.
func (s *session) build() *Result {
	s.t.Helper()
	res, err := s.b.Build()
	if err != nil {
		s.t.Fatalf("patch: %v", err)
	}
	return res
}

// patch builds a patch that must not be refused and loads it.
func (s *session) patch() *Result {
	s.t.Helper()
	res := s.build()
	if len(res.Refusals) > 0 {
		s.t.Fatalf("refused: %v", res.Refusals)
	}
	if res.Unchanged {
		s.t.Fatalf("patch: unchanged")
	}
	if got := s.h.do("load " + res.Plugin); got != "loaded" {
		s.t.Fatalf("load: %s", got)
	}
	s.b.MarkApplied(res)
	return res
}

// refused builds and wants exactly one refusal, which it returns.
func (s *session) refused() Refusal {
	s.t.Helper()
	res := s.build()
	if len(res.Refusals) != 1 {
		s.t.Fatalf("want exactly one refusal, got %d: %v", len(res.Refusals), res.Refusals)
	}
	return res.Refusals[0]
}

func (s *session) want(cmd, w string) {
	s.t.Helper()
	if got := s.h.do(cmd); got != w {
		s.t.Fatalf("%s: got %q, want %q", cmd, got, w)
	}
}

// TestPatches builds a real hot program and real patches against its
// kit, loads them into the running program and checks the new behaviour
// and the kept state, and the refusals.
func TestPatches(t *testing.T) {
	s := newSession(t)
	mod, b, h := s.f.mod, s.b, s.h
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
	want := s.want

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
	res, err := b.Build()
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

// TestResetOnce: a function an undo put back to its original code is
// reset by that patch only; later patches neither carry it nor repeat the
// note (the agent keeps slots a patch does not name).
func TestResetOnce(t *testing.T) {
	s := newSession(t)
	s.want("call", "result 1 L:s 7 b hello x 1")
	s.edit("lib/lib.go", "s.count += n * step", "s.count += 2 * n * step")
	s.patch()
	s.want("call", "result 3 L:s 7 b hello x 2")
	s.edit("lib/lib.go", "s.count += 2 * n * step", "s.count += n * step")
	res := s.patch()
	if !strings.Contains(strings.Join(res.Notes, "\n"), "is back to its original code") {
		t.Errorf("the undo's patch has no reset note: %q", res.Notes)
	}
	s.want("call", "result 4 L:s 7 b hello x 3")
	s.edit("main.go", `return "hello " + name`, `return "hi " + name`)
	res = s.patch()
	for _, f := range res.Functions {
		if strings.Contains(f, "lib.") {
			t.Errorf("a later patch still resets %s (functions %q, notes %q)", f, res.Functions, res.Notes)
		}
	}
	if len(res.Notes) != 0 || len(res.NotLive) != 0 {
		t.Errorf("a later patch has notes %q, not live %q", res.Notes, res.NotLive)
	}
	s.want("call", "result 5 L:s 7 b hi x 4")
}
