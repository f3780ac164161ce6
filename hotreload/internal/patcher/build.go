package patcher

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gohot/rules_go_hot/hotreload/internal/hotcompile"
	"github.com/gohot/rules_go_hot/hotreload/internal/hotlink"
	"github.com/gohot/rules_go_hot/hotreload/internal/instrument"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// compileAndLink compiles the patch's package main with the base's
// compiler settings against the kit's archives, at language version lang
// ("" for the compiler's default; see Builder.fileVersions), and links it
// as a plugin under an import path of its own (a plugin path can be
// loaded only once).
func (b *Builder) compileAndLink(dir, id, lang string, files []string, res *Result) error {
	k := b.Kit
	pkgPath := protocol.PatchPackagePrefix + id
	cfg := filepath.Join(dir, "importcfg")
	// The compiler reads export data (a build system may keep it apart
	// from the archive: rules_go's .x files); the linker reads archives.
	var exports, lines, maps []string
	for path, p := range k.Packages {
		if a := k.ArchivePath(path); a != "" {
			lines = append(lines, fmt.Sprintf("packagefile %s=%s", p.LinkPath(), a))
			if k.Shared != nil && p.Shlib != "" {
				// As the go command links a -linkshared program: the
				// package is taken from the shared library the process
				// has mapped, not copied into the patch.
				lines = append(lines, fmt.Sprintf("packageshlib %s=%s", p.LinkPath(), k.Abs(p.Shlib)))
			}
			exports = append(exports, fmt.Sprintf("packagefile %s=%s", p.LinkPath(), k.ExportPath(path)))
			if p.LinkPath() != path {
				maps = append(maps, fmt.Sprintf("importmap %s=%s", path, p.LinkPath()))
			}
		}
	}
	sort.Strings(lines)
	sort.Strings(exports)
	sort.Strings(maps)
	if err := os.WriteFile(cfg, []byte("# import config\n"+strings.Join(append(maps, exports...), "\n")+"\n"), 0o644); err != nil {
		return err
	}
	archive := filepath.Join(dir, "patch.a")
	start := time.Now()
	// As the go command compiles and links a plugin (go build -x): a
	// -race base's patches are instrumented too (a race a patch brings
	// in is reported as one in the base would be), and its -dynlink
	// archives are installed under race_dynlink.
	suffix := "dynlink"
	if k.Race {
		suffix = "race_dynlink"
	}
	args := []string{"-o", archive, "-p", pkgPath, "-installsuffix", suffix,
		"-goversion", k.GoVersion, "-c=2", "-dynlink", "-nolocalimports", "-importcfg", cfg, "-pack"}
	if k.Race {
		args = append(args, "-race")
	}
	if k.Shared != nil {
		args = append(args, "-linkshared")
	}
	if lang != "" {
		args = append(args, "-lang="+lang)
	}
	compile := exec.Command(filepath.Join(b.Kit.ToolDir, "compile"), append(args, files...)...)
	tags := filepath.Join(dir, "escape-tags")
	if len(b.escapes) > 0 {
		// Replaced functions of no-escape packages: compiled by the hot
		// compiler (it compiled their base), which writes their
		// parameters' escape results (escape.go).
		compile = exec.Command(instrument.HotCompiler(), append(args, files...)...)
		compile.Env = []string{hotcompile.EscapeTagsEnv + "=" + tags}
	}
	if out, err := b.run(compile); err != nil {
		return fmt.Errorf("compiling the patch failed (a bug in hotreload's translation; the generated code is in %s): %v\n%s", dir, err, out)
	}
	res.Compile = time.Since(start)
	refusals, copies, err := b.checkEscapes(pkgPath, cfg, tags)
	if err != nil {
		return err
	}
	if len(refusals) == 0 && len(copies) > 0 {
		return &copyStrings{copies}
	}
	if len(refusals) > 0 {
		addRefusals(res, refusals...)
		return nil
	}

	linkCfg := filepath.Join(dir, "importcfg.link")
	if err := os.WriteFile(linkCfg, []byte(fmt.Sprintf("packagefile %s=%s\n%s\n", pkgPath, archive, strings.Join(lines, "\n"))), 0o644); err != nil {
		return err
	}
	start = time.Now()
	so := filepath.Join(dir, "patch.so")
	linkArgs := []string{"-o", so, "-importcfg", linkCfg, "-installsuffix", suffix,
		// Uncompressed DWARF: compressing it is a fifth of the link
		// (bench/reload), and a patch lives only as long as the process.
		"-pluginpath", pkgPath, "-buildmode=plugin", "-compressdwarf=false", "-extld=gcc"}
	if k.Race {
		linkArgs = append(linkArgs, "-race")
	}
	link := b.tool
	if k.Shared != nil {
		// Linked against the program's shared libraries by the private
		// linker (go1.26's own cannot link a working -linkshared
		// plugin; package hotlink). No DWARF: the go command links
		// every -linkshared object with -w.
		linkArgs = append(linkArgs, "-linkshared", "-w")
		link = b.sharedLinker
	}
	linked := false
	if k.Shared == nil && !b.noMold && useMold() {
		// A plugin with its DWARF: mold keeps its symbol table. Should
		// mold fail, GNU ld links this patch and the session's next ones.
		out, err := link("link", append(append(linkArgs, "-extldflags="+moldFlag), archive)...)
		if err == nil {
			linked = true
		} else {
			b.noMold = true
			res.Notes = append(res.Notes, fmt.Sprintf("linking with mold failed, so this patch and the next ones are linked with GNU ld: %v: %s", err, firstLine(out)))
		}
	}
	if !linked {
		if out, err := link("link", append(linkArgs, archive)...); err != nil {
			return fmt.Errorf("linking the patch failed (the generated code is in %s): %v\n%s", dir, err, out)
		}
	}
	res.Link = time.Since(start)
	res.Plugin = so
	res.Manifest = so + ".json"
	return nil
}

func (b *Builder) tool(name string, args ...string) ([]byte, error) {
	return b.run(exec.Command(filepath.Join(b.Kit.ToolDir, name), args...))
}

// sharedLinker runs the kit's private linker (see Kit.Shared).
func (b *Builder) sharedLinker(_ string, args ...string) ([]byte, error) {
	k := b.Kit
	cmd := exec.Command(k.Abs(k.Shared.Linker), args...)
	cmd.Env = []string{hotlink.FlagCacheEnv + "=" + k.Abs(k.Shared.FlagCache)}
	if k.Shared.ShlibIndex != "" {
		cmd.Env = append(cmd.Env, hotlink.ShlibIndexEnv+"="+k.Abs(k.Shared.ShlibIndex))
	}
	return b.run(cmd)
}

// run runs a tool of the kit's toolchain.
func (b *Builder) run(cmd *exec.Cmd) ([]byte, error) {
	cmd.Env = append(append(os.Environ(), "GOROOT="+b.Kit.GOROOT), cmd.Env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// writeManifest writes the patch's manifest, which vouches for the
// plugin's exact bytes (the agent loads nothing else).
func (b *Builder) writeManifest(res *Result) error {
	m := &protocol.Manifest{
		Format:      protocol.Format,
		PatchID:     res.PatchID,
		BaseBuildID: b.Kit.BuildID,
		Packages:    b.Kit.BaseTable(),
		Functions:   res.Functions,
		Created:     time.Now().UTC().Format(time.RFC3339),
	}
	if err := m.Stamp(res.Plugin); err != nil {
		return err
	}
	return protocol.WriteManifest(res.Manifest, m)
}

// firstLine is the first non-empty line of a tool's output.
func firstLine(out []byte) string {
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}
