package hotcompile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ReadInlined returns what the archive records under InlineRecord: for
// each callee (linker name), the functions it was inlined into without
// its prologue. An archive compiled otherwise records nothing (an empty
// map): its inlined copies, if any, kept their prologues.
func ReadInlined(archive string) (map[string][]string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := archiveMember(bufio.NewReader(f), InlinedMember)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", archive, err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		caller, callee, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("%s: member %s: unexpected line %q", archive, InlinedMember, line)
		}
		out[callee] = append(out[callee], caller)
	}
	return out, nil
}

// archiveMember returns the contents of the Unix archive's member name, or
// nil if it has none.
func archiveMember(r io.Reader, name string) ([]byte, error) {
	magic := make([]byte, 8)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "!<arch>\n" {
		return nil, fmt.Errorf("not an archive")
	}
	hdr := make([]byte, 60)
	for {
		if _, err := io.ReadFull(r, hdr); err == io.EOF {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(hdr[48:58])), 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("bad archive header %q", hdr)
		}
		padded := size + size&1
		if strings.TrimRight(string(hdr[:16]), " ") == name {
			data := make([]byte, padded)
			if _, err := io.ReadFull(r, data); err != nil {
				return nil, err
			}
			return data[:size], nil
		}
		if _, err := io.CopyN(io.Discard, r, padded); err != nil {
			return nil, err
		}
	}
}
