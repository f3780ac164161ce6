package kit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gohot/rules_go_hot/hotreload/internal/testutil"
)

func writeModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":     "module example.com/k\n\ngo 1.26\n",
		"main.go":    "package main\n\nimport \"example.com/k/lib\"\n\nfunc main() { println(lib.N()) }\n",
		"lib/lib.go": "package lib\n\nfunc N() int { return 1 }\n",
	}
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSnapshot: the kit describes every package of the program, copies
// the main module's sources, notices an edit made after the snapshot, and
// survives a save and load.
func TestSnapshot(t *testing.T) {
	mod := writeModule(t)
	kdir := t.TempDir()
	k, err := Snapshot(kdir, ".", Options{Dir: mod, Env: os.Environ(), WrapperID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if k.MainPackage != "example.com/k" || k.ModulePath != "example.com/k" || k.GoVersion == "" {
		t.Fatalf("kit %+v", k)
	}
	lib := k.Packages["example.com/k/lib"]
	if lib == nil || !lib.Main || lib.Hash == "" || !slices.Equal(lib.Files, []string{"lib.go"}) || lib.Lang != "go1.26" {
		t.Fatalf("lib %+v", lib)
	}
	if rt := k.Packages["runtime"]; rt == nil || rt.Main || !rt.Standard || rt.Hash == "" {
		t.Fatalf("runtime %+v", rt)
	}
	if b, err := os.ReadFile(filepath.Join(k.SourceDir("example.com/k/lib"), "lib.go")); err != nil || string(b) != "package lib\n\nfunc N() int { return 1 }\n" {
		t.Fatalf("snapshot: %q %v", b, err)
	}
	if changed, err := k.Verify(); err != nil || len(changed) != 0 {
		t.Fatalf("verify before an edit: %v %v", changed, err)
	}
	os.WriteFile(filepath.Join(mod, "lib", "lib.go"), []byte("package lib\n\nfunc N() int { return 2 }\n"), 0o644)
	if changed, err := k.Verify(); err != nil || !slices.Equal(changed, []string{"example.com/k/lib"}) {
		t.Fatalf("verify after an edit: %v %v", changed, err)
	}

	k.BuildID = "abc/def"
	if err := k.Save(); err != nil {
		t.Fatal(err)
	}
	k2, err := Load(kdir)
	if err != nil {
		t.Fatal(err)
	}
	if k2.BuildID != "abc/def" || k2.Packages["example.com/k/lib"].Hash != lib.Hash || k2.Dir != kdir {
		t.Fatalf("loaded %+v", k2)
	}
	if t2 := k2.BaseTable(); t2["example.com/k/lib"] != lib.Hash || t2["runtime"] == "" {
		t.Fatalf("base table %v", t2)
	}
	if _, err := k2.OpenArchive("example.com/k/lib"); err == nil {
		t.Fatal("an archive before RecordArchives")
	}
}

// TestSnapshotRace: a race build is one by its flags or by GOFLAGS (the
// go command applies both; the patches must be built the same way).
func TestSnapshotRace(t *testing.T) {
	mod := writeModule(t)
	for _, c := range []struct {
		goflags string
		flags   []string
		race    bool
	}{
		{"", nil, false},
		{"", []string{"-race"}, true},
		{"-race", nil, true},
		{"-trimpath -race", nil, true},
		{"-race", []string{"-race=false"}, false},
	} {
		env := append(os.Environ(), "GOFLAGS="+c.goflags)
		k, err := Snapshot(t.TempDir(), ".", Options{Dir: mod, Env: env, Flags: c.flags})
		if err != nil {
			t.Fatal(err)
		}
		if k.Race != c.race {
			t.Errorf("GOFLAGS=%q, flags %q: Race = %v, want %v", c.goflags, c.flags, k.Race, c.race)
		}
	}
}

func TestNotMain(t *testing.T) {
	mod := writeModule(t)
	if _, err := Snapshot(t.TempDir(), "./lib", Options{Dir: mod, Env: os.Environ()}); err == nil {
		t.Fatal("a library package accepted as the program")
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	testutil.WriteFiles(t, dir, files)
}

// TestLangVersion: a go line is turned into what the compiler's -lang
// takes, as the go command does (go1.26.0 is not a valid -lang).
func TestLangVersion(t *testing.T) {
	for _, c := range []struct {
		modGo, toolchain string
		std              bool
		want             string
	}{
		{"1.26.0", "go1.26.8", false, "go1.26"},
		{"1.26", "go1.26.8", false, "go1.26"},
		{"1.21rc1", "go1.26.8", false, "go1.21"},
		{"1.21.0", "go1.26.8", false, "go1.21"},
		{"1.13", "go1.26.8", false, "go1.13"},
		{"go1.24.2", "go1.26.8", false, "go1.24"}, // already prefixed (an old kit.json)
		{"", "go1.26.8", false, "go1.16"},         // no go line
		{"1.30.1", "go1.26.8", false, "go1.26"},   // newer than the toolchain
		{"", "go1.26.8", true, "go1.26"},          // the standard library
		{"1.13", "devel go1.27-abcdef", false, "go1.13"},
		{"1.5", "go1.26.8", false, "go1.9"}, // raised: instrumentation needs type aliases
		{"1.9", "go1.26.8", false, "go1.9"},
	} {
		if got := LangVersion(c.modGo, c.toolchain, c.std); got != c.want {
			t.Errorf("LangVersion(%q, %q, %v) = %q, want %q", c.modGo, c.toolchain, c.std, got, c.want)
		}
	}
}

// TestSnapshotLang: whatever a module's go line says, the kit records a
// valid -lang for its packages (the patcher compiles patches with it).
func TestSnapshotLang(t *testing.T) {
	for goLine, want := range map[string]string{
		"go 1.26.0\n":  "go1.26",
		"go 1.21rc1\n": "go1.21",
		"go 1.13\n":    "go1.13",
		"":             "go1.16",
	} {
		mod := t.TempDir()
		writeFiles(t, mod, map[string]string{
			"go.mod":  "module example.com/l\n\n" + goLine,
			"main.go": "package main\n\nfunc main() {}\n",
		})
		k, err := Snapshot(t.TempDir(), ".", Options{Dir: mod, Env: append(os.Environ(), "GOTOOLCHAIN=local"), WrapperID: "test"})
		if err != nil {
			t.Fatalf("%q: %v", goLine, err)
		}
		if got := k.Packages["example.com/l"].Lang; got != want {
			t.Errorf("go line %q: main package language %q, want %q", goLine, got, want)
		}
		if got := k.Packages["runtime"].Lang; got != LangVersion("", k.GoVersion, true) {
			t.Errorf("runtime language %q", got)
		}
	}
}

// TestSnapshotEmbed: a package with //go:embed hashes the same at the
// snapshot and at the check after the build (it used to look changed
// every time, and the base was built four times); a change to an embedded
// file is seen, and named.
func TestSnapshotEmbed(t *testing.T) {
	mod := t.TempDir()
	writeFiles(t, mod, map[string]string{
		"go.mod":                   "module example.com/e\n\ngo 1.26.0\n",
		"main.go":                  "package main\n\nimport \"example.com/e/assets\"\n\nfunc main() { println(assets.Index) }\n",
		"assets/assets.go":         "package assets\n\nimport _ \"embed\"\n\n//go:embed static/index.html\nvar Index string\n",
		"assets/static/index.html": "<p>hello</p>\n",
	})
	k, err := Snapshot(t.TempDir(), ".", Options{Dir: mod, Env: os.Environ(), WrapperID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	p := k.Packages["example.com/e/assets"]
	if p == nil || len(p.Embeds) != 1 || p.Embeds["static/index.html"] == "" {
		t.Fatalf("assets %+v", p)
	}
	if changed, err := k.Verify(); err != nil || len(changed) != 0 {
		t.Fatalf("verify, nothing edited: %v %v", changed, err)
	}
	if h, err := k.SnapshotHash(p); err != nil || h != p.Hash {
		t.Fatalf("snapshot hash %s, package hash %s (%v)", h, p.Hash, err)
	}
	if ch, err := k.EmbedChanges(); err != nil || len(ch) != 0 {
		t.Fatalf("embed changes, nothing edited: %v %v", ch, err)
	}
	if dirs := k.EmbedDirs(); !slices.Equal(dirs, []string{filepath.Join(mod, "assets", "static")}) {
		t.Fatalf("embed dirs %v", dirs)
	}

	writeFiles(t, mod, map[string]string{"assets/static/index.html": "<p>bye</p>\n"})
	if changed, err := k.Verify(); err != nil || !slices.Equal(changed, []string{"example.com/e/assets"}) {
		t.Fatalf("verify after an edit of the embedded file: %v %v", changed, err)
	}
	ch, err := k.EmbedChanges()
	if err != nil || len(ch) != 1 || ch[0].Package != "example.com/e/assets" || ch[0].File != filepath.Join(mod, "assets", "static", "index.html") {
		t.Fatalf("embed changes: %+v %v", ch, err)
	}
	os.Remove(filepath.Join(mod, "assets", "static", "index.html"))
	if ch, err := k.EmbedChanges(); err != nil || len(ch) != 1 {
		t.Fatalf("embed changes after a removal: %+v %v", ch, err)
	}
	// A Go file removed during the build is a change, not an error.
	os.Remove(filepath.Join(mod, "assets", "assets.go"))
	if changed, err := k.Verify(); err != nil || !slices.Equal(changed, []string{"example.com/e/assets"}) {
		t.Fatalf("verify after a removal: %v %v", changed, err)
	}
}

// TestSnapshotOverlay: the kit's archives are built through an overlay
// that maps every source and embedded file of the main module to its
// snapshot (the base's sources), on top of the build's own overlay (the
// injected agent), so an edit saved after the snapshot cannot reach them;
// a file added since is found, to be hidden.
func TestSnapshotOverlay(t *testing.T) {
	mod := t.TempDir()
	orig := map[string]string{
		"go.mod":                   "module example.com/e\n\ngo 1.26.0\n",
		"main.go":                  "package main\n\nimport \"example.com/e/assets\"\n\nfunc main() { println(assets.Index) }\n",
		"assets/assets.go":         "package assets\n\nimport _ \"embed\"\n\n//go:embed static/*.html\nvar Index string\n",
		"assets/static/index.html": "<p>hello</p>\n",
	}
	writeFiles(t, mod, orig)
	// The build's own overlay adds a file to package main.
	injected := filepath.Join(t.TempDir(), "injected.go")
	writeFiles(t, filepath.Dir(injected), map[string]string{"injected.go": "package main\n"})
	userOv := filepath.Join(t.TempDir(), "overlay.json")
	writeFiles(t, filepath.Dir(userOv), map[string]string{"overlay.json": `{"Replace":{"` + filepath.Join(mod, "zz_injected.go") + `":"` + injected + `"}}`})
	opts := Options{Dir: mod, Env: os.Environ(), WrapperID: "test", Flags: []string{"-tags", "x", "-overlay=" + userOv}}
	k, err := Snapshot(t.TempDir(), ".", Options{Dir: mod, Env: os.Environ(), WrapperID: "test", Flags: []string{"-tags", "x"}})
	if err != nil {
		t.Fatal(err)
	}
	// Edited after the snapshot, and a file added.
	writeFiles(t, mod, map[string]string{
		"assets/assets.go":         "package assets\n\nimport _ \"embed\"\n\n//go:embed static/*.html\nvar Index string\n\ntype New struct{}\n",
		"assets/static/index.html": "<p>bye</p>\n",
		"assets/new.go":            "package assets\n\nfunc Added() {}\n",
		"assets/static/new.html":   "new\n",
	})
	flags, replace, given, err := k.snapshotOverlay(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(flags, []string{"-tags", "x"}) {
		t.Errorf("flags %q", flags)
	}
	if replace[filepath.Join(mod, "zz_injected.go")] != injected || !given[filepath.Join(mod, "zz_injected.go")] || len(given) != 1 {
		t.Errorf("the build's own overlay is lost: %v %v", replace, given)
	}
	for name, want := range map[string]string{"assets/assets.go": orig["assets/assets.go"], "main.go": orig["main.go"], "assets/static/index.html": orig["assets/static/index.html"]} {
		to := replace[filepath.Join(mod, filepath.FromSlash(name))]
		if b, err := os.ReadFile(to); err != nil || string(b) != want {
			t.Errorf("%s is replaced by %q: %q %v, want the snapshot", name, to, b, err)
		}
	}
	b, _ := json.Marshal(struct{ Replace map[string]string }{replace})
	ov := filepath.Join(t.TempDir(), "ov.json")
	writeFiles(t, filepath.Dir(ov), map[string]string{"ov.json": string(b)})
	pkgs, err := goList(context.Background(), mod, os.Environ(), "-overlay="+ov, ".")
	if err != nil {
		t.Fatal(err)
	}
	added := k.addedFiles(pkgs, given)
	if want := []string{filepath.Join(mod, "assets", "new.go"), filepath.Join(mod, "assets", "static", "new.html")}; !slices.Equal(added, want) {
		t.Errorf("added %q, want %q", added, want)
	}
	for _, f := range added {
		replace[f] = ""
	}
	b, _ = json.Marshal(struct{ Replace map[string]string }{replace})
	writeFiles(t, filepath.Dir(ov), map[string]string{"ov.json": string(b)})
	if pkgs, err = goList(context.Background(), mod, os.Environ(), "-overlay="+ov, "."); err != nil {
		t.Fatal(err)
	}
	if added := k.addedFiles(pkgs, given); len(added) != 0 {
		t.Errorf("hidden, still added: %q", added)
	}
}
