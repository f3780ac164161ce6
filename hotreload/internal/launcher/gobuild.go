package launcher

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/gocmd"
	"github.com/gohot/rules_go_hot/hotreload/internal/inject"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/patcher"
	hotruntime "github.com/gohot/rules_go_hot/runtime"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// buildBase snapshots the sources, builds the hot binary with the agent
// injected, and starts recording the kit in the background.
func (r *run) buildBase() error {
	if err := r.checkToolchain(); err != nil {
		return err
	}
	pkg, err := r.mainPackage()
	if err != nil {
		return err
	}
	r.dir = pkg.Dir
	if err := r.prepareState("run", pkg.Module.Dir+"\n"+pkg.ImportPath, "kit", "overlay", "patches"); err != nil {
		return err
	}

	// An edit during the build makes the binary and the snapshot disagree:
	// build again (a few times), and report the whole time.
	start := time.Now()
	r.emit(events.Event{Event: events.Building, Package: pkg.ImportPath})
	if r.opts.Link == LinkShared && r.shared == nil {
		if r.shared, r.sharedNote, err = r.prepareShared(); err != nil {
			return err
		}
		if r.shared != nil {
			r.opts.BuildFlags = append(r.opts.BuildFlags[:len(r.opts.BuildFlags):len(r.opts.BuildFlags)], r.shared.flags()...)
		}
	}
	kopts := kit.Options{Dir: r.dir, Env: r.env, Wrapper: r.opts.Self, WrapperID: r.opts.SelfID, Flags: r.opts.BuildFlags, Ctx: r.ctx}
	const attempts = 4
	for attempt := 1; ; attempt++ {
		b, changed, err := r.buildOnce(pkg.ImportPath, kopts)
		if err != nil {
			return err
		}
		if len(changed) > 0 {
			if attempt < attempts {
				continue // edited during the build: build again
			}
			return fmt.Errorf("the sources of %s kept changing while %s was built (%d builds): stop the edits (or the generator) and run again", strings.Join(changed, ", "), pkg.ImportPath, attempts)
		}
		if b.kit.BuildID, err = protocol.ReadIdentity(b.bin); err != nil {
			return err
		}
		if err := b.kit.Save(); err != nil {
			return err
		}
		built := events.Event{Event: events.Built, Package: pkg.ImportPath, Binary: b.bin, BuildMS: ms(time.Since(start))}
		if attempt > 1 {
			built.Notes = []string{fmt.Sprintf("built %d times: sources changed during the build", attempt)}
		}
		if r.sharedNote != "" {
			built.Notes = append(built.Notes, r.sharedNote)
		}
		r.emit(built)
		r.kit = b.kit
		r.bin = b.bin
		if r.shared != nil {
			// This program maps the library as it is now (a restart's
			// build relinks against a library rebuilt meanwhile).
			r.shared.refresh()
			// Ahead of the first patch, whose link would otherwise read
			// the whole library (~0.6 s more). Its errors are that link's
			// to report: it indexes the library itself when no index is
			// there.
			r.bg.Add(1)
			go func(s *sharedLink) {
				defer r.bg.Done()
				s.linker.Index(r.ctx, s.libPath(), s.pkgdir)
			}(r.shared)
		}
		r.builder = patcher.NewBuilder(b.kit, r.patchDir())
		r.kitReady = make(chan struct{})
		kctx, kcancel := context.WithCancel(r.ctx)
		r.kitCancel = kcancel
		kopts.Ctx = kctx
		r.bg.Add(1)
		go r.recordKit(kopts, b.flags, r.kitReady)
		r.builder.AddPackages = r.addPackages(kopts, b.flags)
		return nil
	}
}

// mainPackage is what the go command says of the package to run, which
// must be a main package in a module.
func (r *run) mainPackage() (*kit.Listed, error) {
	pkgs, err := kit.GoList(r.ctx, "", r.env, "-json=Dir,ImportPath,Name,Module", r.opts.Package)
	if err != nil {
		return nil, r.cannot(err)
	}
	if len(pkgs) != 1 {
		return nil, r.cannot(fmt.Errorf("it names %d packages, and hotreload runs one program: name its main package", len(pkgs)))
	}
	pkg := pkgs[0]
	if pkg.Module == nil {
		return nil, r.cannot(fmt.Errorf("it is not in a module, and hotreload needs module mode: add a go.mod (go mod init)"))
	}
	if pkg.Name != "main" {
		return nil, r.cannot(fmt.Errorf("%s is package %s, not a main package: name the program's main package", pkg.ImportPath, pkg.Name))
	}
	return pkg, nil
}

// A base is one build of the hot binary, with the kit's snapshot of the
// sources it was built from.
type base struct {
	kit   *kit.Kit
	bin   string
	flags []string // the build flags (the agent's overlay included)
}

// buildOnce snapshots the sources and builds the hot binary from them.
// changed lists the sources edited meanwhile: the binary and the snapshot
// may then disagree.
func (r *run) buildOnce(importPath string, kopts kit.Options) (b base, changed []string, err error) {
	release, err := r.shared.useLib(true) // go build -linkshared rewrites the library's .shlibname files
	if err != nil {
		return b, nil, err
	}
	defer release()
	k, err := kit.Snapshot(filepath.Join(r.state, "kit"), importPath, kopts)
	if err != nil {
		return b, nil, r.cannot(err)
	}
	if r.shared != nil {
		k.Shared = &kit.Shared{Linker: r.shared.linker.Path, FlagCache: r.shared.linker.FlagCache, ShlibIndex: r.shared.pkgdir}
	}
	flags := append([]string(nil), r.opts.BuildFlags...)
	if _, has := k.Packages[hotruntime.AgentImportPath]; !has {
		ov, err := inject.Overlay(filepath.Join(r.state, "overlay"), k.ModuleDir, k.ModulePath, r.dir, k.BaseTable())
		if err != nil {
			return b, nil, err
		}
		flags = append(flags, "-overlay="+ov)
	}
	bin := filepath.Join(r.state, "bin", filepath.Base(importPath))
	cmd := gocmd.CommandContext(r.ctx, r.opts.Self, "build", append(append(flags, "-o", bin), importPath), true)
	cmd.Dir = r.dir
	cmd.Stdin = strings.NewReader("") // its own process group: no terminal input
	cmd.Stdout, cmd.Stderr = r.opts.Stderr, r.opts.Stderr
	progress := r.opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	if code := gocmd.Run(cmd, progress, false); code != 0 {
		if r.ctx.Err() != nil {
			return b, nil, fmt.Errorf("building %s: stopped", importPath)
		}
		return b, nil, fmt.Errorf("building %s failed (see the errors above)", importPath)
	}
	if changed, err = k.Verify(); err != nil {
		return b, nil, err
	}
	return base{kit: k, bin: bin, flags: flags}, changed, nil
}

// addPackages records in the kit the archives of packages the program does
// not contain yet (a patch's new imports): compiled as the kit's other
// packages are, from the base's sources, so that the patch links them in.
// The patcher calls it only once the kit is recorded.
func (r *run) addPackages(kopts kit.Options, flags []string) func(paths []string) error {
	return func(paths []string) error {
		kopts.Flags = flags
		release, err := r.shared.useLib(false)
		if err != nil {
			return err
		}
		defer release()
		if err := r.kit.RecordArchives(kopts, append([]string{"runtime/cgo"}, paths...)...); err != nil {
			return err
		}
		return r.kit.Save()
	}
}

// recordKit compiles (or finds) the -dynlink archives patches link with.
// Done eagerly, right after start-up, so that the first edit is as fast as
// the tenth: a cold -dynlink standard library takes a minute.
func (r *run) recordKit(kopts kit.Options, flags []string, ready chan struct{}) {
	defer r.bg.Done()
	defer close(ready)
	start := time.Now()
	kopts.Flags = flags
	release, err := r.shared.useLib(false)
	if err == nil {
		err = r.kit.RecordArchives(kopts, "runtime/cgo")
		release()
	}
	if err == nil {
		err = r.kit.Save()
	}
	if kopts.Ctx.Err() != nil {
		// Stopped: the launcher is ending, or restarting the program.
		r.kitErr = fmt.Errorf("the patch kit was not recorded (stopped)")
		return
	}
	r.kitErr = err
	if err != nil {
		r.emit(events.Event{Event: events.Error, Kind: "kit", Message: err.Error()})
	} else {
		r.emit(events.Event{Event: events.Kit, BuildMS: ms(time.Since(start))})
	}
}
