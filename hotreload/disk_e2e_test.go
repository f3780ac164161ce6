package main

import (
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// patchesUsage walks the launcher's patch directory: its plugins, its
// patch directories and its bytes.
func patchesUsage(t *testing.T, dir string) (plugins []string, dirs int, bytes int64) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	dirs = len(entries)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		bytes += fi.Size()
		if strings.HasSuffix(path, ".so") {
			plugins = append(plugins, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return plugins, dirs, bytes
}

// TestDiskBounded (issue 14): a session that applies patch after patch
// keeps one plugin in its state directory, the one the program runs,
// and the sources of the last few: the patch directory does not grow
// with the number of patches. The agent keeps one private copy per
// loaded patch (for debuggers), and `hotreload status` reports the state
// directory's size and the copies'. Each
// applied event splits its build time into generate, compile and link.
func TestDiskBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a hot program")
	}
	s := startTags(t, "")
	patches := filepath.Join(s.state, "patches")
	const n = 8
	var sizes []int64
	for i := 1; i <= n; i++ {
		tok := fmt.Sprintf("g%d", i)
		applied := s.patch(tok)
		s.Expect("/", tok+"/"+tok)
		e := applied[len(applied)-1]
		if e.GenerateMS <= 0 || e.CompileMS <= 0 || e.LinkMS <= 0 || math.Abs(e.BuildMS-(e.GenerateMS+e.CompileMS+e.LinkMS)) > 0.01 {
			t.Errorf("build_ms %v is not generate_ms %v + compile_ms %v + link_ms %v: %s", e.BuildMS, e.GenerateMS, e.CompileMS, e.LinkMS, e.JSON)
		}
		st := s.status()
		running := st.Generations[len(st.Generations)-1].Plugin
		plugins, dirs, bytes := patchesUsage(t, patches)
		t.Logf("after %d patches: %d directories, %d bytes, plugins %v", i, dirs, bytes, plugins)
		if len(plugins) != 1 || plugins[0] != running {
			t.Fatalf("after %d patches the patch directory holds plugins %v; want only the one the program runs, %s", i, plugins, running)
		}
		if dirs > 6 { // the running patch and the sources of five others
			t.Errorf("after %d patches: %d patch directories", i, dirs)
		}
		sizes = append(sizes, bytes)
	}
	// One plugin, whatever the number of patches: the size after the
	// last is about the size after the second (a plugin and the sources).
	if growth := sizes[n-1] - sizes[1]; growth > 1<<20 {
		t.Errorf("the patch directory grew by %d bytes from 2 to %d patches: %v", growth, n, sizes)
	}
	// The agent's private copies (in the temporary directory, named by
	// its pid): one per loaded patch, kept while the process lives (for
	// debuggers; the mapping holds their blocks anyway), and counted by
	// status.
	entries, _ := os.ReadDir(os.TempDir())
	var copies int
	var copyBytes int64
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), fmt.Sprintf("%s%d-", protocol.LoadDirPrefix, s.PID)) {
			continue
		}
		copies++
		if fi, err := os.Stat(filepath.Join(os.TempDir(), e.Name(), "patch.so")); err == nil {
			copyBytes += fi.Size()
		}
	}
	if copies != n {
		t.Errorf("the agent keeps %d private copies, want one per loaded patch (%d)", copies, n)
	}

	st := s.status()
	_, _, pbytes := patchesUsage(t, patches)
	if st.StateDir != s.state || st.StateBytes < pbytes || st.StateFiles == 0 || st.PatchesBytes != pbytes || st.PatchesPlugins != 1 || st.StatePartial || st.StateError != "" {
		t.Errorf("status: state %q, %d bytes in %d files, patches %d bytes (measured %d) %d plugins, partial %v, error %q; want state %s",
			st.StateDir, st.StateBytes, st.StateFiles, st.PatchesBytes, pbytes, st.PatchesPlugins, st.StatePartial, st.StateError, s.state)
	}
	if st.CopyBytes == nil || *st.CopyBytes != copyBytes {
		t.Errorf("status: copy_bytes %v, want %d", st.CopyBytes, copyBytes)
	}
	out, errs, code := s.cli("status")
	t.Logf("hotreload status:\n%s", out)
	if code != 0 || !strings.Contains(out, "  state: "+s.state+", ") || !strings.Contains(out, " files (patches ") || !strings.Contains(out, ", 1 plugin); private copies ") {
		t.Errorf("hotreload status: exit %d, no state line\n%s%s", code, out, errs)
	}
}
