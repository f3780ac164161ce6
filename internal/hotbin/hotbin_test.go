package hotbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestForBazelAsTheScripts: Go (the Bazel tests) and the shell
// (scripts/lib/hotreload.sh: the demo, bench/bazel.sh) name the hot SDK's
// prebuilt hotreload the same way, so that they share one binary and
// Bazel's warm cache.
func TestForBazelAsTheScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hotreload twice")
	}
	goRoot, shRoot := t.TempDir(), t.TempDir()
	bin, err := ForBazel("../..", goRoot)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", `. scripts/lib/hotreload.sh && hotreload_for_bazel && echo "$RULES_GO_HOT_HOTRELOAD"`)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "RULES_GO_HOT_BAZEL_ROOT="+shRoot)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hotreload_for_bazel: %v\n%s", err, out)
	}
	shBin := strings.TrimSpace(string(out))
	goName, _ := filepath.Rel(goRoot, bin)
	shName, _ := filepath.Rel(shRoot, shBin)
	if goName != shName || !strings.HasPrefix(goName, "hotreload/hotreload-") {
		t.Errorf("Go names it %s, the shell %s", bin, shBin)
	}
	if left, _ := filepath.Glob(filepath.Join(goRoot, "hotreload", "build-*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestPathPinned(t *testing.T) {
	t.Setenv(Env, "testdata/none/hotreload")
	p, err := Path("../..", t.TempDir())
	if err != nil || !filepath.IsAbs(p) || !strings.HasSuffix(p, "internal/hotbin/testdata/none/hotreload") {
		t.Errorf("Path with %s set: %q, %v", Env, p, err)
	}
}
