package gazelle

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bazel-contrib/bazel-gazelle/v2/cmd/gazelle/update"
	"github.com/bazelbuild/bazel-gazelle/language"
	golang "github.com/bazelbuild/bazel-gazelle/language/go"
)

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit replaces old by new in a file, which must contain old.
func edit(t *testing.T, name, old, new string) {
	t.Helper()
	s := read(t, name)
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q:\n%s", name, old, s)
	}
	write(t, name, strings.Replace(s, old, new, 1))
}

// TestLifecycle follows one hot target through successive Gazelle runs,
// each over the previous run's output: created, updated when the go_binary
// is edited by hand, handed over to its author when the marker line goes,
// and removed when the directive is turned off.
func TestLifecycle(t *testing.T) {
	dir := layOut(t, "add")
	build := filepath.Join(dir, "cmd/app/BUILD.bazel")
	runGazelle(t, dir)
	if s := read(t, build); !strings.Contains(s, "go_hot_binary(\n    name = \"app_hot\",\n    embed = [\":app_lib\"],") {
		t.Fatalf("no hot target:\n%s", s)
	}

	// The go_binary gains x_defs and data: the hot target follows.
	edit(t, build, "    embed = [\":app_lib\"],\n    visibility", "    data = [\"motd.txt\"],\n    embed = [\":app_lib\"],\n    visibility")
	edit(t, build, "    visibility = [\"//visibility:public\"],\n)\n\n#", "    visibility = [\"//visibility:public\"],\n    x_defs = {\"main.motd\": \"hi\"},\n)\n\n#")
	runGazelle(t, dir)
	hot := hotTargetText(t, read(t, build), "app_hot")
	for _, want := range []string{`data = ["motd.txt"]`, `x_defs = {"main.motd": "hi"}`} {
		if !strings.Contains(hot, want) {
			t.Errorf("hot target lacks %s:\n%s", want, hot)
		}
	}

	// The go_binary loses them again.
	edit(t, build, "    data = [\"motd.txt\"],\n    embed", "    embed")
	edit(t, build, "    x_defs = {\"main.motd\": \"hi\"},\n)\n\n#", ")\n\n#")
	runGazelle(t, dir)
	if hot := hotTargetText(t, read(t, build), "app_hot"); strings.Contains(hot, "data") || strings.Contains(hot, "x_defs") {
		t.Errorf("hot target kept attributes its go_binary lost:\n%s", hot)
	}

	// Without the marker the target is the user's: a gotags edit stays,
	// and turning the extension off does not remove it.
	s := read(t, build)
	hot = hotTargetText(t, s, "app_hot")
	mine := strings.Replace(hot, "    visibility = [\"//visibility:public\"],\n", "    gotags = [\"dev\"],\n", 1)
	owned := strings.Replace(strings.Replace(s, hot, mine, 1), marker("app")+"\n", "", 1)
	if owned == s || !strings.Contains(owned, "gotags") || hasMarkerText(owned) {
		t.Fatalf("could not make the target hand-written:\n%s", owned)
	}
	write(t, build, owned)
	runGazelle(t, dir)
	if got := read(t, build); got != owned {
		t.Errorf("a hand-maintained target was changed:\n%s\nwant:\n%s", got, owned)
	}

	// Back to generated, then the directive goes off: removed, load too.
	write(t, build, s)
	edit(t, filepath.Join(dir, "BUILD.bazel"), "go_hot enabled", "go_hot disabled")
	runGazelle(t, dir)
	if s := read(t, build); strings.Contains(s, "go_hot_binary") || strings.Contains(s, "rules_go_hot") {
		t.Errorf("directive disabled, but the hot target or its load stayed:\n%s", s)
	}
}

// hotTargetText returns the text of the go_hot_binary named name.
func hotTargetText(t *testing.T, build, name string) string {
	t.Helper()
	i := strings.Index(build, "go_hot_binary(\n    name = \""+name+"\"")
	if i < 0 {
		t.Fatalf("no go_hot_binary %s:\n%s", name, build)
	}
	return build[i : i+strings.Index(build[i:], "\n)\n")+3]
}

// TestExcludeComesFromTheExtension: without the extension, Gazelle does
// generate BUILD files in a .hotreload state directory (so the golden
// "exclude" case tests the extension, not Gazelle).
func TestExcludeComesFromTheExtension(t *testing.T) {
	dir := layOut(t, "exclude")
	logMu.Lock()
	restore := captureLog(io.Discard)
	err := update.Run(context.Background(), []language.Language{golang.NewLanguage()}, dir,
		[]string{"-repo_root=" + dir, "-go_naming_convention=import"})
	restore()
	logMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".hotreload/kit/src/example.com/app/app/BUILD.bazel")); err != nil {
		t.Errorf("Gazelle without go_hot did not generate in .hotreload (%v): the exclusion test proves nothing", err)
	}
}

// TestLanguageOrder: listed before the Go extension, go_hot sees no Go
// rules; it says so, once, and generates nothing.
func TestLanguageOrder(t *testing.T) {
	dir := layOut(t, "inherit")
	edit(t, filepath.Join(dir, "BUILD.bazel"), "example.com/app\n", "example.com/app\n# gazelle:go_hot enabled\n")
	logMu.Lock()
	var out strings.Builder
	err := func() error {
		restore := captureLog(&out)
		defer restore()
		return update.Run(context.Background(), []language.Language{NewLanguage(), golang.NewLanguage()}, dir,
			[]string{"-repo_root=" + dir, "-go_naming_convention=import"})
	}()
	logMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	logged := out.String()
	if n := strings.Count(logged, "list @bazel_gazelle//language/go before the go_hot extension"); n != 1 {
		t.Errorf("want the language order reported once, got %d times:\n%s", n, logged)
	}
	if s := read(t, filepath.Join(dir, "plain/BUILD.bazel")); strings.Contains(s, "go_hot_binary") {
		t.Errorf("hot target generated without the Go rules:\n%s", s)
	}
}

func TestParseSwitch(t *testing.T) {
	for v, want := range map[string]bool{"enabled": true, "disabled": false, " enabled ": true} {
		if got, err := parseSwitch(v); err != nil || got != want {
			t.Errorf("parseSwitch(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"", "on", "true", "Enabled"} {
		if _, err := parseSwitch(v); err == nil {
			t.Errorf("parseSwitch(%q) accepted", v)
		}
	}
}

func hasMarkerText(s string) bool {
	return strings.Contains(s, "(go_hot); delete this line")
}
