package launcher

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestPrunePatches: superseded and refused plugins go, the one the
// program took stays, and only the newest few directories keep their
// sources, however many patches were built.
func TestPrunePatches(t *testing.T) {
	r := &run{state: t.TempDir()}
	n := 0
	build := func(complete bool) string {
		n++
		dir := filepath.Join(r.patchDir(), fmt.Sprintf("p%d%s", 1800000000000+n, "ab"))
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "gen.go"), []byte("package main\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "patch.so"), make([]byte, 1000), 0o755)
		if complete {
			os.WriteFile(filepath.Join(dir, "patch.so.json"), []byte("{}"), 0o644)
		}
		return dir
	}
	state := func() (plugins []string, dirs int) {
		entries, _ := os.ReadDir(r.patchDir())
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join(r.patchDir(), e.Name(), "patch.so")); err == nil {
				plugins = append(plugins, e.Name())
			}
		}
		return plugins, len(entries)
	}
	os.MkdirAll(r.patchDir(), 0o755)
	os.WriteFile(filepath.Join(r.patchDir(), "filler"), nil, 0o644) // not a patch: left alone
	var applied string
	for i := 0; i < 20; i++ {
		switch i % 4 {
		case 0, 1: // applied
			applied = build(true)
			r.supersede(applied)
		case 2: // refused by the program
			r.dropPatch(build(true))
		case 3: // the link failed
			build(false)
			r.trimPatches()
		}
		plugins, dirs := state()
		if !slices.Equal(plugins, []string{filepath.Base(applied)}) {
			t.Fatalf("after %d builds: plugins %v, want only the applied %s", i+1, plugins, filepath.Base(applied))
		}
		if dirs > keepSources+2 {
			t.Fatalf("after %d builds: %d entries", i+1, dirs)
		}
	}
	if _, err := os.Stat(filepath.Join(applied, "gen.go")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(r.patchDir(), "filler")); err != nil {
		t.Error(err)
	}
}
