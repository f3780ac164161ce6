package launcher

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/hotreload/internal/events"
	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

// TestBuildFailsOnRemovedDir: rm -rf of a package's directory can reach the
// launcher as its files' removal first, built as a change that cannot read
// the directory: the launcher says the directory was removed (once), not
// the build's "no such file or directory"; a build error with every
// directory in place is reported as it is.
func TestBuildFailsOnRemovedDir(t *testing.T) {
	mod := t.TempDir()
	b := filepath.Join(mod, "b")
	if err := os.Mkdir(b, 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p, err := events.NewPrinter(&out, "json")
	if err != nil {
		t.Fatal(err)
	}
	r := &run{opts: Options{Events: p}, dir: mod, kit: &kit.Kit{ModuleDir: mod, Packages: map[string]*kit.Package{
		"example.com/m/b": {ImportPath: "example.com/m/b", Dir: b, Main: true},
	}}}
	sw, err := r.watchSources()
	if err != nil {
		t.Fatal(err)
	}
	defer sw.close()
	r.sources = sw
	emitted := func() []events.Event {
		var es []events.Event
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var e events.Event
			if line != "" && json.Unmarshal([]byte(line), &e) == nil {
				es = append(es, e)
			}
		}
		out.Reset()
		return es
	}

	r.buildFailed(errors.New("compile: something else"), nil)
	if es := emitted(); len(es) != 1 || es[0].Kind != "build" || es[0].Message != "compile: something else" {
		t.Errorf("a build error with the directories in place: %+v", es)
	}

	if err := os.RemoveAll(b); err != nil {
		t.Fatal(err)
	}
	r.buildFailed(errors.New("open "+b+": no such file or directory"), nil)
	es := emitted()
	if len(es) != 1 || es[0].Kind != "watch" || !strings.Contains(es[0].Message, "directory b (package example.com/m/b) was removed") {
		t.Errorf("a build that could not read a removed directory: %+v, want one watch error saying b was removed", es)
	}
	// The directory's own removal, reported next, says nothing more.
	if sw.check([]string{b}) || len(emitted()) != 0 {
		t.Error("the removed directory's own event: reported again, or taken as a change")
	}
}
