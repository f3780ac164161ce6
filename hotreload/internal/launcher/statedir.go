package launcher

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// prepareState chooses, on the session's first build, where the launcher
// keeps what it makes (the binary, the patch kit, the patches): the
// --state-dir given, or a directory of the user cache dir for this mode
// ("run", "bazel-run") and this program (named by a digest of what
// identifies it, so that each program has its own). A restart keeps the
// choice. The subdirectories named by fresh are emptied, and the patch
// directory is made.
func (r *run) prepareState(mode, program string, fresh ...string) error {
	if r.state == "" {
		r.state = r.opts.StateDir
		if r.state == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				base = os.TempDir()
			}
			sum := sha256.Sum256([]byte(program))
			r.state = filepath.Join(base, "rules_go_hot", mode, hex.EncodeToString(sum[:6]))
		}
	}
	for _, d := range fresh {
		os.RemoveAll(filepath.Join(r.state, d))
	}
	return os.MkdirAll(r.patchDir(), 0o755)
}

// patchDir holds the patches built in this session.
func (r *run) patchDir() string { return filepath.Join(r.state, protocol.StatePatchesDir) }

// Bounded disk. Each patch the builder makes is a directory of the patch
// directory: its generated sources and import configurations (tens of
// KB), its archive (tens of KB) and its plugin with the manifest (11–37
// MB for a real program). Nothing needs a plugin once the program took
// it or refused it: the agent loads a private copy of its own, which
// stays mapped; a revert switches slots without any file; and a later
// patch is built against the kit, never against an earlier patch. So:
//
//   - once the program takes a patch, every other patch's plugin and
//     manifest are removed (superseded); that one's are kept, for
//     whoever wants to look at or re-apply what the program runs;
//   - a patch the program refused loses its plugin and manifest at once;
//   - a patch the agent did not answer about in time keeps them until
//     the next one is applied (it may still be loading it);
//   - the generated sources of the keepSources newest patch directories
//     are kept for debugging; older directories are removed whole.
//
// So the patch directory holds at most one plugin and a few hundred KB
// of sources, whatever the number of patches.

// keepSources is how many of the newest patch directories without a
// plugin keep their generated sources.
const keepSources = 5

// patchOutputs are the files of a patch directory that only a load
// needs: the plugin, its manifest and signature.
var patchOutputs = []string{"patch.so", protocol.ManifestPath("patch.so"), "patch.so.sig"}

// supersede removes the plugin of every patch but the one in keep (the
// directory of the patch the program just took), then trims.
func (r *run) supersede(keep string) {
	for _, d := range r.patchDirs() {
		if d.path != keep && d.complete {
			dropOutputs(d.path)
		}
	}
	r.trimPatches()
}

// dropPatch removes the plugin of the patch in dir (refused by the
// program), then trims.
func (r *run) dropPatch(dir string) {
	dropOutputs(dir)
	r.trimPatches()
}

// trimPatches removes the plugin of a patch whose build did not finish
// (a plugin without a manifest: the link failed), and every patch
// directory without a plugin but the keepSources newest. A directory
// whose patch is complete is the one the program runs, or one the agent
// may still be loading: it stays.
func (r *run) trimPatches() {
	kept := 0
	for _, d := range r.patchDirs() { // newest first
		if d.complete {
			continue
		}
		if kept < keepSources {
			dropOutputs(d.path)
			kept++
			continue
		}
		os.RemoveAll(d.path)
	}
}

type patchEntry struct {
	path     string
	complete bool // it has a manifest: built, and maybe taken
}

// patchDirs lists the patch directories of the patch directory (named
// by their patch ids, p<Unix milliseconds><random>), newest first. A
// directory's modification time would not do: removing a plugin changes
// it.
func (r *run) patchDirs() []patchEntry {
	entries, _ := os.ReadDir(r.patchDir())
	var dirs []patchEntry
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() || len(n) < 2 || n[0] != 'p' || n[1] < '0' || n[1] > '9' {
			continue
		}
		path := filepath.Join(r.patchDir(), n)
		_, err := os.Stat(filepath.Join(path, protocol.ManifestPath("patch.so")))
		dirs = append(dirs, patchEntry{path: path, complete: err == nil})
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].path > dirs[j].path })
	return dirs
}

// dropOutputs removes the plugin, manifest and signature in dir.
func dropOutputs(dir string) {
	for _, name := range patchOutputs {
		os.Remove(filepath.Join(dir, name))
	}
}
