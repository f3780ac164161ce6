package hotlink

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gohot/rules_go_hot/hotreload/internal/toolsrc"
)

// Linker is a private linker built for one toolchain.
type Linker struct {
	// Path is the linker's executable (named link, as the go command
	// names the tool).
	Path string
	// FlagCache is the directory of its C linker flag answers
	// (GOHOT_LINKFLAG_CACHE), shared by every link of the toolchain.
	FlagCache string
}

// Index writes the index the linker's plugin links read of shared library
// lib into dir (the directory they are given as $GOHOT_SHLIB_INDEX): a
// patch's link builds it if it is not there, ~0.6 s for a standard
// library; this does it ahead of the first patch.
func (l *Linker) Index(ctx context.Context, lib, dir string) error {
	cmd := exec.CommandContext(ctx, l.Path)
	cmd.Env = append(os.Environ(), ShlibIndexBuildEnv+"="+lib, ShlibIndexEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("indexing %s: %v\n%s", lib, err, out)
	}
	return nil
}

// NotApplicable is the error of a toolchain whose linker source is not
// the code the fixes change.
type NotApplicable = toolsrc.NotApplicable

// Build returns the private linker of the toolchain at goroot (its go
// version goVersion), building it under cacheDir if it is not there yet:
// about 7 s with a warm build cache, once per toolchain. It refuses with
// *NotApplicable when the fixes do not apply to this toolchain's source.
func Build(ctx context.Context, goroot, goVersion, cacheDir string) (*Linker, error) {
	internal := filepath.Join(goroot, "src", "cmd", "link", "internal")
	fixed, key, err := fixedSources(internal, goVersion)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cacheDir, "hotlink", key)
	l := &Linker{Path: filepath.Join(dir, "link"), FlagCache: filepath.Join(dir, "flags")}
	if err := os.MkdirAll(l.FlagCache, 0o755); err != nil {
		return nil, err
	}
	if _, err := os.Stat(l.Path); err == nil {
		return l, nil
	}
	if err := toolsrc.Build(ctx, goroot, "cmd/link", internal, fixed, filepath.Join(dir, "src"), l.Path); err != nil {
		return nil, err
	}
	return l, nil
}

// fixedSources returns the changed and added files of the linker whose
// cmd/link/internal is dir (by slash-separated path under it) and a key
// naming this linker: the go version and a digest of the original files
// and the fixes.
func fixedSources(dir, goVersion string) (map[string]string, string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", goVersion)
	texts, err := toolsrc.Apply(h, "private linker of -linkshared patches", dir, fixes)
	if err != nil {
		return nil, "", err
	}
	names, prefixes, err := linkerRuntimeNames(dir)
	if err != nil {
		return nil, "", err
	}
	roots, err := rootsFile(names, prefixes)
	if err != nil {
		return nil, "", err
	}
	texts["ld/hotlink_flagcache.go"] = flagCacheFile
	texts["ld/hotlink_shlib.go"] = shlibFile
	texts["ld/hotlink_roots.go"] = roots
	h.Write([]byte(flagCacheFile))
	h.Write([]byte(shlibFile))
	h.Write([]byte(roots))
	return texts, goVersion + "-" + hex.EncodeToString(h.Sum(nil)[:8]), nil
}
