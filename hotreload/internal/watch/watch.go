// Package watch reports changes of Go source files in a set of
// directories, debounced: editors save in several steps (write in place,
// write a temporary file and rename it over, delete and create), and one
// save must make one change.
package watch

import (
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watcher delivers batches of changed files on C.
type Watcher struct {
	C   chan []string
	Err chan error
	w   *fsnotify.Watcher
}

// Relevant reports whether a file name is a Go source the program
// compiles: not a test, not a hidden or editor temporary file.
func Relevant(name string) bool {
	base := filepath.Base(name)
	return strings.HasSuffix(base, ".go") && !strings.HasSuffix(base, "_test.go") &&
		!strings.HasPrefix(base, ".") && !strings.HasPrefix(base, "_") && !strings.HasPrefix(base, "#")
}

// New watches dirs; a batch is sent once no relevant event came for quiet.
func New(dirs []string, quiet time.Duration) (*Watcher, error) {
	return NewFunc(dirs, quiet, Relevant)
}

// NewFunc is New with relevant saying which files count (New: Relevant).
func NewFunc(dirs []string, quiet time.Duration, relevant func(name string) bool) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if err := fw.Add(d); err != nil {
			fw.Close()
			return nil, err
		}
	}
	w := &Watcher{C: make(chan []string), Err: make(chan error, 1), w: fw}
	go w.loop(quiet, relevant)
	return w, nil
}

func (w *Watcher) loop(quiet time.Duration, relevant func(string) bool) {
	pending := map[string]bool{}
	var timer <-chan time.Time
	for {
		select {
		case ev, ok := <-w.w.Events:
			if !ok {
				return
			}
			if !relevant(ev.Name) || ev.Op == fsnotify.Chmod {
				continue
			}
			pending[ev.Name] = true
			timer = time.After(quiet)
		case err, ok := <-w.w.Errors:
			if !ok {
				return
			}
			select {
			case w.Err <- err:
			default:
			}
		case <-timer:
			var files []string
			for f := range pending {
				files = append(files, f)
			}
			sort.Strings(files)
			pending = map[string]bool{}
			timer = nil
			w.C <- files
		}
	}
}

// Add watches one more directory (one that was removed and is back: the
// kernel dropped the watch of the removed one).
func (w *Watcher) Add(dir string) error { return w.w.Add(dir) }

// Close stops watching.
func (w *Watcher) Close() error { return w.w.Close() }
