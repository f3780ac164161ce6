package bazelkit

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The Starlark that writes the kit description, relative to this package.
var (
	namesBzl  = filepath.Join("..", "..", "..", "rules", "private", "names.bzl")
	binaryBzl = filepath.Join("..", "..", "..", "rules", "private", "binary.bzl")
)

// TestStarlarkAgrees: go_hot_binary writes the description this package
// reads. Format is the owner of its version; names.bzl's KIT_FORMAT must be
// the same, and binary.bzl must write every field the description has.
func TestStarlarkAgrees(t *testing.T) {
	names, err := os.ReadFile(namesBzl)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^KIT_FORMAT = (\d+)$`).FindSubmatch(names)
	if m == nil {
		t.Fatalf("%s: no `KIT_FORMAT = <number>` line", namesBzl)
	}
	if n, _ := strconv.Atoi(string(m[1])); n != Format {
		t.Errorf("%s: KIT_FORMAT = %d, bazelkit.Format = %d: set KIT_FORMAT to %d", namesBzl, n, Format, Format)
	}

	binary, err := os.ReadFile(binaryBzl)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{Description{}, Package{}, Src{}} {
		for _, key := range jsonKeys(reflect.TypeOf(v)) {
			if !strings.Contains(string(binary), strconv.Quote(key)) {
				t.Errorf("%s writes no %q: bazelkit.%T reads it", binaryBzl, key, v)
			}
		}
	}
}

// jsonKeys are the JSON names of a struct's fields.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}
