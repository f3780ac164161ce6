package launcher

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/watch"
)

// pollMissing is how often a removed source directory is looked for.
const pollMissing = 250 * time.Millisecond

// quietTime is how long the watcher waits after a source's last event
// before it reports the change: an editor's save (write in place, or write
// and rename over, vim's backup dance) is events a millisecond or two
// apart, and every millisecond waited is one more between a save and the
// new code (it was 100 ms: a fifth of a patch's time once links got fast).
const quietTime = 30 * time.Millisecond

// sourceWatch is the launcher's watch of the sources (watchDirs). The
// kernel drops the watch of a directory that is removed (rm -rf, a tool
// that deletes and recreates it): without this, the edits in it after it
// came back were never seen. A directory gone is said so, and no patch is
// built while it is missing (its sources cannot be read); it is polled
// for, and once it is back (and its files stopped changing) it is watched
// again and what it holds is built as a change.
type sourceWatch struct {
	r        *run
	w        *watch.Watcher
	watched  map[string]os.FileInfo // each directory, as when its watch was added
	missing  map[string]bool        // gone: polled until back
	settle   map[string]string      // a directory back: its files at the last poll
	restored []string               // the sources of directories back, for the next change
	poll     *time.Ticker           // while any directory is missing
}

func (r *run) watchSources() (*sourceWatch, error) {
	dirs := r.watchDirs()
	w, err := watch.NewFunc(dirs, quietTime, r.relevant())
	if err != nil {
		return nil, err
	}
	sw := &sourceWatch{r: r, w: w, watched: map[string]os.FileInfo{}, missing: map[string]bool{}, settle: map[string]string{}}
	for _, d := range dirs {
		sw.watched[d], _ = os.Stat(d)
	}
	return sw, nil
}

func (sw *sourceWatch) close() {
	sw.w.Close()
	if sw.poll != nil {
		sw.poll.Stop()
	}
}

// ticks delivers the polls for missing directories (nil: none is).
func (sw *sourceWatch) ticks() <-chan time.Time {
	if sw == nil || sw.poll == nil {
		return nil
	}
	return sw.poll.C
}

// check looks at the watched directories when a batch of changes comes:
// it watches again one that was replaced, and reports those that are
// gone: when one is found gone, and again at each later edit of other
// files while one is (news of a missing directory itself, such as its
// creation, says nothing: recheck takes it from there). ok is false
// while one is gone: no patch can be built.
func (sw *sourceWatch) check(files []string) (ok bool) {
	news := map[string]bool{}
	for _, f := range files {
		news[filepath.Clean(f)] = true
	}
	report := false
	for d, was := range sw.watched {
		if sw.missing[d] {
			continue
		}
		fi, err := os.Stat(d)
		switch {
		case err != nil:
			sw.missing[d] = true
			report = true
		case news[d] || was == nil || !os.SameFile(fi, was):
			// Created again since the watch was added (a new directory
			// may have the old one's inode number): watch it again;
			// adding a watch that still works changes nothing.
			sw.add(d, fi)
		}
	}
	if len(sw.missing) == 0 {
		return true
	}
	for f := range news {
		if !sw.missing[f] && !sw.missing[filepath.Dir(f)] {
			report = true
		}
	}
	if !report {
		return false
	}
	var gone []string
	for d := range sw.missing {
		gone = append(gone, sw.describe(d))
	}
	sort.Strings(gone)
	sw.r.emit(events.Event{Event: events.Error, Kind: "watch", Message: fmt.Sprintf(
		"%s removed: not patched while it is missing (its sources cannot be read); the program keeps running its last good code. Restore it to go on (or restart without it)",
		strings.Join(gone, ", "))})
	if sw.poll == nil {
		sw.poll = time.NewTicker(pollMissing)
	}
	return false
}

// describe names a directory for a message: relative to the module, with
// its package.
func (sw *sourceWatch) describe(dir string) string {
	for path, p := range sw.r.kit.Packages {
		if p.Main && p.Dir == dir {
			return fmt.Sprintf("directory %s (package %s) was", sw.r.rel(dir), path)
		}
	}
	return fmt.Sprintf("directory %s was", sw.r.rel(dir))
}

// add watches dir (again).
func (sw *sourceWatch) add(dir string, fi os.FileInfo) {
	if err := sw.w.Add(dir); err != nil {
		sw.r.emit(events.Event{Event: events.Error, Kind: "watch", Message: fmt.Sprintf("watching %s again: %v", sw.r.rel(dir), err)})
		return
	}
	sw.watched[dir] = fi
}

// recheck polls the missing directories. One that is back and whose
// files did not change since the last poll (it may be restored file by
// file) is watched again. Once none is missing, files are the sources of
// those that came back: the change to build.
func (sw *sourceWatch) recheck() (files []string) {
	for d := range sw.missing {
		fi, err := os.Stat(d)
		if err != nil {
			delete(sw.settle, d)
			continue
		}
		list := sw.sources(d)
		sig := strings.Join(list, "\n")
		if len(list) == 0 || sig != sw.settle[d] {
			sw.settle[d] = sig
			continue
		}
		sw.add(d, fi)
		delete(sw.missing, d)
		delete(sw.settle, d)
		sw.restored = append(sw.restored, list...)
	}
	if len(sw.missing) > 0 {
		return nil
	}
	sw.poll.Stop()
	sw.poll = nil
	for i, f := range sw.restored {
		sw.restored[i], _, _ = strings.Cut(f, "\x00")
	}
	files, sw.restored = sw.restored, nil
	return files
}

// sources lists the files of dir the watch reports, each with its size
// and modification time after a NUL.
func (sw *sourceWatch) sources(dir string) []string {
	entries, _ := os.ReadDir(dir)
	relevant := sw.r.relevant()
	var list []string
	for _, e := range entries {
		name := filepath.Join(dir, e.Name())
		fi, err := e.Info()
		if err != nil || e.IsDir() || !relevant(name) {
			continue
		}
		list = append(list, fmt.Sprintf("%s\x00%d %d", name, fi.Size(), fi.ModTime().UnixNano()))
	}
	return list
}
