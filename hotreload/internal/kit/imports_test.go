package kit

import (
	"sort"
	"strings"
	"testing"
)

func TestImporters(t *testing.T) {
	got := ImportersIn(map[string]bool{"m/c": true}, map[string][]string{"m": {"fmt", "m/a"}, "m/a": {"m/b"}, "m/b": {"m/c", "os"}, "m/d": {"m/e"}, "m/e": nil})
	var names []string
	for p := range got {
		names = append(names, p)
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "m m/a m/b" {
		t.Errorf("importers of m/c: %v", names)
	}
}
