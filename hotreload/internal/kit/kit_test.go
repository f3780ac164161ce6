package kit

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
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

func TestNotMain(t *testing.T) {
	mod := writeModule(t)
	if _, err := Snapshot(t.TempDir(), "./lib", Options{Dir: mod, Env: os.Environ()}); err == nil {
		t.Fatal("a library package accepted as the program")
	}
}
