package toolexec

import (
	"slices"
	"testing"
)

func TestRecordedDir(t *testing.T) {
	c := &compile{goroot: "/usr/local/go"}
	for _, tc := range []struct {
		dir, trim, want string
	}{
		// cmd/go's usual rule for a build without -trimpath: only its
		// work directory is trimmed, a source dir is recorded as is.
		{"/home/u/app", "/tmp/go-build1/b001=>", "/home/u/app"},
		// Generated (cgo) files live in the work directory.
		{"/tmp/go-build1/b001", "/tmp/go-build1/b001=>", ""},
		// -trimpath: the module directory maps to the module path.
		{"/home/u/app/lib", "/home/u/app=>example.com/app;/tmp/go-build1/b001=>", "example.com/app/lib"},
		// The first matching rule wins.
		{"/a/b/c", "/a/b=>x;/a=>y", "x/c"},
		// Prefixes match whole path elements only.
		{"/a/bc", "/a/b=>x", "/a/bc"},
		// The standard library, unmatched, is recorded relative to $GOROOT.
		{"/usr/local/go/src/strings", "/tmp/go-build1/b001=>", "$GOROOT/src/strings"},
		// ... but a matching rule comes first (go build -trimpath).
		{"/usr/local/go/src/strings", "/usr/local/go=>go", "go/src/strings"},
	} {
		if got := c.recordedDir(tc.dir, tc.trim); got != tc.want {
			t.Errorf("recordedDir(%q, %q) = %q, want %q", tc.dir, tc.trim, got, tc.want)
		}
	}
}

func TestParseCompile(t *testing.T) {
	args := []string{"/go/pkg/tool/linux_amd64/compile", "-o", "/w/b001/_pkg_.a", "-trimpath", "/w/b001=>",
		"-p", "example.com/m/lib", "-lang=go1.22", "-race", "-complete", "-importcfg", "/w/b001/importcfg",
		"-pack", "./a.go", "./b.go"}
	c, err := parseCompile(args)
	if err != nil {
		t.Fatal(err)
	}
	if c.goroot != "/go" || c.pkg != "example.com/m/lib" || c.lang != "go1.22" || !c.race || c.runtime {
		t.Errorf("parsed %+v", c)
	}
	if c.trimIdx != 4 || !slices.Equal(args[c.firstSrc:], []string{"./a.go", "./b.go"}) {
		t.Errorf("trimIdx %d, sources %q", c.trimIdx, args[c.firstSrc:])
	}
}

func TestIsToolInvocation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"/go/pkg/tool/linux_amd64/compile", "-V=full"}, true},
		{[]string{"/go/pkg/tool/linux_amd64/link", "-o", "x"}, true},
		{[]string{"compile", "-V=full"}, false}, // not an absolute path
		{[]string{"/usr/bin/gcc"}, false},
		{[]string{"build", "./..."}, false},
		{nil, false},
	} {
		if got := IsToolInvocation(tc.args); got != tc.want {
			t.Errorf("IsToolInvocation(%q) = %v", tc.args, got)
		}
	}
}

func TestRuntimePackages(t *testing.T) {
	for _, p := range []string{"runtime", "internal/abi", "internal/runtime/maps", "internal/runtime/new/thing"} {
		if !isRuntimePackage(p) {
			t.Errorf("%s not treated as a runtime package", p)
		}
	}
	for _, p := range []string{"strings", "runtime/debug", "internal/reflectlite"} {
		if isRuntimePackage(p) {
			t.Errorf("%s treated as a runtime package", p)
		}
	}
}
