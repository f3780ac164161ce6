package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// Faults at the CLI level (issue 13): in each, the program keeps serving
// its state, a clear message says what happened, and a later good edit
// still applies. They drive tagModule (reliability_e2e_test.go).

var (
	appliedLine = regexp.MustCompile(`(?m)^applied: generation (\d+),`)
	// A refusal: the agent's reason, on one line (with its code when the
	// CLI prints it).
	refusedLine = regexp.MustCompile(`^hotreload apply: refused \(([a-z-]+)\): (.+)\n$`)
)

// copyPatch copies a patch (its plugin and manifest) to so, with the
// manifest changed by edit.
func copyPatch(t *testing.T, from, so string, edit func(*protocol.Manifest)) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(so, b, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := protocol.ReadManifest(protocol.ManifestPath(from))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	if err := protocol.WriteManifest(protocol.ManifestPath(so), m); err != nil {
		t.Fatal(err)
	}
}

// TestFaultConcurrentApplies: seven `hotreload apply` at the same time,
// under load: the session's own four patches (copies of them: each applied: a new
// generation each, numbered one after the other whatever the order they
// were served in), a copy of one of them at another path (the same
// plugin is loaded already: refused, or applied), a patch for another
// build (refused, naming both builds) and a missing file (refused,
// naming it). Every answer is a success (exit 0, the generation) or a
// refusal (exit 1, one line: the agent's reason); `hotreload status` then lists
// exactly the applied ones under the generations each command printed;
// the program serves the code of the last; no request failed or saw code
// of another patch; the next edit applies as the next generation.
func TestFaultConcurrentApplies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a hot program")
	}
	s := startTags(t, "")
	token := map[string]string{} // plugin -> the token its code serves
	var own []string
	dir := t.TempDir()
	for i := 1; i <= 4; i++ {
		tok := fmt.Sprintf("g%d", i)
		s.patch(tok)
		st := s.status()
		last := st.Generations[len(st.Generations)-1]
		// The launcher removes a plugin once a newer patch is applied
		// (statedir.go): keep a copy of each.
		so := filepath.Join(dir, tok+".so")
		copyPatch(t, last.Plugin, so, nil)
		token[so] = tok
		own = append(own, so)
	}
	st := s.status()
	foreign := filepath.Join(dir, "foreign.so")
	copyPatch(t, own[0], foreign, func(m *protocol.Manifest) { m.BaseBuildID = "another-binary/xyz" })
	twin := filepath.Join(dir, "twin.so")
	copyPatch(t, own[1], twin, nil)
	token[twin] = token[own[1]]
	missing := filepath.Join(dir, "missing.so")

	// The load sees code of the four patches only.
	served := []string{"g1/g1", "g2/g2", "g3/g3", "g4/g4"}
	l := startLoad(s.Addr(), 4, func() int { return 0 }, func(int) []string { return served })

	type result struct {
		so, stdout, stderr string
		code               int
	}
	order := []string{own[3], foreign, own[0], twin, own[2], missing, own[1]}
	results := make([]result, len(order))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, so := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out, errs, code := s.cli("apply", so)
			results[i] = result{so, out, errs, code}
		}()
	}
	time.Sleep(100 * time.Millisecond) // the load is on
	close(start)
	wg.Wait()
	time.Sleep(100 * time.Millisecond)
	l.halt()

	appliedAt := map[int]string{} // generation -> plugin
	for _, r := range results {
		t.Logf("apply %s: exit %d\n%s%s", filepath.Base(r.so), r.code, r.stdout, r.stderr)
		var code, reason string
		switch m := appliedLine.FindStringSubmatch(r.stdout); {
		case r.code == 0 && m != nil && r.stderr == "":
			gen, _ := strconv.Atoi(m[1])
			if other, dup := appliedAt[gen]; dup {
				t.Errorf("%s and %s both applied as generation %d", other, r.so, gen)
			}
			appliedAt[gen] = r.so
		case r.code == 1 && r.stdout == "" && refusedLine.MatchString(r.stderr):
			m := refusedLine.FindStringSubmatch(r.stderr)
			code, reason = m[1], m[2]
		default:
			t.Errorf("apply %s: neither applied nor refused cleanly (exit %d)", r.so, r.code)
			continue
		}
		switch {
		case slices.Contains(own, r.so) && reason != "":
			t.Errorf("the session's own patch %s was refused: %s", r.so, reason)
		case r.so == foreign && (code != "mismatch" || !strings.Contains(reason, "another-binary/xyz") || !strings.Contains(reason, st.BuildID)):
			t.Errorf("a patch for another build: %q %q, want refused naming both builds", code, reason)
		case r.so == missing && (code != "not-found" || !strings.Contains(reason, missing)):
			t.Errorf("a missing patch: %q %q, want refused naming it", code, reason)
		}
	}

	n, was := len(appliedAt), st.Gen
	end := s.status()
	if end.Gen != was+n || len(end.Generations) != was+n {
		t.Fatalf("status: generation %d, %d listed; %d applies succeeded after generation %d", end.Gen, len(end.Generations), n, was)
	}
	for _, g := range end.Generations[was:] {
		if g.Kind != protocol.KindApply || appliedAt[g.Gen] != g.Plugin {
			t.Errorf("status: generation %d is %s %s, the commands said %s", g.Gen, g.Kind, g.Plugin, appliedAt[g.Gen])
		}
	}
	last := token[appliedAt[was+n]]
	s.Expect("/", last+"/"+last)
	t.Logf("requests %d, failed %d, torn %d, mixed %d", l.requests.Load(), l.failures.Load(), l.torn.Load(), l.mixed.Load())
	for _, m := range l.samples {
		t.Log(m)
	}
	if l.failures.Load() != 0 || l.torn.Load() != 0 {
		t.Errorf("%d requests failed, %d saw code of no patch applied", l.failures.Load(), l.torn.Load())
	}

	// The launcher's next patch is the next generation.
	s.gen = end.Gen
	s.patch("after")
	s.Expect("/", "after/after")
}

// fill fills the file system of path with a file of zeros, path, until
// no space is left, then frees free bytes of it.
func fill(t *testing.T, path string, free int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	var size int64
	for {
		n, err := f.Write(buf)
		size += int64(n)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(max(0, size-free)); err != nil {
		t.Fatal(err)
	}
}

// TestFaultNoSpace: the patch directory (the launcher's state directory's
// patches/, here a 32 MB tmpfs) is full while patches are built: with no
// space at all, a little (the build fails while compiling), and half a
// patch (the link fails). Each edit ends in an error event that says no
// space is left and where, and does not blame hotreload; nothing of the
// failed build is left behind; the program serves its last patch
// throughout. With space again, the next edit applies.
func TestFaultNoSpace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a hot program")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounts a tmpfs: needs root")
	}
	s := startTags(t, "")
	patches := filepath.Join(s.state, "patches")
	if err := syscall.Mount("tmpfs", patches, "tmpfs", 0, "size=32m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(patches, syscall.MNT_DETACH) })

	s.patch("g1")
	s.Expect("/", "g1/g1")
	fi, err := os.Stat(s.status().Generations[0].Plugin)
	if err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(patches, "filler")
	for i, free := range []int64{0, 32 << 10, fi.Size() / 2} {
		fill(t, filler, free)
		for _, e := range s.edit(fmt.Sprintf("full%d", i)) {
			t.Logf("%d bytes free: %s", free, e.JSON)
			if e.Event != events.Error || !strings.Contains(strings.ToLower(e.Message), "no space left on device") || !strings.Contains(e.Message, patches) {
				t.Fatalf("with %d bytes free, want an error event saying no space is left in %s; got %s", free, patches, e.JSON)
			}
			if strings.Contains(e.Message, "bug in hotreload") {
				t.Errorf("a full disk is not a bug in hotreload: %s", e.Message)
			}
		}
		s.Expect("/", "g1/g1")
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(patches)
		for _, d := range entries {
			if _, err := os.Stat(filepath.Join(patches, d.Name(), "patch.so.json")); err != nil {
				t.Errorf("a failed build left %s behind", d.Name())
			}
		}
	}

	s.patch("g2")
	s.Expect("/", "g2/g2")
}

// TestFaultPackageDirRemoved: a package's directory is removed while the
// program runs (rm -rf b): an error event names it, and no patch is
// built, not even for an edit elsewhere meanwhile, which is told why; the
// program serves its code throughout. Restored with other contents,
// written file by file, it is watched again: its code and the edit made
// meanwhile are patched in, and so are the edits after it, in it and
// elsewhere. Replaced in one go (rm -rf b && cp -r copy b), it is watched
// again too.
func TestFaultPackageDirRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a hot program")
	}
	s := startTags(t, "")
	s.patch("g1")

	bdir := filepath.Join(s.mod, "b")
	if err := os.RemoveAll(bdir); err != nil {
		t.Fatal(err)
	}
	e := s.outcome(time.Minute)
	t.Logf("removed: %s", e.JSON)
	if e.Event != events.Error || !strings.Contains(e.Message, "b") || !strings.Contains(e.Message, "removed") {
		t.Fatalf("want an error event saying directory b was removed, got %s", e.JSON)
	}
	for i := 0; i < 10; i++ {
		s.Expect("/", "g1/g1")
		time.Sleep(100 * time.Millisecond)
	}
	// An edit elsewhere meanwhile: not patched, and said why.
	s.save("g2", "a")
	if e := s.outcome(time.Minute); e.Event != events.Error || e.Kind != "watch" || !strings.Contains(e.Message, "removed") {
		t.Fatalf("an edit while b is gone: want the error again, got %s", e.JSON)
	}
	s.Expect("/", "g1/g1")

	// Restored, one step at a time, with the token of a's edit.
	if err := os.Mkdir(bdir, 0o755); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	src := strings.Replace(tagModule["b/b.go"], `"g0"`, `"g2"`, 1)
	if err := os.WriteFile(filepath.Join(bdir, "b.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s.tag["b"] = "g2"
	s.applied(tagFunctions...)
	s.Expect("/", "g2/g2")

	// Edits in it are seen again, and elsewhere too.
	s.patch("g3", "b")
	s.Expect("/", "g2/g3")
	s.patch("g4")
	s.Expect("/", "g4/g4")

	// Replaced in one go, within the watcher's quiet time (the new
	// directory may even have the old one's inode number): watched too.
	backup := t.TempDir()
	if err := os.CopyFS(backup, os.DirFS(bdir)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(bdir); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(bdir, os.DirFS(backup)); err != nil {
		t.Fatal(err)
	}
	if e := s.outcome(time.Minute); e.Event != events.Unchanged {
		t.Fatalf("b replaced by a copy: want unchanged, got %s", e.JSON)
	}
	s.patch("g5", "b")
	s.Expect("/", "g4/g5")
}
