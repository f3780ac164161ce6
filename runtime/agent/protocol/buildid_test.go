package protocol

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindGoNote(t *testing.T) {
	note := func(name string, typ uint32, desc string) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(name)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
		b = binary.LittleEndian.AppendUint32(b, typ)
		b = append(b, name...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		b = append(b, desc...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	data := append(note("GNU\x00", 3, "gnuid"), note("Go\x00\x00", 4, "a/b/c/d")...)
	if id, ok := findGoNote(data, binary.LittleEndian, 4); !ok || id != "a/b/c/d" {
		t.Errorf("findGoNote = %q, %v", id, ok)
	}
	if _, ok := findGoNote(data[:20], binary.LittleEndian, 4); ok {
		t.Error("found a note in a truncated buffer")
	}
}

// A binary whose build ID was redacted (rules_go links every binary with
// -buildid=redacted) is identified by its contents; others by build ID.
func TestReadIdentity(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module m\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build := func(out string, flags ...string) string {
		cmd := exec.Command("go", append(append([]string{"build", "-o", out}, flags...), ".")...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
		return filepath.Join(dir, out)
	}
	plain := build("plain")
	id, err := ReadIdentity(plain)
	if want, _ := ReadBuildID(plain); err != nil || id != want || strings.HasPrefix(id, "sha256:") {
		t.Errorf("plain build: identity %q, %v; build ID %q", id, err, want)
	}
	a := build("a", "-ldflags=-buildid=redacted")
	b := build("b", "-ldflags=-buildid=redacted -s")
	ida, erra := ReadIdentity(a)
	idb, errb := ReadIdentity(b)
	if erra != nil || errb != nil || !strings.HasPrefix(ida, "sha256:") || len(ida) != len("sha256:")+64 || ida == idb {
		t.Errorf("redacted builds: %q (%v), %q (%v): want distinct sha256 identities", ida, erra, idb, errb)
	}
	if _, err := ReadIdentity(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file has an identity")
	}
}
