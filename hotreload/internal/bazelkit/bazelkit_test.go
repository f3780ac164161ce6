package bazelkit

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

// A runfiles tree as go_hot_binary lays it out: the launcher's workspace
// directory (ws) beside the external repositories.
func TestLoad(t *testing.T) {
	root := t.TempDir()
	rf := filepath.Join(root, "runfiles", "ws")
	workspace := filepath.Join(root, "workspace")
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.Executable() // any Go executable has a build ID
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := os.ReadFile(exe)
	write(filepath.Join(rf, "app/app_hot.hotbin_/app"), string(bin))
	write(filepath.Join(rf, "../go_hot_sdk_tools/sdk.json"), `{"goroot": "/go", "tool_dir": "/go/pkg/tool/linux_amd64", "go_version": "go1.26.8", "platform": "linux_amd64"}`)
	write(filepath.Join(rf, "../io_bazel_rules_go/stdlib_/pkg/linux_amd64_dynlink/runtime.a"), "!<arch>\n")
	write(filepath.Join(rf, "../io_bazel_rules_go/stdlib_/pkg/linux_amd64_dynlink/net/http.a"), "!<arch>\n")
	write(filepath.Join(rf, "app/app_hot.kit/src/main/main.go"), "package main // as built\n")
	write(filepath.Join(rf, "app/app_hot.kit/src/main/zz_gohot_agent.go"), "package main\n")
	write(filepath.Join(rf, "app/app_hot.kit/src/example.com/lib/lib.go"), "package lib // as built\n")
	write(filepath.Join(workspace, "app/main.go"), "package main // edited since\n")
	for _, a := range []string{"gen/gen.a", "../com_github_x_y/y.a", "runtime/agent/agent.a"} {
		write(filepath.Join(rf, a), "!<arch>\n")
	}
	// A workspace package's archive is read: the kit checks the rewrite it
	// records against what was compiled.
	tooldir, err := exec.Command("go", "env", "GOTOOLDIR").Output()
	if err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(rf, "lib/lib.a"), "")
	if out, err := exec.Command(filepath.Join(strings.TrimSpace(string(tooldir)), "compile"), "-p", "example.com/lib", "-pack", "-o", filepath.Join(rf, "lib/lib.a"), filepath.Join(rf, "app/app_hot.kit/src/example.com/lib/lib.go")).CombinedOutput(); err != nil {
		t.Fatalf("compiling lib: %v\n%s", err, out)
	}
	// The hot SDK compiles the kit's package main as "main".
	if out, err := exec.Command(filepath.Join(strings.TrimSpace(string(tooldir)), "compile"), "-p", "main", "-pack", "-o", filepath.Join(rf, "app/main.a"), filepath.Join(rf, "app/app_hot.kit/src/main/main.go"), filepath.Join(rf, "app/app_hot.kit/src/main/zz_gohot_agent.go")).CombinedOutput(); err != nil {
		t.Fatalf("compiling main: %v\n%s", err, out)
	}
	d := Description{
		Format: Format, Label: "//app:app_hot", Workspace: "ws", Binary: "app/app_hot.hotbin_/app",
		MainImportPath: "example.com/app", Stdlib: "../io_bazel_rules_go/stdlib_/pkg", SDK: "../go_hot_sdk_tools/sdk.json",
		Packages: []Package{
			{ImportPath: "example.com/app", ImportMap: "main", Label: "//app:app_hot.hotkit", Archive: "app/main.a", MainRepo: true, Main: true,
				Srcs: []Src{
					{Path: "app/main.go", Source: true, Snapshot: "app/app_hot.kit/src/main/main.go"},
					{Path: "../rules_go_hot/rules/private/_inject/zz_gohot_agent.go", Source: true, Snapshot: "app/app_hot.kit/src/main/zz_gohot_agent.go", Injected: true},
				}},
			{ImportPath: "example.com/lib", ImportMap: "example.com/lib", Label: "//lib", Archive: "lib/lib.a", MainRepo: true,
				Srcs: []Src{{Path: "lib/lib.go", Source: true, Snapshot: "app/app_hot.kit/src/example.com/lib/lib.go"}, {Path: "lib/lib.h", Source: true}}},
			{ImportPath: "example.com/gen", ImportMap: "example.com/gen", Label: "//gen", Archive: "gen/gen.a", MainRepo: true,
				Srcs: []Src{{Path: "bazel-out/k8/bin/gen/gen.go"}}},
			{ImportPath: "github.com/x/y", ImportMap: "example.com/vendor/github.com/x/y", Label: "@com_github_x_y//:y", Archive: "../com_github_x_y/y.a",
				Srcs: []Src{{Path: "../com_github_x_y/y.go", Source: true}}},
			{ImportPath: "github.com/gohot/rules_go_hot/runtime/agent", ImportMap: "github.com/gohot/rules_go_hot/runtime/agent", Label: "//runtime/agent", Archive: "runtime/agent/agent.a", MainRepo: true,
				Srcs: []Src{{Path: "runtime/agent/agent.go", Source: true, Snapshot: "x/agent.go"}}},
		},
	}
	b, _ := json.Marshal(d)
	write(filepath.Join(rf, "app/app_hot.kit/kit.json"), string(b))

	k, _, err := Load(Options{Kit: filepath.Join(rf, "app/app_hot.kit/kit.json"), Runfiles: rf, Workspace: workspace, Dir: filepath.Join(root, "kit")})
	if err != nil {
		t.Fatal(err)
	}
	if k.MainPackage != "example.com/app" || k.GOROOT != "/go" || k.GoVersion != "go1.26.8" || k.BuildID == "" {
		t.Errorf("kit %+v", k)
	}
	// The kit holds its own links to the archives: Bazel's next build
	// replaces its outputs, the base's archives must stay.
	if a := k.ArchivePath("net/http"); !strings.HasPrefix(a, filepath.Join(root, "kit", "archives")) || !k.Packages["net/http"].Standard {
		t.Errorf("net/http archive %q", a)
	}
	stdlib := filepath.Join(root, "runfiles/io_bazel_rules_go/stdlib_/pkg/linux_amd64_dynlink/net/http.a")
	os.Remove(stdlib)
	write(stdlib, "rebuilt")
	if b, err := os.ReadFile(k.ArchivePath("net/http")); err != nil || string(b) != "!<arch>\n" {
		t.Errorf("the kit's net/http archive changed with Bazel's: %q, %v", b, err)
	}
	app := k.Packages["example.com/app"]
	if !app.Main || app.Name != "main" || app.Archive == "" || app.LinkPath() != "main" || app.Dir != filepath.Join(workspace, "app") || !slices.Equal(app.Files, []string{"main.go"}) || app.Hash == "" {
		t.Errorf("main package %+v", app)
	}
	// rules_go compiles at the SDK's language version (no -lang): the
	// patcher must compile at the same, spelled as -lang takes it.
	if app.Lang != "go1.26" {
		t.Errorf("main package language %q, want go1.26 (the SDK's go1.26.8 as -lang spells it)", app.Lang)
	}
	// The patcher diffs against the sources as built, not as they are now.
	if src, _ := os.ReadFile(filepath.Join(k.SourceDir("example.com/app"), "main.go")); !strings.Contains(string(src), "as built") {
		t.Errorf("snapshot of main.go: %q", src)
	}
	if lib := k.Packages["example.com/lib"]; !lib.Main || lib.Name != "" || lib.Dir != filepath.Join(workspace, "lib") || lib.LinkPath() != "example.com/lib" {
		t.Errorf("lib %+v", lib)
	}
	for _, path := range []string{"example.com/gen", "github.com/x/y", "github.com/gohot/rules_go_hot/runtime/agent"} {
		if p := k.Packages[path]; p == nil || p.Main || p.Archive == "" {
			t.Errorf("%s: %+v, want a non-patchable package with its archive", path, p)
		}
	}
	if y := k.Packages["github.com/x/y"]; y.LinkPath() != "example.com/vendor/github.com/x/y" {
		t.Errorf("importmap of github.com/x/y: %q", y.LinkPath())
	}
	saved, err := kit.Load(filepath.Join(root, "kit"))
	if err != nil || saved.MainPackage != k.MainPackage {
		t.Errorf("kit.json saved: %v", err)
	}

	if k.Shared != nil || Library(k) != "" {
		t.Errorf("a description without a shared library made a Shared kit: %+v", k.Shared)
	}
	if _, err := Program(&d, rf); err == nil || !strings.Contains(err.Error(), "no shared standard library") {
		t.Errorf("Program of a description without a shared library: %v", err)
	}

	// Linked against the shared standard library: the kit takes every
	// standard package from its own link of the library, and patches link
	// with its own link of the private linker (Bazel replaces its outputs).
	write(filepath.Join(rf, "../rules_go_hot/rules/private/shared_std/libstd.so"), "the library")
	write(filepath.Join(rf, "../rules_go_hot/rules/private/shared_std/link"), "the linker")
	shared := d
	shared.Shlib, shared.Linker = "../rules_go_hot/rules/private/shared_std/libstd.so", "../rules_go_hot/rules/private/shared_std/link"
	b, _ = json.Marshal(shared)
	write(filepath.Join(rf, "app/app_hot.kit/shared.json"), string(b))
	ks, _, err := Load(Options{Kit: filepath.Join(rf, "app/app_hot.kit/shared.json"), Runfiles: rf, Workspace: workspace, Dir: filepath.Join(root, "kit-shared")})
	if err != nil {
		t.Fatal(err)
	}
	lib := Library(ks)
	if ks.Shared == nil || lib != filepath.Join(root, "kit-shared", "lib", "libstd.so") || ks.Abs(ks.Shared.Linker) != filepath.Join(root, "kit-shared", "lib", "link") {
		t.Fatalf("shared kit: %+v, library %q", ks.Shared, lib)
	}
	os.Remove(filepath.Join(rf, "../rules_go_hot/rules/private/shared_std/libstd.so"))
	if b, err := os.ReadFile(lib); err != nil || string(b) != "the library" {
		t.Errorf("the kit's library went with Bazel's: %q, %v", b, err)
	}
	if p := ks.Packages["net/http"]; ks.Abs(p.Shlib) != lib {
		t.Errorf("net/http from %q, want the kit's library %s", p.Shlib, lib)
	}
	if p := ks.Packages["example.com/lib"]; p.Shlib != "" {
		t.Errorf("example.com/lib from a shared library %q: only standard packages are", p.Shlib)
	}
	if fi, err := os.Stat(ks.Abs(ks.Shared.FlagCache)); err != nil || !fi.IsDir() {
		t.Errorf("the linker's flag cache: %v", err)
	}
	prog, err := Program(&shared, rf)
	if err != nil {
		t.Fatal(err)
	}
	if prog.Main != filepath.Join(rf, "app/main.a") || prog.Packages["main"] != prog.Main || prog.Packages["example.com/vendor/github.com/x/y"] != filepath.Join(rf, "../com_github_x_y/y.a") ||
		prog.Std["net/http"] == "" || prog.Shlib != filepath.Join(rf, "../rules_go_hot/rules/private/shared_std/libstd.so") {
		t.Errorf("program to link: %+v", prog)
	}

	// Stale or foreign descriptions are refused with the reason.
	d.Format = 99
	b, _ = json.Marshal(d)
	write(filepath.Join(rf, "bad.json"), string(b))
	if _, _, err := Load(Options{Kit: filepath.Join(rf, "bad.json"), Runfiles: rf, Workspace: workspace, Dir: filepath.Join(root, "kit2")}); err == nil || !strings.Contains(err.Error(), "kit format 99") {
		t.Errorf("format 99: %v", err)
	}
	d.Format, d.Stdlib = Format, "nowhere"
	b, _ = json.Marshal(d)
	write(filepath.Join(rf, "bad.json"), string(b))
	if _, _, err := Load(Options{Kit: filepath.Join(rf, "bad.json"), Runfiles: rf, Workspace: workspace, Dir: filepath.Join(root, "kit2")}); err == nil || !strings.Contains(err.Error(), "standard library") {
		t.Errorf("no stdlib: %v", err)
	}
}

// TestRaceBinaryPlain: a program linked without the race detector is not
// taken for a race build (TestRunRacePatch checks a race one: building
// the race standard library here would cost minutes).
func TestRaceBinaryPlain(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/plain\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), 0o644)
	bin := filepath.Join(dir, "plain")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if race, err := RaceBinary(bin); err != nil || race {
		t.Fatalf("RaceBinary(plain) = %v, %v", race, err)
	}
	if _, err := RaceBinary(filepath.Join(dir, "main.go")); err == nil {
		t.Fatal("RaceBinary of a Go source file: no error")
	}
}
