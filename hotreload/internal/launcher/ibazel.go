package launcher

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
)

// ibazel reports whether ibazel runs the launcher with its change
// notifications on stdin (ibazel_notify_changes).
func (r *run) ibazel() bool {
	return r.opts.Bazel != nil && os.Getenv("IBAZEL_NOTIFY_CHANGES") == "y"
}

// readVerdicts passes on ibazel's lines: IBAZEL_BUILD_STARTED,
// IBAZEL_BUILD_COMPLETED SUCCESS|FAILURE.
func (r *run) readVerdicts() <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r.opts.Stdin)
		for sc.Scan() {
			ch <- strings.TrimSpace(sc.Text())
		}
	}()
	return ch
}

// verdict acts on one line from ibazel: a successful rebuild is patched
// in (from the workspace's sources, through the kit, as on a save); a
// failed one is reported, and nothing changes.
func (r *run) verdict(v string) (int, bool) {
	switch v {
	case "IBAZEL_BUILD_STARTED":
		return 0, false
	case "IBAZEL_BUILD_COMPLETED FAILURE":
		r.emit(events.Event{Event: events.Error, Kind: "build", Message: "bazel build failed (ibazel shows why): the program keeps running its last good code"})
		return 0, false
	case "IBAZEL_BUILD_COMPLETED SUCCESS":
		return r.change(r.modifiedSince())
	}
	return 0, false
}

// modifiedSince lists the watched sources modified since the last patch
// (ibazel does not say which files it saw change).
func (r *run) modifiedSince() []string {
	var files []string
	for _, dir := range r.watchDirs() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".go") && fi.ModTime().After(r.lastChange) {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	return files
}
