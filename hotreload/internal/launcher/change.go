package launcher

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/patcher"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// change builds and applies a patch for a batch of changed files. It
// returns exited=true (with the code) if the program ended meanwhile.
func (r *run) change(files []string) (code int, exited bool) {
	start := time.Now()
	r.lastChange = start
	rel := make([]string, len(files))
	for i, f := range files {
		rel[i] = r.rel(f)
	}
	r.emit(events.Event{Event: events.Change, Files: rel})
	if code, exited := r.awaitKit(); exited {
		return code, true
	}
	if r.kitErr != nil {
		r.emit(events.Event{Event: events.Error, Kind: "kit", Message: r.kitErr.Error()})
		return 0, false
	}
	if r.embedRefusals() {
		if r.opts.RestartOnRude {
			return r.restart("an embedded file changed (--restart-on-rude)")
		}
		return 0, false
	}
	// No session's build installs the library again while this patch is
	// checked against it and linked with it (useLib; released before a
	// restart, whose build takes it exclusive).
	release, err := r.shared.useLib(false)
	if err != nil {
		r.emit(events.Event{Event: events.Error, Kind: "build", Message: err.Error()})
		return 0, false
	}
	if r.shared != nil {
		if why := r.shared.changed(); why != "" {
			release()
			r.emit(events.Event{Event: events.Error, Kind: "build", Message: why + ": a patch linked against it would not match what the program runs; restart"})
			if r.opts.RestartOnRude {
				return r.restart(why)
			}
			return 0, false
		}
	}
	r.resync()
	before := r.patchDirEntries()
	res, err := r.builder.Build()
	release()
	if err != nil || len(res.Refusals) > 0 || res.Unchanged {
		// No plugin to load: of its directory, as of the others, only
		// the sources of the newest few stay (statedir.go).
		defer r.trimPatches()
	}
	if err != nil {
		r.buildFailed(err, before)
		return 0, false
	}
	if len(res.Refusals) > 0 {
		for _, ref := range res.Refusals {
			r.emit(events.Event{Event: events.Refused, File: ref.File, Line: ref.Line, Decl: ref.Decl, Reason: ref.Reason})
		}
		if r.opts.RestartOnRude {
			return r.restart("an edit needs a restart (--restart-on-rude)")
		}
		return 0, false
	}
	if res.Unchanged {
		r.emit(events.Event{Event: events.Unchanged, Files: rel, Notes: res.Notes, NotLive: res.NotLive})
		return 0, false
	}
	r.apply(res, start)
	return 0, false
}

// awaitKit waits for the patch kit, if it is still being recorded. The
// wait can be long: a signal, or the program's exit, still ends the run
// meanwhile (exited is true then, with the code).
func (r *run) awaitKit() (code int, exited bool) {
	select {
	case <-r.kitReady:
		return 0, false
	default:
	}
	if r.opts.Progress != nil {
		why := "the first -dynlink build of the standard library takes a minute"
		if r.shared != nil {
			why = "the archives of the program's build, a few seconds"
		}
		fmt.Fprintf(r.opts.Progress, "hotreload: waiting for the patch kit (%s)...\n", why)
	}
	select {
	case <-r.kitReady:
		return 0, false
	case s := <-r.sigs:
		code = r.interrupt(s, r.sigs)
	case code = <-r.exited:
	}
	r.emit(events.Event{Event: events.Exit, Package: r.kit.MainPackage, Code: &code})
	return code, true
}

// embedRefusals reports the embedded files that differ from the base's:
// their contents are compiled into the program, and no patch can change
// them. It returns true if there are any.
func (r *run) embedRefusals() bool {
	changes, err := r.kit.EmbedChanges()
	if err != nil {
		r.emit(events.Event{Event: events.Error, Kind: "build", Message: err.Error()})
		return true
	}
	for _, c := range changes {
		r.emit(events.Event{Event: events.Refused, File: r.rel(c.File), Decl: "//go:embed in " + c.Package,
			Reason: "an embedded file changed: its contents are compiled into the program, a patch cannot replace them; restart to apply (hotreload run --restart-on-rude restarts by itself)"})
	}
	return len(changes) > 0
}

// buildFailed reports a patch that could not be built: the compiler's
// errors, located, or why. A full disk is said so first (the go tools'
// own words, "compiling the patch failed ... a bug in hotreload's
// translation", would blame the wrong party), and what the failed build
// wrote (the entries of the patch directory that were not in before) is
// removed: it only takes space.
func (r *run) buildFailed(err error, before map[string]bool) {
	// A directory removed while its files' removal was being reported
	// (rm -rf: the files' events can come a batch before the
	// directory's): the build could not read it. Said as what it is,
	// once, by the watch (which then waits for it to come back).
	if r.sources != nil && !r.sources.check(nil) {
		return
	}
	var ce *patcher.CompileError
	if cause, full := noSpace(err); full {
		for name := range r.patchDirEntries() {
			if !before[name] {
				os.RemoveAll(filepath.Join(r.patchDir(), name))
			}
		}
		r.emit(events.Event{Event: events.Error, Kind: "build", Message: fmt.Sprintf(
			"no space left on device for the patch in %s (the state directory, --state-dir): free some space and save again; the program keeps running its last good code\n%s",
			r.patchDir(), cause)})
		return
	}
	if !errors.As(err, &ce) {
		r.emit(events.Event{Event: events.Error, Kind: "build", Message: err.Error()})
		return
	}
	var locs []events.Location
	for _, p := range ce.Errors {
		locs = append(locs, events.Location{File: p.File, Line: p.Line, Column: p.Column, Message: p.Message})
	}
	r.emit(events.Event{Event: events.Error, Kind: "compile", Errors: locs, Message: ce.Error()})
}

// apply has the program's agent apply a built patch, and reports it (or
// why the agent did not take it). start is when the change was seen.
func (r *run) apply(res *patcher.Result, start time.Time) {
	build := res.Generate + res.Compile + res.Link
	c, err := protocol.Dial(r.socket)
	if err != nil {
		r.emit(events.Event{Event: events.Error, Kind: "load", Message: "cannot reach the program's reload agent: " + err.Error()})
		return
	}
	defer c.Close()
	resp, err := c.Apply(res.Plugin)
	if err == nil {
		err = resp.Err()
	}
	if err != nil {
		kind := protocol.CodeLoad
		var te *protocol.TimeoutError
		switch {
		case resp != nil && resp.Code != "":
			kind = resp.Code
		case errors.As(err, &te):
			kind = protocol.CodeTimeout
		}
		r.emit(events.Event{Event: events.Error, Kind: kind, Message: err.Error()})
		if kind == protocol.CodeTimeout {
			r.trimPatches() // the agent may still be loading it
		} else {
			r.dropPatch(filepath.Dir(res.Plugin))
		}
		return
	}
	r.supersede(filepath.Dir(res.Plugin))
	r.builder.MarkApplied(res)
	r.gen = resp.Gen
	r.emit(events.Event{
		Event: events.Applied, Gen: resp.Gen, Functions: res.Functions,
		// The patcher's notes (what will not be seen by itself, new
		// variables, resets) and the agent's (goroutines inside old code,
		// all of them not live).
		Notes:   append(append([]string(nil), res.Notes...), resp.Notes...),
		NotLive: append(append([]string(nil), res.NotLive...), resp.Notes...),
		BuildMS: ms(build), GenerateMS: ms(res.Generate), CompileMS: ms(res.Compile), LinkMS: ms(res.Link),
		LoadMS: resp.VerifyMS + resp.LoadMS, ApplyMS: resp.ApplyMS, TotalMS: ms(time.Since(start)),
	})
}

// resync has the builder forget what it believes the program runs when
// the program is at a generation the launcher did not make (hotreload
// revert or apply from another terminal): otherwise the sources of its
// last patch, saved again after a revert, would be reported unchanged
// while the program runs the reverted code.
func (r *run) resync() {
	c, err := protocol.Dial(r.socket)
	if err != nil {
		return // the apply reports an agent it cannot reach
	}
	defer c.Close()
	st, err := c.Status()
	if err == nil && st.Gen != r.gen {
		r.builder.Resync()
	}
}

// patchDirEntries lists the patch directory's entries.
func (r *run) patchDirEntries() map[string]bool {
	entries, _ := os.ReadDir(r.patchDir())
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

// noSpace tells a build that failed because the disk is full, with the
// line of its message that says so.
func noSpace(err error) (cause string, ok bool) {
	if errors.Is(err, syscall.ENOSPC) {
		return err.Error(), true
	}
	for _, l := range strings.Split(err.Error(), "\n") {
		if strings.Contains(strings.ToLower(l), "no space left on device") {
			return strings.TrimSpace(l), true
		}
	}
	return "", false
}
