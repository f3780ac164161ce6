package rules_test

// Production mode with Bazel: a go_hot_binary with trusted_key runs
// "deployed"; go_hot_patch with signing_key builds a patch it applies, and
// the same patch unsigned, or signed by another key, is refused.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohot/rules_go_hot/internal/bazeltest"
	"github.com/gohot/rules_go_hot/internal/hotsession"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

const signedTargets = `
# Production mode: the binary loads only patches signed by this key.
go_hot_binary(
    name = "visits_signed",
    embed = [":visits_lib"],
    trusted_key = "%s",
)

go_hot_patch(
    name = "signed_patch",
    base_kit = "@signed_base//:kit",
    binary = ":visits_signed",
    signing_key = "%s",
)

go_hot_patch(
    name = "unsigned_patch",
    base_kit = "@signed_base//:kit",
    binary = ":visits_signed",
)

go_hot_patch(
    name = "other_patch",
    base_kit = "@signed_base//:kit",
    binary = ":visits_signed",
    signing_key = "%s",
)
`

// TestSignedPatches: go_hot_binary(trusted_key) embeds the public key
// (x_defs); go_hot_patch(signing_key) signs with the private key, read from
// outside the workspace; the deployed binary applies the signed patch and
// refuses the unsigned one and the one signed by another key, with the
// reason. A private key given as trusted_key fails the build.
func TestSignedPatches(t *testing.T) {
	e := bazelEnv(t)
	dir := filepath.Join(e.Root, "e2e", "signed")
	ws, keys, store := filepath.Join(dir, "ws"), filepath.Join(dir, "keys"), filepath.Join(dir, "kits", "visits")
	for _, d := range []string{keys, store} {
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
	}
	hot := func(args ...string) (string, error) {
		out, err := exec.Command(e.Hotreload, args...).CombinedOutput()
		return string(out), err
	}
	for _, k := range []string{"ci", "other"} {
		if out, err := hot("keygen", "-o", filepath.Join(keys, k)); err != nil {
			t.Fatalf("keygen: %v\n%s", err, out)
		}
	}
	pub, err := protocol.ReadPublicKey(filepath.Join(keys, "ci.pub"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := protocol.ReadPublicKey(filepath.Join(keys, "other.pub"))
	if err != nil {
		t.Fatal(err)
	}

	e.withKitRepo(t, ws, "signed_base", store,
		fmt.Sprintf(signedTargets, protocol.FormatPublicKey(pub), filepath.Join(keys, "ci.key"), filepath.Join(keys, "other.key")))

	// The base: built, its kit archived, its binary deployed and started.
	e.Must(t, ws, "build", "//examples/visits:visits_signed", "--output_groups=default,hot_binary,patch_kit")
	if err := os.MkdirAll(filepath.Dir(store), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-rL", filepath.Join(ws, "bazel-bin/examples/visits/visits_signed.kitdir"), store).CombinedOutput(); err != nil {
		t.Fatalf("archiving the kit: %v\n%s", err, out)
	}
	// The hot binary (output group hot_binary: the program and the
	// shared standard library it finds beside it), deployed together.
	deployed := deployHotBinary(t, ws, "visits_signed", filepath.Join(dir, "visits"))
	prog := hotsession.Start(t, exec.Command(deployed, "-addr", "127.0.0.1:0"))
	prog.Addr()
	prog.Expect("/hit?page=home", "page home: 1 hits")
	pid := fmt.Sprint(prog.PID)

	// A body edit, built as three patches.
	edit(t, filepath.Join(ws, "examples/visits/store/store.go"), "\tc.hits[page]++\n", "\tc.hits[page] += 10\n")
	e.Must(t, ws, "build", "//examples/visits:signed_patch", "//examples/visits:unsigned_patch", "//examples/visits:other_patch")
	bin := filepath.Join(ws, "bazel-bin/examples/visits")
	if _, err := os.Stat(filepath.Join(bin, "unsigned_patch.so.sig")); err == nil {
		t.Error("go_hot_patch without signing_key wrote a signature")
	}
	sig, err := os.ReadFile(filepath.Join(bin, "signed_patch.so.sig"))
	if err != nil || protocol.SignatureKeyID(sig) != protocol.KeyID(pub) {
		t.Fatalf("signed_patch.so.sig: %v %q, want a signature by key %s", err, sig, protocol.KeyID(pub))
	}

	refused := func(patch string, words ...string) {
		t.Helper()
		out, err := hot("apply", "--pid", pid, filepath.Join(bin, patch))
		if err == nil || !strings.Contains(out, "nothing was loaded") {
			t.Fatalf("apply %s: want a refusal for its signature, got %v\n%s", patch, err, out)
		}
		for _, w := range words {
			if !strings.Contains(out, w) {
				t.Errorf("apply %s: %q does not say %q", patch, out, w)
			}
		}
		prog.Get("/hit?page=home") // still serving
	}
	refused("unsigned_patch.so", "not signed", protocol.KeyID(pub))
	refused("other_patch.so", "signed by key "+protocol.KeyID(other), "trusts only key "+protocol.KeyID(pub))
	prog.Expect("/hit?page=home", "page home: 4 hits") // the base code: one per hit

	if out, err := hot("apply", "--pid", pid, filepath.Join(bin, "signed_patch.so")); err != nil || !strings.Contains(out, "applied: generation 1") {
		t.Fatalf("apply signed_patch.so: %v\n%s", err, out)
	}
	prog.Expect("/hit?page=home", "page home: 14 hits") // the patch's code, the base's counter

	// A private key where the public key belongs: the build says so.
	write(t, filepath.Join(ws, "examples/badkey/BUILD.bazel"), fmt.Sprintf(`load("@rules_go_hot//rules:defs.bzl", "go_hot_binary")

go_hot_binary(
    name = "bad",
    srcs = ["main.go"],
    trusted_key = %q,
)
`, strings.TrimSpace(readFile(t, filepath.Join(keys, "ci.key")))))
	write(t, filepath.Join(ws, "examples/badkey/main.go"), "package main\n\nfunc main() {}\n")
	out, err := e.Command(ws, "build", "//examples/badkey:bad").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "trusted_key is a private key: never put it in a BUILD file") {
		t.Fatalf("a private key as trusted_key: want a build failure, got %v\n%s", err, bazeltest.Tail(string(out), 30))
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
