package gazelle

import (
	"flag"
	"fmt"
	"log"
	"path"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/config"
	"github.com/bazelbuild/bazel-gazelle/rule"
)

// directive turns the extension on or off for a directory and, through
// Gazelle's configuration inheritance, its subdirectories.
const directive = "go_hot"

// hotConfig is the extension's configuration of one directory.
type hotConfig struct {
	// enabled: generate go_hot_binary targets here. Off by default: a hot
	// target is an opt-in development convenience, and a repository-wide
	// Gazelle run must not add targets (nor loads of rules_go_hot) to
	// BUILD files that did not ask for them.
	enabled bool
}

func getConfig(c *config.Config) *hotConfig {
	if hc, ok := c.Exts[languageName].(*hotConfig); ok {
		return hc
	}
	return &hotConfig{}
}

// defaultExcludes are kept out of Gazelle's walk whenever this extension
// is in the binary. The hotreload launcher keeps its state (the kit: a
// snapshot of the program's sources; the patches) under the user cache
// directory, outside the workspace; `hotreload run --state-dir` can put it
// anywhere, and `.hotreload` is the name docs/GAZELLE.md recommends for a
// state directory inside a workspace. Its .go copies are no Go packages of
// the workspace (the go command already skips dot-directories), so Gazelle
// must not write BUILD files for them. `bazel-*` output links need
// nothing: Gazelle does not follow symbolic links unless told to
// (`# gazelle:follow`).
var defaultExcludes = []string{"**/.hotreload"}

// RegisterFlags adds defaultExcludes to the -exclude flag of Gazelle's
// walk, which is registered before any language's flags: the walk reads
// its exclusions only from that flag, `# gazelle:exclude` and
// .bazelignore, and its configuration is closed to extensions. Setting the
// flag before it is parsed is exactly passing -exclude=**/.hotreload on
// the command line; the user's own -exclude flags add to it.
func (*hotLang) RegisterFlags(fs *flag.FlagSet, cmd string, c *config.Config) {
	f := fs.Lookup("exclude")
	if f == nil { // commands without a walk (update-repos)
		return
	}
	for _, p := range defaultExcludes {
		if err := f.Value.Set(p); err != nil {
			log.Printf("go_hot: excluding %s: %v", p, err)
		}
	}
}

func (*hotLang) CheckFlags(*flag.FlagSet, *config.Config) error { return nil }

func (*hotLang) KnownDirectives() []string { return []string{directive} }

// Configure reads `# gazelle:go_hot enabled|disabled`. The configuration
// is copied, never changed in place: c starts as the parent directory's,
// whose value must stay the parent's.
func (*hotLang) Configure(c *config.Config, rel string, f *rule.File) {
	hc := *getConfig(c)
	if f != nil {
		for _, d := range f.Directives {
			if d.Key != directive {
				continue
			}
			on, err := parseSwitch(d.Value)
			if err != nil {
				// Gazelle's own extensions log a bad directive and go on; the
				// inherited setting stays.
				log.Printf("%s: %v", path.Join(f.Pkg, path.Base(f.Path)), err)
				continue
			}
			hc.enabled = on
		}
	}
	c.Exts[languageName] = &hc
}

func parseSwitch(v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "enabled":
		return true, nil
	case "disabled":
		return false, nil
	}
	return false, fmt.Errorf("# gazelle:%s %q: want %q or %q", directive, v, "enabled", "disabled")
}
