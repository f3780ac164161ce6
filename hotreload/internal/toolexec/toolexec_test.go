package toolexec

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/hotreload/internal/instrument"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
	"github.com/gohot/rules_go_hot/tools/rewriter"
)

func TestRecordedDir(t *testing.T) {
	c := &compile{goroot: "/usr/local/go"}
	for _, tc := range []struct {
		dir, trim, want string
	}{
		// cmd/go's usual rule for a build without -trimpath: only its
		// work directory is trimmed, a source dir is recorded as is.
		{"/home/u/app", "/tmp/go-build1/b001=>", "/home/u/app"},
		// Generated (cgo) files live in the work directory.
		{"/tmp/go-build1/b001", "/tmp/go-build1/b001=>", ""},
		// -trimpath: the module directory maps to the module path.
		{"/home/u/app/lib", "/home/u/app=>example.com/app;/tmp/go-build1/b001=>", "example.com/app/lib"},
		// The first matching rule wins.
		{"/a/b/c", "/a/b=>x;/a=>y", "x/c"},
		// Prefixes match whole path elements only.
		{"/a/bc", "/a/b=>x", "/a/bc"},
		// The standard library, unmatched, is recorded relative to $GOROOT.
		{"/usr/local/go/src/strings", "/tmp/go-build1/b001=>", "$GOROOT/src/strings"},
		// ... but a matching rule comes first (go build -trimpath).
		{"/usr/local/go/src/strings", "/usr/local/go=>go", "go/src/strings"},
	} {
		if got := c.recordedDir(tc.dir, tc.trim); got != tc.want {
			t.Errorf("recordedDir(%q, %q) = %q, want %q", tc.dir, tc.trim, got, tc.want)
		}
	}
}

func TestParseCompile(t *testing.T) {
	args := []string{"/go/pkg/tool/linux_amd64/compile", "-o", "/w/b001/_pkg_.a", "-trimpath", "/w/b001=>",
		"-p", "example.com/m/lib", "-lang=go1.22", "-race", "-complete", "-importcfg", "/w/b001/importcfg",
		"-pack", "./a.go", "./b.go"}
	t.Setenv("GOROOT", "")
	c, err := parseCompile(args)
	if err != nil {
		t.Fatal(err)
	}
	if c.goroot != "/go" || c.pkg != "example.com/m/lib" || c.lang != "go1.22" || !c.race || c.runtime {
		t.Errorf("parsed %+v", c)
	}
	if c.trimIdx != 4 || !slices.Equal(args[c.firstSrc:], []string{"./a.go", "./b.go"}) {
		t.Errorf("trimIdx %d, sources %q", c.trimIdx, args[c.firstSrc:])
	}
}

// TestParseCompileOldLang: a package of a module saying `go 1.5` is
// compiled at go1.9, the oldest version the instrumentation (type aliases)
// compiles at; newer versions pass as they are.
func TestParseCompileOldLang(t *testing.T) {
	for lang, want := range map[string]string{"go1.5": "go1.9", "go1.8": "go1.9", "go1.9": "go1.9", "go1.13": "go1.13", "go1.26": "go1.26"} {
		args := []string{"/go/pkg/tool/linux_amd64/compile", "-o", "/w/b001/_pkg_.a", "-p", "example.com/m", "-lang=" + lang, "-pack", "./a.go"}
		c, err := parseCompile(args)
		if err != nil {
			t.Fatal(err)
		}
		if c.lang != want || !slices.Contains(c.args, "-lang="+want) || slices.Contains(c.args, "-lang="+lang) != (lang == want) {
			t.Errorf("-lang=%s: parsed %q, args %q; want %s", lang, c.lang, c.args, want)
		}
	}
}

func TestIsToolInvocation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"/go/pkg/tool/linux_amd64/compile", "-V=full"}, true},
		{[]string{"/go/pkg/tool/linux_amd64/link", "-o", "x"}, true},
		{[]string{"compile", "-V=full"}, false}, // not an absolute path
		{[]string{"/usr/bin/gcc"}, false},
		{[]string{"build", "./..."}, false},
		{nil, false},
	} {
		if got := IsToolInvocation(tc.args); got != tc.want {
			t.Errorf("IsToolInvocation(%q) = %v", tc.args, got)
		}
	}
}

func TestRuntimePackages(t *testing.T) {
	for _, p := range []string{"runtime", "internal/abi", "internal/runtime/maps", "internal/runtime/new/thing"} {
		if !instrument.IsRuntimePackage(p) {
			t.Errorf("%s not treated as a runtime package", p)
		}
	}
	for _, p := range []string{"strings", "runtime/debug", "internal/reflectlite"} {
		if instrument.IsRuntimePackage(p) {
			t.Errorf("%s treated as a runtime package", p)
		}
	}
}

// rules_go's builder passes -trimpath=VALUE in one argument, and runs the
// compiler for the standard library with GOROOT set to a replica of the SDK.
func TestParseCompileRulesGo(t *testing.T) {
	args := []string{"/sdk/pkg/tool/linux_amd64/compile", "-p", "example.com/m/lib", "-trimpath=/exec/root;/exec=>..",
		"-importcfg", "/tmp/importcfg", "-o", "/exec/root/bazel-out/lib.a", "examples/m/lib/a.go"}
	t.Setenv("GOROOT", "/exec/root/bazel-out/stdlib_")
	c, err := parseCompile(args)
	if err != nil {
		t.Fatal(err)
	}
	if c.goroot != "/exec/root/bazel-out/stdlib_" || c.trimIdx != 3 || !c.trimEq {
		t.Errorf("goroot %q, trimIdx %d, trimEq %v", c.goroot, c.trimIdx, c.trimEq)
	}
	if got := c.recordedDir("/exec/root/examples/m/lib", "/exec/root;/exec=>.."); got != "examples/m/lib" {
		t.Errorf("recorded %q, want examples/m/lib", got)
	}
	if got := c.recordedDir("/exec/root/bazel-out/stdlib_/src/strings", ""); got != "$GOROOT/src/strings" {
		t.Errorf("recorded %q, want $GOROOT/src/strings", got)
	}
}

func TestExpandResponseFiles(t *testing.T) {
	rsp := filepath.Join(t.TempDir(), "args")
	if err := os.WriteFile(rsp, []byte("-p\nexample.com/x\n-D\nline1\\nline2\nC:\\\\dir\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := expandResponseFiles([]string{"/go/compile", "@" + rsp, "a.go"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/go/compile", "-p", "example.com/x", "-D", "line1\nline2", `C:\dir`, "a.go"}
	if !slices.Equal(got, want) {
		t.Errorf("expanded %q, want %q", got, want)
	}
	if _, err := expandResponseFiles([]string{"/go/compile", "@/nonexistent/rsp"}); err == nil {
		t.Error("a missing response file expanded without error")
	}
}

func TestSinkCgoDirectives(t *testing.T) {
	exe := "// Code generated by cmd/cgo; DO NOT EDIT.\n\npackage cgo\n\n//go:cgo_ldflag \"-lpthread\"\n\nvar x int\n"
	plugin := "// Code generated by cmd/cgo; DO NOT EDIT.\n\npackage cgo\n\n//go:cgo_ldflag \"-shared\"\n//go:cgo_ldflag \"-lpthread\"\n\nvar x int\n"
	a, b := string(sinkCgoDirectives([]byte(exe))), string(sinkCgoDirectives([]byte(plugin)))
	// Declarations sit at the same lines whatever the flags.
	if i, j := strings.Index(a, "var x int"), strings.Index(b, "var x int"); strings.Count(a[:i], "\n") != strings.Count(b[:j], "\n") {
		t.Errorf("declarations moved:\n%s\n---\n%s", a, b)
	}
	if !strings.HasSuffix(b, "var x int\n//go:cgo_ldflag \"-shared\"\n//go:cgo_ldflag \"-lpthread\"\n") {
		t.Errorf("flags not kept, in order, at the end:\n%s", b)
	}
	if src := "package p\n"; string(sinkCgoDirectives([]byte(src))) != src {
		t.Error("a file without flags changed")
	}
	// A function's own directives stay with it.
	if src := "package p\n\n//go:cgo_unsafe_args\nfunc f() {}\n//go:cgo_import_static x\n"; string(sinkCgoDirectives([]byte(src))) != src {
		t.Error("a function directive moved")
	}
}

// Under rules_go a program's and a plugin's builds of a cgo package differ
// only in the C toolchain's linker options and the dynamic imports of
// internal linking: canonical, their directives are the same.
func TestCanonicalCgoDirectives(t *testing.T) {
	exe := "//go:cgo_ldflag \"-fuse-ld=gold\"\n//go:cgo_ldflag \"-lfoo\"\npackage p\n"
	plugin := "//go:cgo_ldflag \"-shared\"\n//go:cgo_ldflag \"-fuse-ld=gold\"\n//go:cgo_ldflag \"-lfoo\"\npackage p\n"
	a := string(canonicalCgoDirectives("_cgo_gotypes.go", []byte(exe), "-fuse-ld=gold -Wl,-z,now"))
	b := string(canonicalCgoDirectives("_cgo_gotypes.go", []byte(plugin), "-shared -fuse-ld=gold -Wl,-z,now"))
	if a != b || a != "//go:cgo_ldflag \"-lfoo\"\npackage p\n" {
		t.Errorf("program:\n%s\nplugin:\n%s", a, b)
	}
	imp := "package p\n//go:cgo_dynamic_linker \"/lib64/ld-linux-x86-64.so.2\"\n//go:cgo_import_dynamic stderr stderr#GLIBC_2.2.5 \"libc.so.6\"\n//go:cgo_import_dynamic _ _ \"libc.so.6\"\n"
	if got := string(canonicalCgoDirectives("_cgo_import.go", []byte(imp), "")); got != "package p\n" {
		t.Errorf("_cgo_import.go: %q", got)
	}
	// Elsewhere dynamic imports are the package's own.
	if got := string(canonicalCgoDirectives("_cgo_gotypes.go", []byte(imp), "")); got != imp {
		t.Errorf("_cgo_gotypes.go: %q", got)
	}
}

// TestStageOverlay: a file an -overlay replaces is compiled from its
// replacement, and cmd/go maps that file (not its directory) to the name
// of the file it replaces; the rewritten copy must be recorded under that
// name too, or the package's export data names the replacement's path and
// differs from a build without the overlay (the patch kit is built from
// the base's snapshot through such an overlay).
func TestStageOverlay(t *testing.T) {
	c := &compile{goroot: "/usr/local/go"}
	trim := "/kit/src/example.com/m/lib/a.go=>/home/u/m/lib/a.go;/kit/ov/x_gohot.go=>/home/u/m/lib/zz_gohot.go;/tmp/go-build1/b001=>"
	srcs := []string{"/kit/src/example.com/m/lib/a.go", "/home/u/m/lib/b.go", "/kit/ov/x_gohot.go", "/tmp/go-build1/b001/_cgo_gotypes.go"}
	res := &rewriter.Result{}
	for _, s := range srcs {
		res.Files = append(res.Files, rewriter.File{Name: s, Src: []byte("package lib\n")})
	}
	st, err := stage(srcs, res, func(file string) string { return c.recordedDir(file, trim) })
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(st.tmp)
	var got []string
	for _, p := range st.paths {
		rec, ok := "", false
		for _, rule := range append(st.rules, strings.Split(trim, ";")...) {
			if rec, ok = applyRewrite(p, rule); ok {
				break
			}
		}
		if !ok {
			t.Fatalf("no rule maps %s (rules %q)", p, st.rules)
		}
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
		got = append(got, rec)
	}
	want := []string{"/home/u/m/lib/a.go", "/home/u/m/lib/b.go", "/home/u/m/lib/zz_gohot.go", "_cgo_gotypes.go"}
	if !slices.Equal(got, want) {
		t.Errorf("recorded %q, want %q", got, want)
	}
}

// TestMainAsMain: in a build of the kit, the program's package main is
// compiled as "main" — named by the kit under the go command, any -dynlink
// package main under the hot SDK — and nothing else is.
func TestMainAsMain(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(dir, "lib.go")
	if err := os.WriteFile(lib, []byte("package lib\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, kitMain, sdk string
		args               []string
		want               string
	}{
		{"kit main", "example.com/cmd/x", "", []string{"-p", "example.com/cmd/x", "-dynlink", src}, "main"},
		{"kit main -p=", "example.com/cmd/x", "", []string{"-p=example.com/cmd/x", "-dynlink", src}, "main"},
		{"another main (a user's plugin)", "example.com/cmd/x", "", []string{"-p", "example.com/plugins/y", "-dynlink", src}, "example.com/plugins/y"},
		{"not -dynlink (the host)", "example.com/cmd/x", "", []string{"-p", "example.com/cmd/x", src}, "example.com/cmd/x"},
		{"no kit", "", "", []string{"-p", "example.com/cmd/x", "-dynlink", src}, "example.com/cmd/x"},
		{"hot SDK kit", "", "bazel", []string{"-p", "example.com/cmd/x", "-dynlink", src}, "main"},
		{"hot SDK library", "", "bazel", []string{"-p", "example.com/lib", "-dynlink", lib}, "example.com/lib"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(kit.MainEnv, tc.kitMain)
			t.Setenv(SDKEnv, tc.sdk)
			c, err := parseCompile(append([]string{"/go/pkg/tool/linux_amd64/compile"}, tc.args...))
			if err != nil {
				t.Fatal(err)
			}
			c.mainAsMain(c.args[c.firstSrc:])
			got, _ := parseCompile(c.args)
			if c.pkg != tc.want || got.pkg != tc.want || c.asMain != (tc.want == "main") {
				t.Errorf("-p %q (args %q, asMain %v), want %q", c.pkg, c.args, c.asMain, tc.want)
			}
		})
	}
}

// TestHideMainExports: a package main compiled -dynlink carries a plugin
// table; renamed in place, the archive still links into a plugin, whose
// table is then the patch's own.
func TestHideMainExports(t *testing.T) {
	for _, n := range pluginTableNames {
		if len(n[0]) != len(n[1]) {
			t.Fatalf("%q and %q differ in length: renaming in place would corrupt the object", n[0], n[1])
		}
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nvar State = 1\n\nfunc Exported() int { return State }\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tooldir, err := exec.Command("go", "env", "GOTOOLDIR").Output()
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "main.a")
	if out, err := exec.Command(filepath.Join(strings.TrimSpace(string(tooldir)), "compile"), "-p", "main", "-dynlink", "-pack", "-o", a, src).CombinedOutput(); err != nil {
		t.Fatalf("compile: %v\n%s", err, out)
	}
	if err := hideMainExports([]string{a}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "nm", a).CombinedOutput()
	if err != nil {
		t.Fatalf("nm: %v\n%s", err, out)
	}
	for _, n := range pluginTableNames {
		if strings.Contains(string(out), " "+n[0]+"\n") || !strings.Contains(string(out), " "+n[1]+"\n") {
			t.Errorf("after renaming, nm says:\n%s", out)
		}
	}
	if !strings.Contains(string(out), "T main.Exported") {
		t.Errorf("the package's own symbols changed:\n%s", out)
	}
	// A second pass finds nothing to rename and leaves the file alone.
	if err := hideMainExports([]string{a}); err != nil {
		t.Fatal(err)
	}
}

// TestHotCompilerEnv: with $GOHOT_COMPILER naming a compiler, a rewritten
// package is compiled by it (the rewritten sources, the same flags), and
// `-V=full` carries a marker of its own, so the build cache never mixes
// its objects with the stock compiler's; "stock" (or nothing) keeps the
// tool the go command named.
func TestHotCompilerEnv(t *testing.T) {
	dir := t.TempDir()
	toolDir := filepath.Join(dir, "pkg", "tool", "linux_amd64")
	if err := os.MkdirAll(toolDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A stand-in for each compiler: it says which it is, what it was
	// given, and answers -V=full as a compiler does.
	fake := func(name string) string {
		p := filepath.Join(dir, name)
		script := "#!/bin/sh\nfor a; do case $a in -V=full) echo 'compile version go1.26.8'; exit 0;; esac; done\n" +
			"echo " + name + " \"$@\" >> " + filepath.Join(dir, "calls") + "\n" +
			"for a; do case $a in *.go) cat \"$a\" >> " + filepath.Join(dir, "calls") + ";; esac; done\n"
		if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stock := fake("stock-compile")
	real := filepath.Join(toolDir, "compile")
	if err := os.Rename(stock, real); err != nil {
		t.Fatal(err)
	}
	hot := fake("hot-compile")
	src := filepath.Join(dir, "a.go")
	if err := os.WriteFile(src, []byte("package a\n\nfunc F() int { return 1 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	compile := func(env string) (calls, version string) {
		t.Helper()
		t.Setenv(CompilerEnv, env)
		os.Remove(filepath.Join(dir, "calls"))
		var out, errb bytes.Buffer
		if code := Run([]string{real, "-p", "example.com/a", "-o", filepath.Join(dir, "a.a"), "-pack", src}, &out, &errb); code != 0 {
			t.Fatalf("%s=%q: exit %d: %s%s", CompilerEnv, env, code, out.String(), errb.String())
		}
		b, _ := os.ReadFile(filepath.Join(dir, "calls"))
		out.Reset()
		if code := Run([]string{real, "-V=full"}, &out, &errb); code != 0 {
			t.Fatalf("-V=full: exit %d: %s", code, errb.String())
		}
		return string(b), strings.TrimSpace(out.String())
	}
	hotCalls, hotVersion := compile(hot)
	if !strings.HasPrefix(hotCalls, "hot-compile -p example.com/a") || !strings.Contains(hotCalls, "GoHotS_F") {
		t.Errorf("with %s set, the rewritten package was not compiled by it:\n%s", CompilerEnv, hotCalls)
	}
	stockCalls, stockVersion := compile(StockCompiler)
	if !strings.HasPrefix(stockCalls, "stock-compile -p example.com/a") || !strings.Contains(stockCalls, "GoHotS_F") {
		t.Errorf("with %s=stock, the rewritten package was not compiled by the tool given:\n%s", CompilerEnv, stockCalls)
	}
	_, unsetVersion := compile("")
	if !strings.Contains(hotVersion, Marker+"-") || !strings.Contains(stockVersion, Marker+"-") {
		t.Errorf("-V=full without the marker: %q, %q", hotVersion, stockVersion)
	}
	if hotVersion == stockVersion || stockVersion != unsetVersion {
		t.Errorf("-V=full: hot %q, stock %q, unset %q: want hot apart, stock = unset", hotVersion, stockVersion, unsetVersion)
	}
}
