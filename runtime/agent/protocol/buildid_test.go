package protocol

import (
	"encoding/binary"
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
