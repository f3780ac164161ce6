package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// linkVariant is one way of linking the patch.
type linkVariant struct {
	name  string
	flags []string
	needs string // an external linker that must be installed
}

var linkVariants = []linkVariant{
	{"link (as hotreload)", nil, ""},
	{"link -compressdwarf=false", []string{"-compressdwarf=false"}, ""},
	{"link -w", []string{"-w"}, ""},
	{"link -s -w", []string{"-s", "-w"}, ""},
	{"gold", []string{"-extldflags=-fuse-ld=gold"}, "ld.gold"},
	{"gold -s -w", []string{"-s", "-w", "-extldflags=-fuse-ld=gold"}, "ld.gold"},
	{"lld", []string{"-extldflags=-fuse-ld=lld"}, "ld.lld"},
	{"lld -s -w", []string{"-s", "-w", "-extldflags=-fuse-ld=lld"}, "ld.lld"},
	{"mold", []string{"-extldflags=-fuse-ld=mold"}, "ld.mold"},
	{"mold -s -w", []string{"-s", "-w", "-extldflags=-fuse-ld=mold"}, "ld.mold"},
}

// breakdown runs the compile and link of the last patch again by hand,
// with the arguments the patcher uses (hotreload/internal/patcher/build.go),
// to split build_ms; it tries link variants, and has the running program
// (pid) load each variant, to show that it loads and what loading costs.
func breakdown(t *target, dir string, pid int, client *http.Client, addr string, lastRev int) *Breakdown {
	log.Printf("%s: breakdown of %s", t.Name, dir)
	b := &Breakdown{PatchDir: dir, Variants: map[string][]float64{}, Sizes: map[string]int64{},
		LinkPhases: map[string]float64{}, Loads: map[string]VariantLoad{}}
	pt, manifest := readPatch(b, dir)
	pt.scratch = filepath.Join(*workDir, "breakdown-"+t.Name)
	os.RemoveAll(pt.scratch)
	check(os.MkdirAll(pt.scratch, 0o755))
	compiled := filepath.Join(pt.scratch, "compile.a")
	for i := 0; i < *nLinkReps; i++ {
		d := pt.compile(pt.pkgPath("c"), compiled)
		b.Variants["compile"] = append(b.Variants["compile"], ms(d))
	}
	log.Printf("%s: breakdown %-20s median %6.0f ms", t.Name, "compile", median(b.Variants["compile"]))
	todo := pt.prepareVariants(b)
	// Round robin, so that drifts of the machine spread over all variants.
	for i := 0; i < *nLinkReps; i++ {
		for _, p := range todo {
			d, _ := pt.link(p.pkgPath, p.arch, p.so, p.v.flags...)
			b.Variants[p.v.name] = append(b.Variants[p.v.name], ms(d))
		}
	}
	for _, p := range todo {
		fi, err := os.Stat(p.so)
		check(err)
		b.Sizes[p.v.name] = fi.Size()
		b.Loads[p.v.name] = loadVariant(pid, p.so, manifest, client, addr, t, lastRev)
		log.Printf("%s: breakdown %-26s median %6.0f ms, %.2f MB, load: %+v", t.Name, p.v.name, median(b.Variants[p.v.name]), float64(fi.Size())/1e6, b.Loads[p.v.name])
	}
	if fi, err := os.Stat(compiled); err == nil {
		b.Sizes["patch.a"] = fi.Size()
	}
	pt.linkPhases(b, compiled)
	b.LinkedPkgs = nmPackages(filepath.Join(pt.scratch, "bench.so"))
	return b
}

// patchBuild is a patch directory written by the patcher, and the Go tools
// to build it again.
type patchBuild struct {
	dir     string
	files   []string // its Go files
	toolDir string
	goroot  string
	scratch string // where the builds go
}

// readPatch reads the patch directory dir: its files and imports into b,
// and its manifest.
func readPatch(b *Breakdown, dir string) (*patchBuild, *protocol.Manifest) {
	pt := &patchBuild{dir: dir}
	ents, err := os.ReadDir(dir)
	check(err)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".go") {
			pt.files = append(pt.files, filepath.Join(dir, e.Name()))
			b.Files = append(b.Files, e.Name())
		}
	}
	cfgBytes, err := os.ReadFile(filepath.Join(dir, "importcfg"))
	check(err)
	b.Imports = strings.Count(string(cfgBytes), "packagefile ")
	manifest, err := protocol.ReadManifest(protocol.ManifestPath(filepath.Join(dir, "patch.so")))
	check(err)
	pt.toolDir = strings.TrimSpace(goEnv("GOTOOLDIR"))
	pt.goroot = strings.TrimSpace(goEnv("GOROOT"))
	return pt, manifest
}

// pkgPath is a plugin path of its own for a build of the patch.
func (pt *patchBuild) pkgPath(suffix string) string {
	return "gohotpatch/" + filepath.Base(pt.dir) + suffix
}

// tool runs a Go tool and returns how long it took and its output.
func (pt *patchBuild) tool(name string, args ...string) (time.Duration, string) {
	cmd := exec.Command(filepath.Join(pt.toolDir, name), args...)
	cmd.Env = append(os.Environ(), "GOROOT="+pt.goroot)
	s := time.Now()
	out, err := runGroup(cmd, 10*time.Minute, name)
	if err != nil {
		panic(fmt.Sprintf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out))
	}
	return time.Since(s), out
}

func (pt *patchBuild) compile(pkgPath, archive string) time.Duration {
	d, _ := pt.tool("compile", append([]string{"-o", archive, "-p", pkgPath, "-lang=go1.26", "-installsuffix", "dynlink",
		"-goversion", runtime.Version(), "-c=2", "-dynlink", "-nolocalimports", "-importcfg", filepath.Join(pt.dir, "importcfg"), "-pack"}, pt.files...)...)
	return d
}

func (pt *patchBuild) link(pkgPath, archive, so string, flags ...string) (time.Duration, string) {
	return pt.tool("link", append(append([]string{"-o", so, "-importcfg", filepath.Join(pt.dir, "importcfg.link"), "-installsuffix", "dynlink",
		"-pluginpath", pkgPath, "-buildmode=plugin", "-extld=gcc"}, flags...), archive)...)
}

// preparedVariant is a link variant with the patch compiled for it.
type preparedVariant struct {
	v             linkVariant
	pkgPath, arch string
	so            string
}

// prepareVariants compiles the patch for each link variant whose linker is
// installed (noting the others in b), each under a plugin path of its own,
// so that the program can load it (a plugin path loads once); the link's
// -pluginpath must equal the compiled package path (otherwise the link is
// faster but the plugin is broken).
func (pt *patchBuild) prepareVariants(b *Breakdown) []preparedVariant {
	var todo []preparedVariant
	for k, v := range linkVariants {
		if v.needs != "" {
			if _, err := exec.LookPath(v.needs); err != nil {
				b.Notes = append(b.Notes, v.name+": "+v.needs+" not installed")
				continue
			}
		}
		vdir := filepath.Join(pt.scratch, fmt.Sprintf("v%d", k))
		check(os.MkdirAll(vdir, 0o755))
		p := preparedVariant{v: v, pkgPath: pt.pkgPath(fmt.Sprintf("v%d", k)), arch: filepath.Join(vdir, "patch.a"), so: filepath.Join(vdir, "patch.so")}
		pt.compile(p.pkgPath, p.arch)
		todo = append(todo, p)
	}
	return todo
}

// linkPhases links the compiled patch once more with -benchmark=cpu and
// records the phases of the link, as the Go linker reports them
// ("Hostlink" is the external linker: gcc and ld).
func (pt *patchBuild) linkPhases(b *Breakdown, compiled string) {
	_, out := pt.link(pt.pkgPath("c"), compiled, filepath.Join(pt.scratch, "bench.so"), "-benchmark=cpu")
	phaseRE := regexp.MustCompile(`(?m)^Benchmark(\w+)\s+\d+\s+(\d+) ns/op`)
	for _, m := range phaseRE.FindAllStringSubmatch(out, -1) {
		f, _ := strconv.ParseFloat(m[2], 64)
		b.LinkPhases[m[1]] += f / 1e6
	}
	if len(b.LinkPhases) == 0 {
		b.Notes = append(b.Notes, "link -benchmark=cpu output not parsed:\n"+out)
	}
}

// loadVariant has the program apply a variant of the last patch (the same
// code) and checks that it still serves the last revision.
func loadVariant(pid int, so string, m *protocol.Manifest, client *http.Client, addr string, t *target, lastRev int) VariantLoad {
	mm := *m
	mm.PatchID = m.PatchID + "-" + filepath.Base(filepath.Dir(so))
	check(mm.Stamp(so))
	check(protocol.WriteManifest(protocol.ManifestPath(so), &mm))
	sock, err := protocol.FindSocket(pid)
	check(err)
	c, err := protocol.Dial(sock)
	check(err)
	defer c.Close()
	resp, err := c.Apply(so)
	if err == nil {
		err = resp.Err()
	}
	if err != nil {
		return VariantLoad{Error: err.Error()}
	}
	vl := VariantLoad{OK: true, VerifyMS: resp.VerifyMS, LoadMS: resp.LoadMS, ApplyMS: resp.ApplyMS}
	body, err := get(client, addr, t.Path)
	if rev, ok := match(t.rev, body); err != nil || !ok || rev != lastRev {
		vl.OK, vl.Error = false, fmt.Sprintf("after loading, the program serves %q (%v), want revision %d", body, err, lastRev)
	}
	return vl
}

// nmPackages counts the packages with code in a binary (go tool nm).
func nmPackages(bin string) int {
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		return -1
	}
	return countPackages(string(out))
}

// countPackages counts the distinct import paths of Go text symbols in `go
// tool nm` output.
func countPackages(nm string) int {
	pkgs := map[string]bool{}
	for _, line := range strings.Split(nm, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || (f[1] != "T" && f[1] != "t") {
			continue
		}
		sym := strings.TrimPrefix(f[2], "local.") // the external linker's local aliases
		if strings.HasPrefix(sym, "type:") || strings.HasPrefix(sym, "go:") || !strings.Contains(sym, ".") {
			continue
		}
		// import path = everything up to the first '.' after the last '/'.
		slash := strings.LastIndex(sym, "/")
		dot := strings.Index(sym[slash+1:], ".")
		if dot < 0 {
			continue
		}
		pkgs[sym[:slash+1+dot]] = true
	}
	return len(pkgs)
}
