package launcher

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/gocmd"
	"github.com/gohot/rules_go_hot/hotreload/internal/hotlink"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
)

// Link modes (Options.Link, hotreload run --link).
const (
	// LinkPlugin: every patch is a plugin carrying its own copy of what
	// it imports (tens of MB).
	LinkPlugin = "plugin"
	// LinkShared: the program is linked -linkshared against the
	// instrumented standard library as a shared library, and each patch
	// against it by the private linker: tens of KB
	// (docs/PATCH-LINKING.md).
	LinkShared = "shared"
)

// sharedLink is what a LinkShared session builds with.
type sharedLink struct {
	linker *hotlink.Linker
	// pkgdir holds the instrumented standard library (libstd.so) and the
	// private linker's index of it (pruned with it).
	pkgdir string
	// inUse holds a shared lock on the library's lock file for the
	// session: pruneShared removes only libraries no session holds.
	inUse *os.File
	// lib is the library as the program was linked against it, and sum
	// the SHA-256 of its content.
	lib os.FileInfo
	sum [sha256.Size]byte
}

// libPath is the shared standard library's file.
func (s *sharedLink) libPath() string { return filepath.Join(s.pkgdir, "libstd.so") }

// refresh records the library as it is now, for a program just linked
// against it.
func (s *sharedLink) refresh() {
	if fi, err := os.Stat(s.libPath()); err == nil {
		s.lib = fi
		s.sum, _ = fileSum(s.libPath())
	}
}

// fileSum is the SHA-256 of a file's content.
func fileSum(path string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// changed says why the library is not the one the program was linked
// against and maps, or "" if it is: patches are linked against the file,
// and one linked against another build would not be what the process runs.
func (s *sharedLink) changed() string {
	fi, err := os.Stat(s.libPath())
	switch {
	case err != nil:
		return fmt.Sprintf("the shared standard library the program runs with is gone (%v)", err)
	case os.SameFile(fi, s.lib) && fi.Size() == s.lib.Size() && fi.ModTime().Equal(s.lib.ModTime()):
		return ""
	}
	// Every go build -linkshared installs the library again, a copy of
	// the same build from the build cache (cmd/go's ModeBuggyInstall):
	// another session's build, or this one's restart, replaces the file
	// with the same bytes. Only other bytes are another library.
	if fi.Size() == s.lib.Size() {
		if sum, err := fileSum(s.libPath()); err == nil && sum == s.sum {
			s.lib = fi
			return ""
		}
	}
	return fmt.Sprintf("the shared standard library the program runs with (%s) was rebuilt since it started", s.libPath())
}

// useLib takes the library's build lock, shared (a go command that reads
// the library's .shlibname files: go list) or exclusive (one that writes
// them: go build -linkshared installs the library and its .shlibname
// files again, ModeBuggyInstall in cmd/go, truncating each before writing
// it), and returns its release. Without it, two sessions starting at once
// race: one's go list reads a .shlibname file the other's build is
// rewriting, finds it empty, and fails ("readELFNote failed: read
// <pkgdir>: is a directory"). It is not the library's lock file, which
// every session holds shared for its whole life. A nil s (not linking
// -linkshared) locks nothing.
func (s *sharedLink) useLib(exclusive bool) (release func(), err error) {
	if s == nil {
		return func() {}, nil
	}
	f, err := os.OpenFile(s.pkgdir+".build.lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// flags are the go build flags of a -linkshared hot build.
func (s *sharedLink) flags() []string {
	return []string{"-linkshared", "-pkgdir=" + s.pkgdir}
}

// prepareShared builds (or finds in the user cache) the private linker and
// the instrumented standard library as a shared library, once per Go
// toolchain and hotreload version. It returns nil, with a note, when this
// session cannot link that way (and builds plugins as before).
func (r *run) prepareShared() (*sharedLink, string, error) {
	goVersion, goroot, _, goflags, err := kit.GoEnv(r.ctx, r.dir, r.env)
	if err != nil {
		return nil, "", r.cannot(err)
	}
	if kit.RaceFlag(append(strings.Fields(goflags), r.opts.BuildFlags...)) {
		return nil, "--link=shared does not support -race yet: patches are plugins that carry their dependencies (--link=plugin)", nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cache = filepath.Join(cache, "rules_go_hot", "shared")
	l, err := hotlink.Build(r.ctx, goroot, goVersion, cache)
	var na *hotlink.NotApplicable
	if errors.As(err, &na) {
		return nil, fmt.Sprintf("--link=shared: %v; patches are plugins that carry their dependencies (--link=plugin)", err), nil
	}
	if err != nil {
		return nil, "", err
	}
	// The library is the build of the program's standard packages: it
	// depends on the toolchain, the instrumentation (hotreload's version
	// and the compile variant: its compiler, modes) and GOFLAGS (e.g.
	// -trimpath), as they do. A session of another variant sharing the
	// directory would make the go command install the library again
	// under a running program (go build -linkshared installs what is
	// stale).
	variant, err := toolexec.Variant()
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256([]byte(goVersion + "\n" + goroot + "\n" + r.opts.SelfID + variant + "\n" + goflags))
	s := &sharedLink{linker: l, pkgdir: filepath.Join(cache, "std", goVersion+"-"+hex.EncodeToString(sum[:6]))}
	if err := r.buildSharedStd(s.pkgdir); err != nil {
		if r.ctx.Err() != nil {
			return nil, "", err
		}
		return nil, fmt.Sprintf("%v: patches are plugins that carry their dependencies (--link=plugin)", err), nil
	}
	if s.inUse, err = os.OpenFile(s.pkgdir+".lock", os.O_CREATE|os.O_RDWR, 0o644); err != nil {
		return nil, "", err
	}
	if err := syscall.Flock(int(s.inUse.Fd()), syscall.LOCK_SH); err != nil {
		s.inUse.Close()
		return nil, "", err
	}
	if s.lib, err = os.Stat(s.libPath()); err != nil {
		s.inUse.Close()
		return nil, "", err
	}
	pruneShared(filepath.Dir(s.pkgdir), s.pkgdir)
	return s, "", nil
}

// keepShared is how many shared standard libraries (one per Go version
// and hotreload version, ~70 MB each) the user cache keeps.
const keepShared = 3

// pruneShared removes from dir all but the keepShared most recently used
// standard libraries (current is the one in use, and is kept), and never
// one a session holds (its lock file locked shared): the go command would
// build a missing one again in place under a running program, and that
// program's next patches would be linked against another library than
// the one it maps.
func pruneShared(dir, current string) {
	now := time.Now()
	os.Chtimes(filepath.Join(current, ".complete"), now, now) // used now
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type lib struct {
		path string
		used time.Time
	}
	var libs []lib
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() || p == current {
			continue
		}
		fi, err := os.Stat(filepath.Join(p, ".complete"))
		if err != nil {
			continue // being built, or not ours
		}
		libs = append(libs, lib{p, fi.ModTime()})
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].used.After(libs[j].used) })
	for i, l := range libs {
		if i >= keepShared-1 {
			removeUnused(l.path)
		}
	}
}

// buildSharedStd installs the instrumented standard library as one shared
// library (libstd.so) into pkgdir, unless it is there: about 80 s on two
// cores, once. A lock keeps two sessions from building it at once. It is
// compiled -linkshared, as the program's build compiles it (the go
// command's cache key has the flag): the host build then finds every
// standard package in the build cache instead of compiling it again.
func (r *run) buildSharedStd(pkgdir string) error {
	lib := filepath.Join(pkgdir, "libstd.so")
	done := filepath.Join(pkgdir, ".complete")
	if _, err := os.Stat(done); err == nil {
		return nil
	}
	if err := os.MkdirAll(pkgdir, 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(pkgdir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(done); err == nil {
		return nil // built by another session meanwhile
	}
	release, err := (&sharedLink{pkgdir: pkgdir}).useLib(true) // it writes the .shlibname files
	if err != nil {
		return err
	}
	defer release()
	progress := r.opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	fmt.Fprintf(progress, "hotreload: building the instrumented standard library as a shared library (once per Go version and hotreload version, about a minute and a half): %s\n", lib)
	start := time.Now()
	cmd := gocmd.CommandContext(r.ctx, r.opts.Self, "install", []string{"-buildmode=shared", "-linkshared", "-pkgdir=" + pkgdir, "std"}, false)
	cmd.Env = r.env
	cmd.Stdin = strings.NewReader("")
	cmd.Stdout, cmd.Stderr = r.opts.Stderr, r.opts.Stderr
	if code := gocmd.Run(cmd, progress, false); code != 0 {
		if r.ctx.Err() != nil {
			return fmt.Errorf("building the shared standard library: stopped")
		}
		return fmt.Errorf("building the instrumented standard library as a shared library (go install -buildmode=shared -linkshared -pkgdir=%s std) failed (see the errors above)", pkgdir)
	}
	fmt.Fprintf(progress, "hotreload: shared standard library built in %.0f s\n", time.Since(start).Seconds())
	return os.WriteFile(done, nil, 0o644)
}

// removeUnused removes the library directory dir unless a session holds
// it.
func removeUnused(dir string) {
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return
	}
	defer lock.Close()
	if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return // in use
	}
	os.RemoveAll(dir)
	os.Remove(dir + ".build.lock")
	os.Remove(dir + ".lock")
}
