package launcher

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPruneShared: the user cache keeps the keepShared most recently used
// standard libraries, and never removes one a session holds.
func TestPruneShared(t *testing.T) {
	dir := t.TempDir()
	lib := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		done := filepath.Join(p, ".complete")
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age)
		if err := os.Chtimes(done, when, when); err != nil {
			t.Fatal(err)
		}
		return p
	}
	current := lib("current", 10*time.Hour)
	recent1 := lib("recent1", time.Hour)
	recent2 := lib("recent2", 2*time.Hour)
	old := lib("old", 3*time.Hour)
	held := lib("held", 4*time.Hour)
	building := filepath.Join(dir, "building") // no .complete: being built
	if err := os.MkdirAll(building, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(held+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}

	pruneShared(dir, current)
	for p, want := range map[string]bool{current: true, recent1: true, recent2: true, old: false, held: true, building: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(current, ".complete")); err != nil || time.Since(fi.ModTime()) > time.Minute {
		t.Errorf("the current library is not marked used now: %v %v", fi, err)
	}
}

// TestSharedChanged: a library rebuilt or removed under the program is
// noticed before a patch is linked against it, the same library installed
// again is not; refresh takes the new one (a restarted program maps it).
func TestSharedChanged(t *testing.T) {
	s := &sharedLink{pkgdir: t.TempDir()}
	write := func(content string) {
		tmp := s.libPath() + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, s.libPath()); err != nil {
			t.Fatal(err)
		}
	}
	write("one")
	s.refresh()
	if why := s.changed(); why != "" {
		t.Fatalf("unchanged library: %q", why)
	}
	write("one") // installed again, the same build (go build -linkshared)
	if why := s.changed(); why != "" {
		t.Fatalf("the same library installed again: %q", why)
	}
	write("two") // the same size, another build
	if why := s.changed(); !strings.Contains(why, "rebuilt") {
		t.Errorf("rebuilt library: %q", why)
	}
	write("another build")
	if why := s.changed(); !strings.Contains(why, "rebuilt") {
		t.Errorf("rebuilt library: %q", why)
	}
	s.refresh()
	if why := s.changed(); why != "" {
		t.Errorf("after refresh: %q", why)
	}
	os.Remove(s.libPath())
	if why := s.changed(); !strings.Contains(why, "gone") {
		t.Errorf("removed library: %q", why)
	}
}

// TestUseLib: a build (exclusive) waits for every reader (shared) of the
// library's .shlibname files, readers do not wait for one another, and a
// session not linking -linkshared locks nothing.
func TestUseLib(t *testing.T) {
	s := &sharedLink{pkgdir: filepath.Join(t.TempDir(), "go1-abc")}
	r1, err := s.useLib(false)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.useLib(false) // another reader: does not wait
	if err != nil {
		t.Fatal(err)
	}
	built := make(chan struct{})
	go func() {
		release, err := s.useLib(true)
		if err != nil {
			t.Error(err)
		}
		close(built)
		release()
	}()
	r1()
	select {
	case <-built:
		t.Fatal("a build took the library while a reader held it")
	case <-time.After(200 * time.Millisecond):
	}
	r2()
	select {
	case <-built:
	case <-time.After(10 * time.Second):
		t.Fatal("a build still waits after every reader released the library")
	}
	var none *sharedLink
	release, err := none.useLib(true)
	if err != nil {
		t.Fatal(err)
	}
	release()
}
