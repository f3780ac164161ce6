package agent

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// stamped writes data as dir/name.so with a manifest vouching for it.
func stamped(t *testing.T, dir, name string, data []byte) (string, *protocol.Manifest) {
	t.Helper()
	so := filepath.Join(dir, name+".so")
	if err := os.WriteFile(so, data, 0o755); err != nil {
		t.Fatal(err)
	}
	m := &protocol.Manifest{Format: protocol.Format, PatchID: name}
	if err := m.Stamp(so); err != nil {
		t.Fatal(err)
	}
	if err := protocol.WriteManifest(protocol.ManifestPath(so), m); err != nil {
		t.Fatal(err)
	}
	return so, m
}

func TestReadPatchFiles(t *testing.T) {
	dir := t.TempDir()
	so, m := stamped(t, dir, "p", []byte("plugin bytes"))
	if _, got, _, err := readManifest(so); err != nil || got.SHA256 != m.SHA256 || got.Size != 12 {
		t.Fatalf("readManifest: %+v %v", got, err)
	}
	cp, cleanup, _, err := privateCopy(so, m)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(cp)
	fi, _ := os.Stat(filepath.Dir(cp))
	if string(data) != "plugin bytes" || fi.Mode().Perm() != 0o700 || filepath.Dir(cp) == dir {
		t.Fatalf("copy %s: %q, dir mode %v", cp, data, fi.Mode())
	}
	cleanup()
	if _, err := os.Stat(filepath.Dir(cp)); !os.IsNotExist(err) {
		t.Fatalf("private directory left: %v", err)
	}

	refused := func(what, plugin string, m *protocol.Manifest, code string, says ...string) {
		t.Helper()
		var err error
		var got string
		if m == nil {
			_, _, got, err = readManifest(plugin)
		} else {
			var cleanup func()
			_, cleanup, got, err = privateCopy(plugin, m)
			if err == nil {
				cleanup()
			}
		}
		if err == nil || got != code {
			t.Fatalf("%s: code %q, %v; want code %s", what, got, err, code)
		}
		for _, s := range says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: %q does not say %q", what, err, s)
			}
		}
	}

	// The bytes are not the manifest's.
	os.WriteFile(so, []byte("plugin BYTES"), 0o755)
	refused("modified", so, m, protocol.CodeDigest, "SHA-256", m.SHA256, "nothing was loaded")
	os.WriteFile(so, []byte("plugin"), 0o755)
	refused("truncated", so, m, protocol.CodeDigest, "has 6 bytes, the manifest says 12")

	// Files others could have written.
	link := filepath.Join(dir, "link.so")
	os.Symlink(so, link)
	os.Symlink(protocol.ManifestPath(so), protocol.ManifestPath(link))
	refused("symlinked manifest", link, nil, protocol.CodeUnsafe, "symbolic link")
	refused("symlinked plugin", link, m, protocol.CodeUnsafe, "symbolic link")
	os.Chmod(so, 0o775)
	refused("group-writable", so, m, protocol.CodeUnsafe, "writable by group or others (mode -rwxrwxr-x)")
	os.Chmod(so, 0o755)
	fifo := filepath.Join(dir, "fifo.so")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	refused("fifo", fifo, m, protocol.CodeUnsafe, "not a regular file") // and does not block
	loose := filepath.Join(t.TempDir(), "loose")
	os.Mkdir(loose, 0o777)
	os.Chmod(loose, 0o777)
	looseSo, looseM := stamped(t, loose, "p", []byte("x"))
	refused("loose directory", looseSo, looseM, protocol.CodeUnsafe, "its directory", "writable by group or others")
	refused("loose directory's manifest", looseSo, nil, protocol.CodeUnsafe, "its directory")
	if os.Getuid() == 0 {
		os.Chown(so, 65534, 65534)
		refused("other owner", so, m, protocol.CodeUnsafe, "owned by uid 65534")
		os.Chown(so, 0, 0)
		sticky := filepath.Join(t.TempDir(), "sticky")
		os.Mkdir(sticky, 0o755)
		os.Chmod(sticky, 0o777|os.ModeSticky)
		stickySo, stickyM := stamped(t, sticky, "p", []byte("y"))
		if _, cleanup, _, err := privateCopy(stickySo, stickyM); err != nil {
			t.Errorf("a sticky directory (others cannot replace our files): %v", err)
		} else {
			cleanup()
		}
	}
	refused("missing", filepath.Join(dir, "none.so"), nil, protocol.CodeNotFound, "no manifest")
	os.WriteFile(protocol.ManifestPath(so), []byte(`{"format":2,"patch_id":"x"}`), 0o644)
	refused("no digest", so, nil, protocol.CodeInvalid, "no valid sha256")
}

// plugins builds, once, a real Go plugin and a C shared library whose
// constructor writes a file.
var (
	pluginsOnce sync.Once
	pluginsDir  string
	pluginsErr  error
)

func testPlugins(t *testing.T) (goPlugin, cLib, marker string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	pluginsOnce.Do(func() {
		pluginsDir, pluginsErr = os.MkdirTemp("", "agent-elf-")
		if pluginsErr != nil {
			return
		}
		files := map[string]string{
			"go.mod":     "module example.com/elfcheck\n\ngo 1.26\n",
			"p.go":       "package main\n\nvar " + protocol.PatchSlotsSymbol + " = []any{}\nvar " + protocol.PatchNamesSymbol + " = []string{}\n",
			"evil.c.txt": "#include <stdio.h>\n__attribute__((constructor)) static void evil(void) { FILE *f = fopen(\"" + filepath.Join(pluginsDir, "ran") + "\", \"w\"); if (f) fclose(f); }\n",
		}
		for name, src := range files {
			if pluginsErr = os.WriteFile(filepath.Join(pluginsDir, name), []byte(src), 0o644); pluginsErr != nil {
				return
			}
		}
		for _, c := range [][]string{
			{"go", "build", "-buildmode=plugin", "-o", "p.so", "."},
			{"gcc", "-shared", "-fPIC", "-o", "c.so", "-x", "c", "evil.c.txt"},
		} {
			cmd := exec.Command(c[0], c[1:]...)
			cmd.Dir = pluginsDir
			if out, err := cmd.CombinedOutput(); err != nil {
				pluginsErr = &exec.Error{Name: strings.Join(c, " ") + ": " + string(out), Err: err}
				return
			}
		}
	})
	if pluginsErr != nil {
		t.Fatal(pluginsErr)
	}
	return filepath.Join(pluginsDir, "p.so"), filepath.Join(pluginsDir, "c.so"), filepath.Join(pluginsDir, "ran")
}

func TestCheckELF(t *testing.T) {
	goPlugin, cLib, marker := testPlugins(t)
	good, err := os.ReadFile(goPlugin)
	if err != nil {
		t.Fatal(err)
	}
	check := func(data []byte) error {
		p := filepath.Join(t.TempDir(), "x.so")
		os.WriteFile(p, data, 0o755)
		return checkELF(p, int64(len(data)))
	}
	if err := check(good); err != nil {
		t.Fatalf("a Go plugin: %v", err)
	}
	random := make([]byte, 64<<10)
	rand.Read(random)
	clib, _ := os.ReadFile(cLib)
	exe, _ := os.ReadFile("/proc/self/exe")
	noTable := bytes.ReplaceAll(good, []byte(protocol.PatchSlotsSymbol), []byte("GoHotPatchSlotz"))
	for _, c := range []struct {
		what string
		data []byte
		says string
	}{
		{"1 KB of a plugin", good[:1024], "truncated"},
		{"half a plugin", good[:len(good)/2], "truncated"},
		{"all but the last byte", good[:len(good)-1], "truncated"},
		{"an ELF header and random bytes", append(append([]byte(nil), good[:64]...), random...), ""},
		{"random bytes", random, "not a complete ELF file"},
		{"a C library", clib, "not a Go plugin"},
		{"an executable", exe, "not a shared object"},
		{"a plugin without the patch table", noTable, "exports no GoHotPatchSlots"},
	} {
		err := check(c.data)
		if err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v; want an error saying %q", c.what, err, c.says)
		} else {
			t.Logf("%s: %v", c.what, err)
		}
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatalf("the C library's constructor ran: %v", err)
	}
}
