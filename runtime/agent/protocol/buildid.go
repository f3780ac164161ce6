package protocol

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// The Go linker records the build ID in an ELF note named "Go" of type 4,
// in section .note.go.buildid (also reachable through a PT_NOTE segment
// when section headers are gone). It is what `go tool buildid` prints.
const goBuildIDNoteType = 4

// ReadIdentity returns what identifies the build of the ELF file at path:
// its Go build ID, or, when the build system redacted it (rules_go links
// every binary with -buildid=redacted, so it tells no two apart), the
// SHA-256 of the file's contents, as "sha256:<hex>".
func ReadIdentity(path string) (string, error) {
	id, err := ReadBuildID(path)
	if err == nil && id != "" && id != "redacted" {
		return id, nil
	}
	f, ferr := os.Open(path)
	if ferr != nil {
		return "", ferr
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// ReadBuildID returns the Go build ID of the ELF file at path (an
// executable or a plugin), as `go tool buildid` prints it.
func ReadBuildID(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if s := f.Section(".note.go.buildid"); s != nil {
		data, err := s.Data()
		if err != nil {
			return "", fmt.Errorf("%s: %v", path, err)
		}
		if id, ok := findGoNote(data, f.ByteOrder, 0); ok {
			return id, nil
		}
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_NOTE {
			continue
		}
		data, err := io.ReadAll(p.Open())
		if err != nil {
			return "", fmt.Errorf("%s: %v", path, err)
		}
		if id, ok := findGoNote(data, f.ByteOrder, p.Align); ok {
			return id, nil
		}
	}
	return "", errors.New(path + ": no Go build ID note (not built by the go command?)")
}

// findGoNote scans a sequence of ELF notes for the Go build ID.
func findGoNote(data []byte, bo binary.ByteOrder, align uint64) (string, bool) {
	if align < 4 {
		align = 4
	}
	for len(data) >= 12 {
		nameSize := uint64(bo.Uint32(data))
		descSize := uint64(bo.Uint32(data[4:]))
		typ := bo.Uint32(data[8:])
		nameEnd := 12 + (nameSize+3)&^3
		descEnd := nameEnd + descSize
		if descEnd > uint64(len(data)) {
			return "", false
		}
		if typ == goBuildIDNoteType && string(bytes.TrimRight(data[12:12+nameSize], "\x00")) == "Go" {
			return string(data[nameEnd:descEnd]), true
		}
		next := (descEnd + align - 1) &^ (align - 1)
		if next > uint64(len(data)) {
			break
		}
		data = data[next:]
	}
	return "", false
}
