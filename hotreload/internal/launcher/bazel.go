package launcher

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/bazelkit"
	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/hotlink"
	"github.com/gohot/rules_go_hot/hotreload/internal/patcher"
)

// loadBazel takes the binary and the patch kit a go_hot_binary target
// built: patches are built against that kit directly, with no Bazel
// round trip.
func (r *run) loadBazel() error {
	if r.opts.RestartOnRude {
		return fmt.Errorf("--restart-on-rude is not available under bazel run: rebuild with bazel (or use ibazel) after an edit that needs a restart")
	}
	start := time.Now()
	opts := *r.opts.Bazel
	if err := r.prepareState("bazel-run", opts.Workspace+"\n"+opts.Kit, "patches"); err != nil {
		return err
	}
	opts.Dir = filepath.Join(r.state, "kit")
	k, d, err := bazelkit.Load(opts)
	if err != nil {
		return err
	}
	r.kit = k
	r.bin = filepath.Join(opts.Runfiles, filepath.FromSlash(d.Binary))
	if lib := bazelkit.Library(k); lib != "" {
		r.libDir = filepath.Dir(lib)
		// The program maps the kit's copy of the library, the very file
		// its patches link against. Indexed ahead of the first patch,
		// as in a --link=shared session.
		l := &hotlink.Linker{Path: k.Abs(k.Shared.Linker), FlagCache: k.Abs(k.Shared.FlagCache)}
		r.bg.Add(1)
		go func() {
			defer r.bg.Done()
			l.Index(r.ctx, lib, r.libDir)
		}()
	}
	r.emit(events.Event{Event: events.Built, Package: k.MainPackage, Binary: r.bin})
	r.builder = patcher.NewBuilder(k, r.patchDir())
	r.kitReady = make(chan struct{})
	close(r.kitReady)
	r.emit(events.Event{Event: events.Kit, BuildMS: ms(time.Since(start))})
	return nil
}
