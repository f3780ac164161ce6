package agent_test

// The fault suite of issue 13, against a real hot host and real plugins:
// every damaged, swapped, foreign or hanging patch is refused with its
// reason while the host keeps serving its state, and a good patch still
// applies afterwards. Each case killed the process before verified loading.

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// refusedApply applies so and checks the refusal's code, its words, that
// the generation did not move and that the host still answers want.
func refusedApply(t *testing.T, h *host, c *protocol.Client, so, code, want string, says ...string) {
	t.Helper()
	before, err := c.Status()
	if err != nil {
		t.Fatalf("status: %v; the host's stderr: %q", err, h.stderrSoFar())
	}
	r, err := c.Apply(so)
	if err == nil || r == nil || r.Code != code || r.Gen != before.Gen {
		t.Fatalf("%s: %+v, %v; want a refusal with code %s at gen %d; the host's stderr: %q", so, r, err, code, before.Gen, h.stderrSoFar())
	}
	for _, s := range says {
		if !strings.Contains(r.Error, s) {
			t.Errorf("%s: error %q does not say %q", so, r.Error, s)
		}
	}
	t.Logf("%s: %s", code, r.Error)
	h.expect(want)
}

// copyFile copies the fixture's plugin p to dir/name.so (no manifest).
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// restamp rewrites the manifest of so to vouch for its current bytes (a
// forged manifest: whoever wrote the file wrote its manifest too).
func restamp(t *testing.T, so string) string {
	t.Helper()
	m, err := protocol.ReadManifest(protocol.ManifestPath(so))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Stamp(so); err != nil {
		t.Fatal(err)
	}
	if err := protocol.WriteManifest(protocol.ManifestPath(so), m); err != nil {
		t.Fatal(err)
	}
	return so
}

func TestFaults(t *testing.T) {
	fixture(t)
	h := startHost(t, protocol.EnvInitTimeout+"=2s")
	c := h.client()
	dir := t.TempDir()
	p1 := filepath.Join(fx.dir, "p1.so")
	full, err := os.ReadFile(p1)
	if err != nil {
		t.Fatal(err)
	}
	h.expect("hello base 2")

	t.Run("truncated", func(t *testing.T) {
		for _, n := range []int{1 << 10, len(full) / 2, len(full) - 1} {
			so := patch(t, dir, "p1", "truncated", nil) // the genuine manifest
			if err := os.Truncate(so, int64(n)); err != nil {
				t.Fatal(err)
			}
			refusedApply(t, h, c, so, protocol.CodeDigest, "hello base 2", "is not the plugin its manifest vouches for", "truncated")
			refusedApply(t, h, c, restamp(t, so), protocol.CodeNotPlugin, "hello base 2", "truncated")
		}
	})

	t.Run("random bytes after an ELF header", func(t *testing.T) {
		junk := make([]byte, 1<<20)
		rand.Read(junk)
		so := patch(t, dir, "p1", "junk", nil)
		os.WriteFile(so, append(append([]byte(nil), full[:64]...), junk...), 0o755)
		refusedApply(t, h, c, restamp(t, so), protocol.CodeNotPlugin, "hello base 2", "not a complete ELF file")
	})

	t.Run("foreign shared library", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "evil.c")
		marker := filepath.Join(t.TempDir(), "constructor-ran")
		os.WriteFile(src, []byte(`#include <stdio.h>
__attribute__((constructor)) static void evil(void) { FILE *f = fopen("`+marker+`", "w"); if (f) fclose(f); }
`), 0o644)
		// Built first: patch then writes a manifest that vouches for it.
		if out, err := exec.Command("gcc", "-shared", "-fPIC", "-o", filepath.Join(dir, "foreign.so"), src).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, out)
		}
		so := patch(t, dir, "", "foreign", nil)
		refusedApply(t, h, c, so, protocol.CodeNotPlugin, "hello base 2", "not a Go plugin")
		if _, err := os.Stat(marker); !os.IsNotExist(err) {
			t.Fatalf("the library's constructor ran in the host: %v", err)
		}
	})

	t.Run("swapped after the manifest was written", func(t *testing.T) {
		so := patch(t, dir, "p2", "swapped", nil)
		copyFile(t, filepath.Join(fx.dir, "panics.so"), so+".new")
		os.Rename(so+".new", so)
		refusedApply(t, h, c, so, protocol.CodeDigest, "hello base 2", "is not the plugin its manifest vouches for")
		st, _ := c.Status()
		if st.Gen != 0 || len(st.Generations) != 0 {
			t.Fatalf("status lists generations after a refusal: %+v", st)
		}
	})

	t.Run("init that never returns", func(t *testing.T) {
		wedged := patch(t, dir, "wedged", "wedged", nil)
		start := time.Now()
		refusedApply(t, h, c, wedged, protocol.CodeInitTimeout, "hello base 2", "its init has not returned after 2s", "nothing was switched", protocol.EnvInitTimeout)
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("refused after %v", d)
		}
		refusedApply(t, h, c, wedged, protocol.CodeInitTimeout, "hello base 2", "did not return when it was loaded before")
	})

	t.Run("overwritten in place once applied", func(t *testing.T) {
		so := patch(t, dir, "p1", "inplace", nil)
		if r, err := c.Apply(so); err != nil || r.Gen != 1 {
			t.Fatalf("apply: %+v %v; the host's stderr: %q", r, err, h.stderrSoFar())
		}
		h.expect("hi one -1")
		// cp other.so applied.so: the same inode, rewritten.
		f, err := os.OpenFile(so, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			t.Fatal(err)
		}
		p2, _ := os.ReadFile(filepath.Join(fx.dir, "p2.so"))
		f.Write(p2)
		f.Close()
		for range 50 {
			h.expect("hi one -1")
		}
		refusedApply(t, h, c, so, protocol.CodeDigest, "hi one -1", "is not the plugin its manifest vouches for")
		if r, err := c.Revert(intp(0)); err != nil || r.Gen != 2 {
			t.Fatalf("revert: %+v %v", r, err)
		}
		h.expect("hello base 2")
	})

	t.Run("concurrent applies", func(t *testing.T) {
		st0, _ := c.Status()
		sos := []string{patch(t, dir, "p1", "c1", nil), patch(t, dir, "p2", "c2", nil), patch(t, dir, "panics", "c3", nil)}
		var wg sync.WaitGroup
		var mu sync.Mutex
		applied := 0
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl, err := protocol.Dial(h.socket)
				if err != nil {
					t.Error(err)
					return
				}
				defer cl.Close()
				r, err := cl.Apply(sos[i%3])
				switch {
				case err == nil:
					mu.Lock()
					applied++
					mu.Unlock()
				case r == nil || r.Code != protocol.CodeInitPanic:
					t.Errorf("apply %s: %+v %v", sos[i%3], r, err)
				}
			}()
		}
		wg.Wait()
		st, err := c.Status()
		if err != nil || applied != 8 || st.Gen != st0.Gen+applied || len(st.Generations) != st.Gen {
			t.Fatalf("%d applied; status %+v %v (before: gen %d)", applied, st, err, st0.Gen)
		}
		got, _ := h.get()
		if got != "hi one -1" && got != "hi two -1" {
			t.Fatalf("host answers %q", got)
		}
	})

	// After all that a good patch still applies.
	if r, err := c.Apply(patch(t, dir, "p2", "good", nil)); err != nil {
		t.Fatalf("a good patch after the faults: %+v %v", r, err)
	}
	h.expect("hi two -1")
}

// TestClientTimeout: a client does not wait forever on an agent that does
// not answer. An apply whose init never returns (the agent's own limit set
// far away) is given up by the client, naming the process, the patch and
// the generation it would have made; the host still serves.
func TestClientTimeout(t *testing.T) {
	fixture(t)
	h := startHost(t, protocol.EnvInitTimeout+"=1h")
	h.expect("hello base 2")
	c := h.client()
	c.Timeout = 2 * time.Second
	wedged := patch(t, t.TempDir(), "wedged", "wedged", nil)
	m, err := protocol.ReadManifest(protocol.ManifestPath(wedged))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, err := c.Apply(wedged)
	var te *protocol.TimeoutError
	if !errors.As(err, &te) || r != nil {
		t.Fatalf("apply of a patch whose init never returns: %+v, %v; want a timeout", r, err)
	}
	if d := time.Since(start); d < 2*time.Second || d > 20*time.Second {
		t.Errorf("gave up after %v, want about 2s", d)
	}
	for _, want := range []string{"after 2s", fmt.Sprintf("pid %d", te.PID), "patch " + m.PatchID, wedged, "as generation 1", protocol.EnvInitTimeout} {
		if !strings.Contains(te.Error(), want) {
			t.Errorf("%q does not say %q", te.Error(), want)
		}
	}
	if te.PID == 0 {
		t.Error("the timeout names no process")
	}
	t.Log(te)
	// The connection is closed: a late answer would be read as another's.
	if _, err := c.Status(); err == nil {
		t.Error("the client still used its connection after a timeout")
	}
	// Status answers while the init runs, and says what is being applied.
	c2 := h.client()
	c2.Timeout = 5 * time.Second
	st, err := c2.Status()
	if err != nil || st.Gen != 0 || st.Applying == nil || st.Applying.PatchID != m.PatchID || st.Applying.Plugin != wedged {
		t.Fatalf("status during the wedged apply: %+v %v", st, err)
	}
	h.expect("hello base 2")
}
