// Package bazellink links a go_hot_binary as the go command links a
// -linkshared program (hotreload run --link=shared): the standard library
// as one shared library, and the program against it. A patch then links
// against the library the process maps instead of copying every standard
// package it imports: tens of KB instead of tens of MB
// (docs/PATCH-LINKING.md).
//
// rules_go's link action writes no packageshlib lines, so go_hot_binary
// runs these links itself (`hotreload link`), from the archives rules_go
// compiled: the -dynlink standard library and the kit's -dynlink
// packages, which the hot SDK compiles -linkshared (package toolexec).
// The library must be linked from the very archives the program's
// packages were compiled against: the linker checks each package's
// fingerprint.
package bazellink

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// InstallSuffix is the -installsuffix of -dynlink archives, as the go
// command and the patcher link them.
const InstallSuffix = "dynlink"

// RunPath is where a program linked by Link looks for the library: its
// own directory.
const RunPath = "$ORIGIN"

// Std links the standard library's archives (import path → archive)
// into one shared library, out, with the link tool of toolDir: what `go
// install -buildmode=shared -linkshared std` links.
func Std(ctx context.Context, toolDir string, std map[string]string, out string) error {
	cfg, err := writeImportcfg(out, std, nil)
	if err != nil {
		return err
	}
	defer os.Remove(cfg)
	args := []string{"-o", out, "-importcfg", cfg, "-installsuffix", InstallSuffix,
		"-buildmode=shared", "-linkshared", "-w", "-extld=gcc"}
	// As the go command names a shared library's packages: path=archive.
	for _, ip := range sortedKeys(std) {
		args = append(args, ip+"="+std[ip])
	}
	return link(ctx, toolDir, args, "the standard library as a shared library ("+out+")")
}

// Program is a program to link -linkshared.
type Program struct {
	// Packages maps each package of the program but the standard
	// library's, by the path it was compiled as (-p: its importmap;
	// "main" for package main), to its archive.
	Packages map[string]string
	// Main is the archive of package main.
	Main string
	// Std maps each standard package to its archive: those the shared
	// library holds.
	Std map[string]string
	// Shlib is the standard library as a shared library, linked by Std
	// from the same archives.
	Shlib string
	// Flags are more linker flags (-X, go_binary's gc_linkopts).
	Flags []string
}

// Link links p into the executable out. The executable looks for the
// library in its own directory (run path $ORIGIN; the directory at link
// time is Bazel's, not where the program runs): go_hot_binary puts it
// there, a deployment copies the two files together, and the launcher
// names the kit's copy first (LD_LIBRARY_PATH).
func (p *Program) Link(ctx context.Context, toolDir, out string) error {
	shlib, err := filepath.Abs(p.Shlib)
	if err != nil {
		return err
	}
	shlibs := map[string]string{}
	for ip := range p.Std {
		shlibs[ip] = shlib
	}
	all := map[string]string{}
	for ip, a := range p.Std {
		all[ip] = a
	}
	for ip, a := range p.Packages {
		all[ip] = a
	}
	cfg, err := writeImportcfg(out, all, shlibs)
	if err != nil {
		return err
	}
	defer os.Remove(cfg)
	args := []string{"-o", out, "-importcfg", cfg, "-installsuffix", InstallSuffix,
		"-buildmode=exe", "-linkshared", "-w", "-linkmode=external", "-extld=gcc", "-r", RunPath, "-buildid=redacted"}
	args = append(args, p.Flags...)
	args = append(args, p.Main)
	return link(ctx, toolDir, args, "the program "+out+" against "+p.Shlib)
}

// writeImportcfg writes the link's import configuration beside out:
// packagefile lines for files, packageshlib lines for shlibs.
func writeImportcfg(out string, files, shlibs map[string]string) (string, error) {
	var b strings.Builder
	b.WriteString("# import config\n")
	for _, ip := range sortedKeys(files) {
		fmt.Fprintf(&b, "packagefile %s=%s\n", ip, files[ip])
	}
	for _, ip := range sortedKeys(shlibs) {
		fmt.Fprintf(&b, "packageshlib %s=%s\n", ip, shlibs[ip])
	}
	cfg := out + ".importcfg"
	return cfg, os.WriteFile(cfg, []byte(b.String()), 0o644)
}

func link(ctx context.Context, toolDir string, args []string, what string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(toolDir, "link"), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("linking %s: %v\n%s", what, err, out.Bytes())
	}
	return nil
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
