package rules_test

// Integration tests of the Bazel rules with the real Bazel and rules_go that
// scripts/bazel/setup.sh installs: a user's workspace (rules_go_hot as an
// external repository) builds the example service as a go_hot_binary, runs
// it with `bazel run`, and has its edits patched into the running process.
//
// They need the setup (scripts/test.sh runs it): RULES_GO_HOT_BAZEL_ROOT
// names it. Without it they skip — unless RULES_GO_HOT_REQUIRE_BAZEL=1, as
// in CI, where a missing Bazel is a failure.

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gohot/rules_go_hot/internal/bazeltest"
	"github.com/gohot/rules_go_hot/internal/hotsession"
)

// env is the shared Bazel setup (internal/bazeltest) plus this package's
// example workspaces.
type env struct{ *bazeltest.Env }

func bazelEnv(t *testing.T) *env { return &env{bazeltest.Setup(t)} }

// workspace lays out a user's workspace at a fixed place under the setup
// root (a fixed path keeps its Bazel output base, hence warm builds, from
// one run to the next): the example service with its BUILD files and the
// given WORKSPACE template.
func (e *env) workspace(t *testing.T, name, workspaceTemplate string, hot bool) string {
	t.Helper()
	ws := filepath.Join(e.Root, "e2e", name)
	e.layout(t, ws, workspaceTemplate, hot)
	return ws
}

// layout writes the example workspace into ws.
func (e *env) layout(t *testing.T, ws, workspaceTemplate string, hot bool) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(ws, "examples")); err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile(filepath.Join("testdata", workspaceTemplate))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(ws, "WORKSPACE"), strings.ReplaceAll(string(tmpl), "{{RULES_GO_HOT}}", e.Repo))
	write(t, filepath.Join(ws, ".bazelrc"), "try-import %workspace%/.rules_go_hot.bazelrc\n")
	os.Remove(filepath.Join(ws, ".rules_go_hot.bazelrc"))
	if err := os.Symlink(filepath.Join(e.Root, "bazelrc"), filepath.Join(ws, ".rules_go_hot.bazelrc")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"main.go", "store/store.go", "store/BUILD.bazel", "BUILD.bazel"} {
		b, err := os.ReadFile(filepath.Join(e.Repo, "examples/visits", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "BUILD.bazel" && !hot {
			b = withoutHotTargets(t, b)
		}
		write(t, filepath.Join(ws, "examples/visits", f), string(b))
	}
}

// withoutHotTargets removes rules_go_hot's load and go_hot_binary targets
// from a BUILD file.
func withoutHotTargets(t *testing.T, b []byte) []byte {
	s := regexp.MustCompile(`(?m)^load\("@rules_go_hot//rules:defs.bzl".*\n`).ReplaceAllString(string(b), "")
	s = regexp.MustCompile(`(?ms)^(# [^\n]*\n)*go_hot_binary\(.*?^\)\n`).ReplaceAllString(s, "")
	if strings.Contains(s, "go_hot_binary(") || strings.Contains(s, "@rules_go_hot//") {
		t.Fatalf("could not strip the hot targets:\n%s", s)
	}
	return []byte(s)
}

// withKitRepo lays out the hot workspace ws with a repository name
// holding the archived kit in store (an http_archive of CI's artifact in
// real life), and go_hot_patch loaded in the example's BUILD file, which
// gets targets appended.
func (e *env) withKitRepo(t *testing.T, ws, name, store, targets string) {
	t.Helper()
	e.layout(t, ws, "WORKSPACE.hot", true)
	wsFile := filepath.Join(ws, "WORKSPACE")
	b, _ := os.ReadFile(wsFile)
	write(t, wsFile, string(b)+fmt.Sprintf(`
# The kit of the deployed binary, as CI archived it.
new_local_repository(
    name = %q,
    build_file_content = 'filegroup(name = "kit", srcs = glob(["**"]), visibility = ["//visibility:public"])',
    path = %q,
)
`, name, store))
	build := filepath.Join(ws, "examples/visits/BUILD.bazel")
	b, _ = os.ReadFile(build)
	write(t, build, strings.Replace(string(b), `"go_hot_binary")`, `"go_hot_binary", "go_hot_patch")`, 1)+targets)
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestPlainBinaryUnchanged: a go_binary beside go_hot_binary targets is
// byte-identical to the same go_binary in a workspace without
// rules_go_hot, and the hot binary differs (it is instrumented).
func TestPlainBinaryUnchanged(t *testing.T) {
	e := bazelEnv(t)
	hot := e.workspace(t, "hot", "WORKSPACE.hot", true)
	plain := e.workspace(t, "plain", "WORKSPACE.plain", false)
	e.Must(t, hot, "build", "//examples/visits:visits", "//examples/visits:visits_hot")
	e.Must(t, plain, "build", "//examples/visits:visits")
	withHot := sha(t, filepath.Join(hot, "bazel-bin/examples/visits/visits_/visits"))
	without := sha(t, filepath.Join(plain, "bazel-bin/examples/visits/visits_/visits"))
	if withHot != without {
		t.Errorf("go_binary built beside go_hot_binary differs from one built without rules_go_hot: %s vs %s", withHot, without)
	}
	// The hot binary: linked by go_hot_binary against the hot standard
	// library as a shared library, found beside it.
	exe := filepath.Join(hot, "bazel-bin/examples/visits/visits_hot.hot/visits_hot")
	if sha(t, exe) == withHot {
		t.Error("the hot binary is the plain one")
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	needed, _ := f.DynString(elf.DT_NEEDED)
	runpath, _ := f.DynString(elf.DT_RUNPATH)
	f.Close()
	if !slices.Contains(needed, "libstd.so") || !slices.Equal(runpath, []string{"$ORIGIN"}) {
		t.Errorf("hot binary: DT_NEEDED %q, DT_RUNPATH %q; want libstd.so found in $ORIGIN", needed, runpath)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(exe), "libstd.so")); err != nil {
		t.Errorf("the shared standard library is not beside the hot binary: %v", err)
	}
}

// deployHotBinary copies the hot_binary output group of go_hot_binary
// target (of examples/visits, built in workspace ws) into the new
// directory dir, as a deployment does: the program (where its kit
// description says) and the shared standard library beside it. It
// returns the program's path.
func deployHotBinary(t *testing.T, ws, target, dir string) string {
	t.Helper()
	var desc struct{ Binary, Shlib string }
	kit := filepath.Join(ws, "bazel-bin/examples/visits", target+".kit/kit.exec.json")
	if b, err := os.ReadFile(kit); err != nil || json.Unmarshal(b, &desc) != nil || desc.Shlib == "" {
		t.Fatalf("reading %s (want a binary and its shared library): %v", kit, err)
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(ws, desc.Binary)
	for _, f := range []string{bin, filepath.Join(filepath.Dir(bin), filepath.Base(desc.Shlib))} {
		if out, err := exec.Command("cp", "-L", f, dir).CombinedOutput(); err != nil {
			t.Fatalf("deploying: %v\n%s", err, out)
		}
	}
	return filepath.Join(dir, filepath.Base(bin))
}

// TestBazelRunLiveReload: `bazel run //examples/visits:visits_hot` runs the
// service under the launcher; edits to the workspace's sources are patched
// into the running process through the fast path, state intact; a rude
// edit is refused with file:line and the old code serves on. The scenario
// is testdata/script/bazel_run_live_reload.txtar.
func TestBazelRunLiveReload(t *testing.T) {
	e := bazelEnv(t)
	ws := e.workspace(t, "hot", "WORKSPACE.hot", true)
	e.runScript(t, ws, "testdata/script/bazel_run_live_reload.txtar")
}

// runScript runs a session script (internal/hotsession) in workspace ws,
// with the environment of the Bazel commands ($BAZEL_STARTUP is their
// startup flag) and events as JSON.
func (e *env) runScript(t *testing.T, ws, file string) {
	testscript.Run(t, hotsession.Script(testscript.Params{
		Files: []string{file},
		Setup: func(env *testscript.Env) error {
			env.Cd = ws
			env.Vars = append(env.Vars, e.Environ()...)
			env.Vars = append(env.Vars, "BAZEL_STARTUP="+e.UserRootFlag(), "HOTRELOAD_EVENTS=json")
			return nil
		},
	}))
}

// TestHotSDKBuildsHotreload: without a prebuilt tool, the hot SDK's
// repository rule builds hotreload from this repository with the user's Go
// (what users get), and it is the very binary the other tests use.
func TestHotSDKBuildsHotreload(t *testing.T) {
	e := bazelEnv(t)
	ws := e.workspace(t, "fetch", "WORKSPACE.hot", true)
	cmd := e.Command(ws, "fetch", "@go_hot_sdk_tools//:all")
	var env []string
	for _, kv := range cmd.Env {
		if !strings.HasPrefix(kv, bazeltest.HotreloadEnv+"=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bazel fetch: %v\n%s", err, bazeltest.Tail(string(out), 40))
	}
	out, err := e.Command(ws, "info", "output_base").Output()
	if err != nil {
		t.Fatalf("bazel info output_base: %v", err)
	}
	base := strings.TrimSpace(string(out))
	built := filepath.Join(base, "external/go_hot_sdk_tools/hotreload")
	if got, want := sha(t, built), sha(t, e.Hotreload); got != want {
		t.Errorf("the repository rule's hotreload (%s) differs from `go build -trimpath ./hotreload` (%s)", got, want)
	}
	// The mirror's compiler is the wrapper, and the rest is the real SDK.
	script, err := os.ReadFile(filepath.Join(base, "external/go_hot_sdk_tools/goroot/pkg/tool/linux_amd64/compile"))
	if err != nil || !strings.Contains(string(script), `exec "$d/gohot-hotreload"`) {
		t.Errorf("hot SDK compile script: %v\n%s", err, script)
	}
	if fi, err := os.Lstat(filepath.Join(base, "external/go_hot_sdk_tools/goroot/pkg/tool/linux_amd64/link")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the hot SDK's link should be the real one (a symlink): %v", err)
	}
}
