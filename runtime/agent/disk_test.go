package agent

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// loadDirs lists the load directories in base.
func loadDirs(t *testing.T, base string) []string {
	t.Helper()
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), protocol.LoadDirPrefix) {
			dirs = append(dirs, e.Name())
		}
	}
	return dirs
}

// TestCopiesRemoved: the private copy of a plugin is removed as soon as
// plugin.Open returns, whether the plugin loaded or was refused, and
// meanwhile counts in copy_bytes; nothing is left in the temporary
// directory.
func TestCopiesRemoved(t *testing.T) {
	// The shared plugin fixture first: made under the real TMPDIR, it
	// outlives this test for the others.
	goPlugin, cLib, _ := testPlugins(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	src := t.TempDir()
	so, m := stamped(t, src, "p", []byte("plugin bytes"))
	cp, cleanup, _, err := privateCopy(so, m)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s%d-", protocol.LoadDirPrefix, os.Getpid()); !strings.HasPrefix(filepath.Base(filepath.Dir(cp)), want) {
		t.Errorf("copy %s: its directory is not named %s<random>", cp, want)
	}
	var r protocol.Response
	stateUsage(&r, "")
	if r.CopyBytes == nil || *r.CopyBytes != 12 {
		t.Errorf("copy_bytes while the copy exists: %v, want 12", r.CopyBytes)
	}
	cleanup()
	r = protocol.Response{}
	stateUsage(&r, "")
	if r.CopyBytes == nil || *r.CopyBytes != 0 || r.StateDir != "" {
		t.Errorf("after cleanup: copy_bytes %v, state_dir %q", r.CopyBytes, r.StateDir)
	}
	if d := loadDirs(t, tmp); len(d) != 0 {
		t.Fatalf("left behind: %v", d)
	}

	// Through the agent's open: a real plugin that loads (its copy stays,
	// for debuggers), the same bytes again (opened before: no new copy),
	// a C library that the ELF check refuses (no copy left).
	a := newAgent(Options{})
	for _, c := range []struct {
		lib  string
		code string
	}{{goPlugin, ""}, {goPlugin, ""}, {cLib, protocol.CodeNotPlugin}} {
		data, err := os.ReadFile(c.lib)
		if err != nil {
			t.Fatal(err)
		}
		so, m := stamped(t, src, "lib", data)
		_, code, err := a.open(so, m)
		if code != c.code {
			t.Fatalf("open %s: code %q (%v), want %q", filepath.Base(c.lib), code, err, c.code)
		}
		if d := loadDirs(t, tmp); len(d) != 1 {
			t.Fatalf("open %s (code %q): load directories %v, want the loaded plugin's only", filepath.Base(c.lib), code, d)
		}
	}
	fi, err := os.Stat(goPlugin)
	if err != nil {
		t.Fatal(err)
	}
	if n := copies.bytes(); n != fi.Size() {
		t.Errorf("copy_bytes %d after the loads, want the loaded plugin's %d", n, fi.Size())
	}
}

// TestSweep: the load directories a dead process left (it died while
// loading) are removed, those of live processes and recent ones kept.
func TestSweep(t *testing.T) {
	base := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	dead := cmd.Process.Pid
	if alive(dead) {
		t.Skipf("pid %d was reused", dead)
	}
	now := time.Now()
	mk := func(name string, age time.Duration) {
		dir := filepath.Join(base, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "patch.so"), []byte("copy"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(dir, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	p := protocol.LoadDirPrefix
	mk(fmt.Sprintf("%s%d-1", p, dead), 2*time.Minute)                      // removed
	mk(fmt.Sprintf("%s%d-2", p, dead), time.Second)                        // kept: recent
	mk(fmt.Sprintf("%s%d-3", p, os.Getpid()), time.Hour)                   // kept: ours
	mk(fmt.Sprintf("%s%d-4", p, os.Getppid()), 2*time.Hour)                // kept: alive
	mk(p+"123456789", 2*time.Hour)                                         // removed: no pid, old
	mk(p+"987654321", 10*time.Minute)                                      // kept: no pid, recent
	mk("other", 2*time.Hour)                                               // kept: not ours
	os.WriteFile(filepath.Join(base, p+"file"), nil, 0o600)                // kept: not a directory
	os.Symlink(filepath.Join(base, "other"), filepath.Join(base, p+"1-x")) // kept: a link

	removed := sweep(base, now)
	slices.Sort(removed)
	want := []string{p + "123456789", fmt.Sprintf("%s%d-1", p, dead)}
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	entries, _ := os.ReadDir(base)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	for _, w := range want {
		if slices.Contains(left, w) {
			t.Errorf("%s is still there", w)
		}
	}
	if len(left) != 9-len(want) {
		t.Errorf("left %v", left)
	}
	if _, err := os.Stat(filepath.Join(base, "other", "patch.so")); err != nil {
		t.Errorf("a link's target was touched: %v", err)
	}
}

// TestStateUsage: the state directory's size, its patches' and their
// plugins, and a directory that is gone.
func TestStateUsage(t *testing.T) {
	dir := t.TempDir()
	files := map[string]int{
		"bin/app":                  1000,
		"kit/a.a":                  300,
		"patches/p1/patch.so":      5000,
		"patches/p1/patch.so.json": 50,
		"patches/p1/gen.go":        20,
		"patches/p0/gen.go":        30,
	}
	for name, size := range files {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var r protocol.Response
	stateUsage(&r, dir)
	if r.StateDir != dir || r.StateBytes != 6400 || r.StateFiles != 6 || r.PatchesBytes != 5100 || r.PatchesPlugins != 1 || r.StatePartial || r.StateError != "" {
		t.Errorf("got dir %q, %d bytes in %d files, patches %d bytes %d plugins, partial %v, error %q",
			r.StateDir, r.StateBytes, r.StateFiles, r.PatchesBytes, r.PatchesPlugins, r.StatePartial, r.StateError)
	}
	r = protocol.Response{}
	stateUsage(&r, filepath.Join(dir, "gone"))
	if r.StateError == "" || r.StateBytes != 0 {
		t.Errorf("a missing state directory: %+v", r)
	}
}
