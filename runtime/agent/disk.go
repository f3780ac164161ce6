package agent

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// Disk use. The agent writes one thing to disk: the private copy of a
// plugin it loads (load.go), in a directory of its own named
// LoadDirPrefix<pid>-<random>. A copy refused, or whose load failed, is
// removed as soon as plugin.Open returns. A loaded one stays while the
// process lives: a debugger attached later reads the patch's DWARF from
// the file the process mapped (delve reports "no such file" for an
// unlinked one), and the file costs no disk the mapping does not hold
// anyway (an unlinked file's blocks stay allocated while it is mapped).
// Nothing else needs it (a revert switches slots; applying the same
// bytes again uses the plugin already open). The copies of a process that
// ended (or died while it loaded) are removed by the next agent that loads
// a patch.

// copies are this process's private copies still on disk, by directory.
var copies = &copySet{dirs: map[string]bool{}}

type copySet struct {
	mu   sync.Mutex
	dirs map[string]bool
}

func (c *copySet) add(dir string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dirs[dir] = true
}

// remove removes dir and forgets it once it is gone.
func (c *copySet) remove(dir string) {
	err := os.RemoveAll(dir)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(c.dirs, dir)
	}
}

// bytes is the size of the copies still on disk.
func (c *copySet) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for dir := range c.dirs {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
				n += fi.Size()
			}
		}
	}
	return n
}

// Stale load directories: those of a process that no longer runs, a
// minute after they were last written (a process in another pid
// namespace sharing the directory may look dead; a load needs its copy
// only for the moment it takes to map it), and those of an older agent,
// which did not put its pid in the name, after an hour. Removing a copy
// can only make a load fail (its open finds no file), never load other
// bytes: nothing is ever written into a directory of another process.
const (
	staleDead   = time.Minute
	staleNoPID  = time.Hour
	sweepBudget = 10000 // entries of a base directory looked at, at most
)

var (
	sweptMu sync.Mutex
	swept   = map[string]bool{}
)

// sweepOnce removes, the first time this process loads a patch into base,
// the stale load directories of this user in it.
func sweepOnce(base string) {
	sweptMu.Lock()
	defer sweptMu.Unlock()
	if swept[base] {
		return
	}
	swept[base] = true
	sweep(base, time.Now())
}

// sweep removes the stale load directories of this user in base and
// returns their names.
func sweep(base string, now time.Time) []string {
	d, err := os.Open(base)
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(sweepBudget)
	var removed []string
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, protocol.LoadDirPrefix)
		if !ok {
			continue
		}
		dir := filepath.Join(base, name)
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
			continue
		}
		age := now.Sub(fi.ModTime())
		pidPart, _, hasPID := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidPart)
		switch {
		case hasPID && err == nil && pid > 0:
			if pid == os.Getpid() || alive(pid) || age < staleDead {
				continue
			}
		case age < staleNoPID:
			continue
		}
		if os.RemoveAll(dir) == nil {
			removed = append(removed, name)
		}
	}
	return removed
}

// alive reports whether a process pid exists (one of another user
// counts).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// The state directory's walk is bounded: it stops after this many
// entries or this long, and says so (StatePartial).
const (
	stateMaxEntries = 200000
	stateMaxTime    = 2 * time.Second
)

var errWalkBound = errors.New("bound reached")

// stateUsage fills r's disk fields: the launcher's state directory dir
// ("" when the program was not started by a launcher) and the private
// copies.
func stateUsage(r *protocol.Response, dir string) {
	cb := copies.bytes()
	r.CopyBytes = &cb
	if dir == "" {
		return
	}
	r.StateDir = dir
	patches := filepath.Join(dir, protocol.StatePatchesDir) + string(filepath.Separator)
	deadline := time.Now().Add(stateMaxTime)
	entries := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return err
			}
			return nil // a file removed meanwhile, an unreadable directory
		}
		entries++
		if entries > stateMaxEntries || (entries%1024 == 0 && time.Now().After(deadline)) {
			return errWalkBound
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		r.StateBytes += fi.Size()
		r.StateFiles++
		if strings.HasPrefix(path, patches) {
			r.PatchesBytes += fi.Size()
			if strings.HasSuffix(path, ".so") {
				r.PatchesPlugins++
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errWalkBound):
		r.StatePartial = true
	case err != nil:
		r.StateError = err.Error()
	}
}
