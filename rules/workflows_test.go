package rules_test

// The two other ways users work (docs/WORKFLOWS.md): CI building a patch for
// a binary already running somewhere (go_hot_patch + hotreload apply), and
// `ibazel run`.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohot/rules_go_hot/internal/bazeltest"
	"github.com/gohot/rules_go_hot/internal/hotevent"
	"github.com/gohot/rules_go_hot/internal/hotsession"
)

const patchTargets = `
# CI: a patch for the binary built at an earlier revision, whose kit CI archived.
go_hot_patch(
    name = "visits_patch",
    base_kit = "@visits_base//:kit",
    binary = ":visits_hot",
)
`

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=ci", "GIT_AUTHOR_EMAIL=ci@example.com", "GIT_COMMITTER_NAME=ci", "GIT_COMMITTER_EMAIL=ci@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func edit(t *testing.T, file, old, new string) {
	t.Helper()
	if err := hotsession.EditFile(file, old, new); err != nil {
		t.Fatal(err)
	}
}

// TestCIPatch: revision A is built (in a git worktree) and its binary runs,
// "deployed", with no watcher; its patch kit is archived. At revision B a
// go_hot_patch against A's kit builds, `hotreload apply` delivers it, and the
// process shows B's behaviour with A's state. Revision C changes a struct:
// the patch fails at build time, saying where and why; so does a base kit
// from another Go.
func TestCIPatch(t *testing.T) {
	e := bazelEnv(t)
	ci := filepath.Join(e.Root, "e2e", "ci")
	repo, worktreeA, store := filepath.Join(ci, "repo"), filepath.Join(ci, "A"), filepath.Join(ci, "kits", "visits")
	if _, err := os.Stat(repo); err == nil {
		exec.Command("git", "-C", repo, "worktree", "remove", "--force", worktreeA).Run()
	}
	for _, d := range []string{repo, worktreeA, store} {
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
	}
	e.withKitRepo(t, repo, "visits_base", store, patchTargets)
	write(t, filepath.Join(repo, ".gitignore"), "/bazel-*\n/.rules_go_hot.bazelrc\n")
	git(t, repo, "init", "-q")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-qm", "A")
	revA := strings.TrimSpace(git(t, repo, "rev-parse", "HEAD"))
	git(t, repo, "worktree", "add", "-q", worktreeA, "HEAD")
	if err := os.Symlink(filepath.Join(e.Root, "bazelrc"), filepath.Join(worktreeA, ".rules_go_hot.bazelrc")); err != nil {
		t.Fatal(err)
	}

	// Revision A: build the binary and its kit; archive the kit, deploy the binary.
	e.Must(t, worktreeA, "build", "//examples/visits:visits_hot", "--output_groups=default,hot_binary,patch_kit")
	if err := os.MkdirAll(filepath.Dir(store), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-rL", filepath.Join(worktreeA, "bazel-bin/examples/visits/visits_hot.kitdir"), store).CombinedOutput(); err != nil {
		t.Fatalf("archiving the kit: %v\n%s", err, out)
	}
	// The kit holds what was compiled: the rewritten sources and their manifest.
	rewritten, err := os.ReadFile(filepath.Join(store, "rewritten/example.com/visits/store/store.go"))
	if err != nil || !strings.Contains(string(rewritten), "if h := GoHotS_counter_add; h != nil {") {
		t.Fatalf("rewritten store.go in the kit: %v\n%s", err, rewritten)
	}
	if _, err := os.Stat(filepath.Join(store, "rewritten/example.com/visits/store/manifest.json")); err != nil {
		t.Fatal(err)
	}
	// The hot binary (output group hot_binary: the program and the
	// shared standard library it finds beside it), deployed together.
	deployed := deployHotBinary(t, worktreeA, "visits_hot", filepath.Join(ci, "visits"))
	prog := hotsession.Start(t, exec.Command(deployed, "-addr", "127.0.0.1:0"))
	prog.Addr() // it listens
	prog.Expect("/hit?page=home", "page home: 1 hits")
	prog.Expect("/hit?page=home", "page home: 2 hits")
	sid := prog.Get("/login?user=ann")
	pid := fmt.Sprint(prog.PID)
	hot := func(args ...string) (string, error) {
		out, err := exec.Command(e.Hotreload, args...).CombinedOutput()
		return string(out), err
	}

	// Revision B: a body edit. CI builds the patch against A's kit and applies it.
	storeGo := filepath.Join(repo, "examples/visits/store/store.go")
	edit(t, storeGo, "\tc.hits[page]++\n", "\tc.hits[page] += 10\n")
	git(t, repo, "commit", "-qam", "B")
	e.Must(t, repo, "build", "//examples/visits:visits_patch")
	patch := filepath.Join(repo, "bazel-bin/examples/visits/visits_patch.so")
	if _, err := os.Stat(patch + ".json"); err != nil {
		t.Fatalf("no manifest beside the patch: %v", err)
	}
	if out, err := hot("apply", "--pid", pid, patch); err != nil || !strings.Contains(out, "applied: generation 1") || !strings.Contains(out, "example.com/visits/store.counter.add") {
		t.Fatalf("hotreload apply: %v\n%s", err, out)
	}
	prog.Expect("/hit?page=home", "page home: 12 hits") // B's code, A's counter
	prog.Expect("/me?sid="+sid, "user ann, 1 visits")   // A's session
	if out, err := hot("status", "--pid", pid); err != nil || !strings.Contains(out, "generation 1") || !strings.Contains(out, "store.counter.add") {
		t.Fatalf("hotreload status: %v\n%s", err, out)
	}

	// Revision C: a struct change cannot be patched: the build fails, saying where and why.
	edit(t, storeGo, "\ttotal int\n", "\ttotal int\n\tlast  string\n")
	git(t, repo, "commit", "-qam", "C")
	out, err := e.Command(repo, "build", "//examples/visits:visits_patch").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "examples/visits/store/store.go:14: type counter: struct fields changed") {
		t.Fatalf("revision C's patch: want a build failure naming store.go:14, got %v\n%s", err, bazeltest.Tail(string(out), 30))
	}

	// A base kit from another Go: refused at build time too.
	git(t, repo, "checkout", "-q", "HEAD~1")
	kitJSON := filepath.Join(store, "kit.json")
	os.Chmod(kitJSON, 0o644)
	edit(t, kitJSON, `"go_version": "go1.`, `"go_version": "go0.`)
	out, err = e.Command(repo, "build", "//examples/visits:visits_patch").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "the base was built with go0.") {
		t.Fatalf("a base kit of another Go: want a build failure, got %v\n%s", err, bazeltest.Tail(string(out), 30))
	}

	// Revision A's sources with the store package compiled with other flags:
	// its code would differ from the running binary's though no source did.
	git(t, repo, "checkout", "-q", revA)
	edit(t, filepath.Join(repo, "examples/visits/main.go"), `fmt.Fprintln(w, "ok")`, `fmt.Fprintln(w, "ok, patched")`)
	edit(t, filepath.Join(repo, "examples/visits/store/BUILD.bazel"), `importpath = "example.com/visits/store",`, `gc_goopts = ["-B"],
    importpath = "example.com/visits/store",`)
	out, err = e.Command(repo, "build", "//examples/visits:visits_patch").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "package example.com/visits/store: its compiled form differs from the base's though its sources are the same") {
		t.Fatalf("a package compiled with other flags: want a build failure naming it, got %v\n%s", err, bazeltest.Tail(string(out), 30))
	}
	git(t, repo, "checkout", "-q", ".")

	// The running program is untouched by all this; revert works as usual.
	prog.Expect("/hit?page=home", "page home: 22 hits")
	if out, err := hot("revert", "--pid", pid, "0"); err != nil || !strings.Contains(out, "now generation 2") {
		t.Fatalf("hotreload revert: %v\n%s", err, out)
	}
	prog.Expect("/hit?page=home", "page home: 23 hits")
	prog.Expect("/me?sid="+sid, "user ann, 2 visits")
}

// TestIbazelRun: `ibazel run` of a go_hot_binary (tagged
// ibazel_notify_changes) keeps the program alive: a successful rebuild is
// patched in, a failed one is reported and changes nothing.
func TestIbazelRun(t *testing.T) {
	e := bazelEnv(t)
	ibazel, err := exec.LookPath("ibazel")
	if err != nil {
		t.Fatal("ibazel is not on PATH (scripts/bazel/setup.sh installs it; source its env.sh)")
	}
	ws := e.workspace(t, "hot", "WORKSPACE.hot", true)
	// ibazel runs `bazel`: this one keeps the shared output root, through
	// setup.sh's shim (Bazel 4.2.3 has no `run --norun`, ibazel's rebuild).
	wrapper := filepath.Join(t.TempDir(), "bazel")
	realBazel := filepath.Join(e.Root, "bin", "bazel")
	if _, err := os.Stat(realBazel); err != nil {
		t.Fatalf("no bazel shim from scripts/bazel/setup.sh: %v", err)
	}
	write(t, wrapper, fmt.Sprintf("#!/bin/sh\nexec %q %q \"$@\"\n", realBazel, e.UserRootFlag()))
	os.Chmod(wrapper, 0o755)
	e.Must(t, ws, "build", "//examples/visits:visits_hot")

	cmd := exec.Command(ibazel, "-bazel_path="+wrapper, "run", "//examples/visits:visits_hot", "--", "-addr", "127.0.0.1:0")
	cmd.Dir = ws
	cmd.Env = append(e.Environ(), "HOTRELOAD_EVENTS=json")
	r := hotsession.Start(t, cmd)
	r.Ready(20 * time.Minute)
	r.Expect("/hit?page=home", "page home: 1 hits")
	r.Expect("/hit?page=home", "page home: 2 hits")

	r.Edit("examples/visits/store/store.go", "\tc.hits[page]++\n", "\tc.hits[page] += 10\n")
	if ev := r.Await(hotevent.Applied, 5*time.Minute); ev.Gen != 1 {
		t.Fatalf("applied %+v", ev)
	}
	r.Expect("/hit?page=home", "page home: 12 hits")

	// A change that does not build: reported, and the program runs on.
	r.Edit("examples/visits/store/store.go", "c.total++", "c.total++ +")
	for deadline := time.Now().Add(5 * time.Minute); ; {
		ev := r.Next(time.Until(deadline))
		if ev.Event == hotevent.Error {
			if ev.Kind != "build" || !strings.Contains(ev.Message, "bazel build failed") {
				t.Fatalf("error event %+v", ev)
			}
			break
		}
		if ev.Event == hotevent.Applied || ev.Event == hotevent.Exit {
			t.Fatalf("a failed build led to %+v", ev)
		}
	}
	r.Expect("/hit?page=home", "page home: 22 hits")
	r.Edit("examples/visits/store/store.go", "c.total++ +", "c.total++")
	r.Edit("examples/visits/store/store.go", "\tc.hits[page] += 10\n", "\tc.hits[page] += 100\n")
	for {
		ev := r.Await(hotevent.Applied, 5*time.Minute)
		if r.Get("/health") == "ok" && ev.Gen >= 2 {
			break
		}
	}
	r.Expect("/hit?page=home", "page home: 122 hits")
}
