package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/hotcompile"
	"github.com/gohot/rules_go_hot/hotreload/internal/instrument"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/hotreload/internal/toolexec"
)

// stockNote ends every message that says the stock compiler will do.
const stockNote = "compiling with the stock compiler, which inlines instrumented code far less (slower: docs/PERFORMANCE.md)"

// hotCompiler builds (or finds, in the user cache) the hot compiler of
// the go command's toolchain: the toolchain's own compiler, whose inliner
// charges a prologue nothing (hotcompile). Building takes ~10 s (~80 s
// with a cold build cache), once per Go version; progress, if it takes
// long, goes to progress.
func hotCompiler(ctx context.Context, progress io.Writer) (*hotcompile.Compiler, error) {
	version, goroot, _, _, err := kit.GoEnv(ctx, ".", os.Environ())
	if err != nil {
		return nil, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			fmt.Fprintf(progress, "hotreload: building the hot compiler for %s (once per Go version)...\n", version)
		}
	}()
	c, err := hotcompile.Build(ctx, goroot, version, filepath.Join(cache, "rules_go_hot"))
	close(done)
	if err == nil && time.Since(start) > 2*time.Second {
		fmt.Fprintf(progress, "hotreload: built the hot compiler in %.1f s\n", time.Since(start).Seconds())
	}
	return c, err
}

// hotBuildDefaults sets what a hot build (not a test's) compiles with,
// unless the environment says otherwise: inlined copies without their
// prologues (a patch then replaces their callers too,
// instrument.InlinedProloguesEnv) and arguments passed to redirects
// without escaping (the patcher checks each replacement keeps no more
// than its base did, instrument.NoEscapeEnv). A test's build keeps
// neither: its mocks must reach every inlined copy of what they redirect.
func hotBuildDefaults() {
	for env, v := range map[string]string{
		instrument.InlinedProloguesEnv: instrument.DropInlinedPrologues,
		instrument.NoEscapeEnv:         "1",
	} {
		if _, set := os.LookupEnv(env); !set {
			os.Setenv(env, v)
		}
	}
}

// useHotCompiler makes every go command this process starts compile the
// instrumented packages with the hot compiler. $GOHOT_COMPILER, if set, is
// kept: a compiler's path, or "stock" for the toolchain's own. When the
// hot compiler cannot be had (another Go version), it says so once and
// the build goes on with the stock compiler: correct, slower.
func useHotCompiler(progress io.Writer) {
	if os.Getenv(toolexec.CompilerEnv) != "" {
		return
	}
	c, err := hotCompiler(context.Background(), progress)
	if err == nil {
		os.Setenv(toolexec.CompilerEnv, c.Path)
		return
	}
	fmt.Fprintf(progress, "hotreload: no hot compiler: %v: %s\n", err, stockNote)
	os.Setenv(toolexec.CompilerEnv, toolexec.StockCompiler)
}

// compilerVerb is `hotreload compiler [-o FILE]`: build the hot compiler
// and print its path (for $GOHOT_COMPILER, next to `hotreload goflags`),
// or copy it to FILE (the hot Bazel SDK's). Exit code 3: this toolchain
// has none (another Go version), which is not an error of the build.
func compilerVerb(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compiler", stderr)
	out := fs.String("o", "", "copy the hot compiler to this file instead of printing its path")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		return misuse(stderr, "compiler")
	}
	c, err := hotCompiler(context.Background(), stderr)
	var na *hotcompile.NotApplicable
	if errors.As(err, &na) {
		fmt.Fprintf(stderr, "hotreload compiler: this toolchain has no hot compiler: %v\n", err)
		return 3
	}
	if err != nil {
		fmt.Fprintf(stderr, "hotreload compiler: %v\n", err)
		return 1
	}
	if *out == "" {
		fmt.Fprintln(stdout, c.Path)
		return 0
	}
	if err := copyExecutable(c.Path, *out); err != nil {
		fmt.Fprintf(stderr, "hotreload compiler: %v\n", err)
		return 1
	}
	return 0
}

// copyExecutable copies an executable file, through a temporary file
// renamed into place.
func copyExecutable(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp%d", to, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, to)
}
