package hotsession

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Edit replaces the first old in file (relative to Dir) with new, saving
// the file as many editors do.
func (s *Session) Edit(file, old, new string) {
	s.t.Helper()
	if !filepath.IsAbs(file) {
		file = filepath.Join(s.Dir, file)
	}
	if err := EditFile(file, old, new); err != nil {
		s.t.Fatalf("%v", err)
	}
}

// EditFile replaces the first old in file with new, saving it as many
// editors do: write a copy, rename it over the file (a watcher sees one
// complete change, never a half-written file).
func EditFile(file, old, new string) error {
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if !strings.Contains(string(b), old) {
		return fmt.Errorf("%s does not contain %q", file, old)
	}
	tmp := file + ".swp~"
	if err := os.WriteFile(tmp, []byte(strings.Replace(string(b), old, new, 1)), fi.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
