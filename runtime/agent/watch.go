package agent

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// pollDir applies each new manifest of PatchDir, oldest first. Polling
// keeps the agent standard-library only (no inotify package).
func (a *Agent) pollDir() {
	t := time.NewTicker(a.opts.Poll)
	defer t.Stop()
	for {
		select {
		case <-a.done:
			return
		case <-t.C:
		}
		for _, plugin := range a.newManifests() {
			a.applyAndReport(plugin)
		}
	}
}

// readIBazel follows ibazel's notifications on stdin: after a successful
// build it applies the newest new patch of PatchDir (a patch holds every
// change since the base, so older ones are superseded).
func (a *Agent) readIBazel() {
	sc := bufio.NewScanner(a.opts.Stdin)
	for sc.Scan() {
		select {
		case <-a.done:
			return
		default:
		}
		switch strings.TrimSpace(sc.Text()) {
		case "IBAZEL_BUILD_STARTED":
			// Nothing to do: the patch arrives with the build's completion.
		case "IBAZEL_BUILD_COMPLETED SUCCESS":
			if a.opts.PatchDir == "" {
				a.reportError(protocol.CodeNotFound, "", "ibazel build succeeded, but %s is not set: no patch to apply", protocol.EnvPatchDir)
				continue
			}
			news := a.newManifests()
			if len(news) == 0 {
				a.reportError(protocol.CodeNotFound, "", "ibazel build succeeded, but there is no new patch in %s; nothing changed", a.opts.PatchDir)
				continue
			}
			a.applyAndReport(news[len(news)-1])
		case "IBAZEL_BUILD_COMPLETED FAILURE":
			a.reportError(protocol.CodeBuild, "", "ibazel build failed; nothing changed")
		}
	}
}

// newManifests returns the plugins of the manifests in PatchDir that are
// new or rewritten since the last call, oldest first, and marks them seen.
func (a *Agent) newManifests() []string {
	entries, err := os.ReadDir(a.opts.PatchDir)
	if err != nil {
		return nil // not there yet, perhaps: try again next time
	}
	type item struct {
		plugin string
		mtime  time.Time
	}
	var news []item
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".so.json") || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		key := fi.ModTime().String() + " " + strconv.FormatInt(fi.Size(), 10)
		if a.seen[e.Name()] == key {
			continue
		}
		a.seen[e.Name()] = key
		news = append(news, item{filepath.Join(a.opts.PatchDir, strings.TrimSuffix(e.Name(), ".json")), fi.ModTime()})
	}
	sort.SliceStable(news, func(i, j int) bool { return news[i].mtime.Before(news[j].mtime) })
	out := make([]string, len(news))
	for i, n := range news {
		out[i] = n.plugin
	}
	return out
}

func (a *Agent) applyAndReport(plugin string) {
	if abs, err := filepath.Abs(plugin); err == nil {
		plugin = abs
	}
	r := a.Apply(plugin)
	r.Patch = plugin
	if r.OK {
		r.Event = protocol.EventApplied
		human := fmt.Sprintf("applied gen %d: %d %s (verify %s ms, load %s ms, apply %s ms)",
			r.Gen, len(r.Functions), plural(len(r.Functions), "function"), fmtMS(r.VerifyMS), fmtMS(r.LoadMS), fmtMS(r.ApplyMS))
		for _, n := range r.Notes {
			human += "\nhotreload:     note: " + n
		}
		a.report(r, human)
		return
	}
	r.Event = protocol.EventRefused
	a.report(r, fmt.Sprintf("refused %s: %s", plugin, r.Error))
}

func (a *Agent) reportError(code, patch, format string, args ...any) {
	a.mu.Lock()
	r := a.fail(code, format, args...)
	a.mu.Unlock()
	r.Event, r.Patch = protocol.EventError, patch
	a.report(r, r.Error)
}

// report writes one event line: human-readable, or the response as JSON.
func (a *Agent) report(r protocol.Response, human string) {
	line := "hotreload: " + human + "\n"
	if a.opts.JSONEvents {
		data, _ := json.Marshal(r)
		line = string(data) + "\n"
	}
	a.outMu.Lock()
	defer a.outMu.Unlock()
	fmt.Fprint(a.opts.Events, line)
}

func fmtMS(v float64) string {
	if v >= 1 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
