package main

import (
	"os"
	"path/filepath"

	"github.com/gohot/rules_go_hot/hotreload/internal/kit"
)

// writeRewritten reports how many workspace packages the kit records the
// rewrite of (bazelkit.Load records them, see kit.RecordRewrites).
func writeRewritten(k *kit.Kit) (int, error) {
	n := 0
	for _, p := range k.Packages {
		if _, err := os.Stat(filepath.Join(k.RewriteDir(p.ImportPath), kit.ManifestFile)); err == nil {
			n++
		}
	}
	return n, nil
}
