package launcher

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
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
func (r *run) patchDir() string { return filepath.Join(r.state, "patches") }
