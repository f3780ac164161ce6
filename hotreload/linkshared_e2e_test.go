package main

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/testutil"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// TestLinkShared: with --link=shared the program is linked against the
// instrumented standard library as a shared library, and each patch
// against it by the private linker (docs/PATCH-LINKING.md): the patch
// carries only the edited package's code (KB, not the MB of a plugin with
// its own standard library), loads into the running process, and changes
// the program's own state.
func TestLinkShared(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instrumented standard library as a shared library when the cache is cold")
	}
	mod := t.TempDir()
	testutil.CopyTree(t, "../examples/visits", mod)
	s := runHot(t, mod, nil, "--link=shared")
	var built events.Event
	if err := s.Await(events.Built, 15*time.Minute).Decode(&built); err != nil {
		t.Fatal(err)
	}
	socket := s.Ready(time.Minute).Socket
	s.Await(events.Kit, 15*time.Minute)
	f, err := elf.Open(built.Binary)
	if err != nil {
		t.Fatal(err)
	}
	libs, err := f.ImportedLibraries()
	f.Close()
	if err != nil || !slices.Contains(libs, "libstd.so") {
		t.Fatalf("%s needs %v (%v), want libstd.so among them", built.Binary, libs, err)
	}

	s.Expect("/hit?page=home", "page home: 1 hits")
	s.Expect("/hit?page=home", "page home: 2 hits")
	for i, step := range []struct{ old, new, want string }{
		{"\tc.hits[page]++\n", "\tc.hits[page] += 10\n", "page home: 12 hits"},
		{"\tc.hits[page] += 10\n", "\tc.hits[page] += 100\n", "page home: 112 hits"},
		{"\tc.hits[page] += 100\n", "\tc.hits[page]++\n", "page home: 113 hits"},
	} {
		s.Edit("store/store.go", step.old, step.new)
		var a events.Event
		if err := s.Await(events.Applied, 5*time.Minute).Decode(&a); err != nil {
			t.Fatal(err)
		}
		if a.Gen != i+1 {
			t.Fatalf("applied generation %d, want %d", a.Gen, i+1)
		}
		s.Expect("/hit?page=home", step.want)
		plugin := lastPlugin(t, socket)
		fi, err := os.Stat(plugin)
		if err != nil {
			t.Fatal(err)
		}
		// A plugin with its own standard library is over 10 MB; one
		// linked against libstd.so is the edited package's code.
		if fi.Size() > 1<<20 {
			t.Errorf("patch %d is %d bytes: it carries more than the edited package", i+1, fi.Size())
		}
		t.Logf("patch %d: %d bytes, link %.0f ms, load %.0f ms", i+1, fi.Size(), a.LinkMS, a.LoadMS)
	}
}

// lastPlugin is the plugin of the agent's newest applied generation.
func lastPlugin(t *testing.T, socket string) string {
	t.Helper()
	c, err := protocol.Dial(socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	plugin := ""
	for _, g := range st.Generations {
		if g.Kind == protocol.KindApply {
			plugin = g.Plugin
		}
	}
	if plugin == "" || !filepath.IsAbs(plugin) || !strings.HasSuffix(plugin, ".so") {
		t.Fatalf("no applied plugin in the agent's status: %+v", st)
	}
	return plugin
}
