package agent_test

// End-to-end tests of signed mode: the fixture's host built again with
// `hotreload build --trusted-key`, real plugins, keys and signatures made
// by `hotreload keygen` and `hotreload sign`.

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gohot/rules_go_hot/internal/hotbin"
	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

var (
	signedOnce sync.Once
	signed     struct {
		hot        string // the hotreload that built the fixture
		keys       string // directory of the key pairs "trusted" and "other"
		host       string // the host in signed mode (trusts "trusted")
		buildID    string
		keyID      string
		otherKeyID string
		bad        string // a host whose embedded key is malformed
		badBuildID string
		err        error
	}
)

// signedFixture builds the fixture's host again in signed mode (a link
// only: the instrumented packages are the fixture's, so are the plugins).
func signedFixture(t *testing.T) {
	t.Helper()
	fixture(t)
	signedOnce.Do(func() { signed.err = buildSigned() })
	if signed.err != nil {
		t.Fatal(signed.err)
	}
}

func buildSigned() error {
	// The very hotreload that built the fixture (hotbin.Path built it into
	// fx.dir, unless $HOTRELOAD pins one): the plugins must match the host.
	var err error
	signed.hot = filepath.Join(fx.dir, "hotreload")
	if pinned := os.Getenv(hotbin.Env); pinned != "" {
		if signed.hot, err = filepath.Abs(pinned); err != nil {
			return err
		}
	}
	signed.keys = filepath.Join(fx.dir, "keys")
	for _, k := range []string{"trusted", "other"} {
		if err := run(fx.dir, signed.hot, "keygen", "-o", filepath.Join(signed.keys, k)); err != nil {
			return err
		}
	}
	pub, err := protocol.ReadPublicKey(filepath.Join(signed.keys, "trusted.pub"))
	if err != nil {
		return err
	}
	signed.keyID = protocol.KeyID(pub)
	other, err := protocol.ReadPublicKey(filepath.Join(signed.keys, "other.pub"))
	if err != nil {
		return err
	}
	signed.otherKeyID = protocol.KeyID(other)

	mod := filepath.Join(fx.dir, "mod")
	overlay := "-overlay=" + filepath.Join(fx.dir, "overlay.json") // the fixture's package table
	signed.host = filepath.Join(fx.dir, "signed-host")
	if err := run(mod, signed.hot, "build", "--trusted-key", filepath.Join(signed.keys, "trusted.pub"), overlay, "-o", signed.host, "."); err != nil {
		return err
	}
	if signed.buildID, err = protocol.ReadBuildID(signed.host); err != nil {
		return err
	}
	// A key that is not one, set behind hotreload build's back.
	signed.bad = filepath.Join(fx.dir, "bad-key-host")
	if err := run(mod, signed.hot, "build", overlay, "-ldflags=-X 'github.com/gohot/rules_go_hot/runtime/agent.trustedKey=gohot-ed25519-public AAAA'", "-o", signed.bad, "."); err != nil {
		return err
	}
	signed.badBuildID, err = protocol.ReadBuildID(signed.bad)
	return err
}

// startExe is startHost for another executable built from the fixture.
func startExe(t *testing.T, exe string, env ...string) *host {
	t.Helper()
	saved := fx.host
	fx.host = exe
	defer func() { fx.host = saved }()
	return startHost(t, env...)
}

// signedPatch is the fixture's patch helper for the signed host.
func signedPatch(t *testing.T, dir, p, name, buildID string) string {
	t.Helper()
	return patch(t, dir, p, name, func(m *protocol.Manifest) { m.BaseBuildID = buildID })
}

func sign(t *testing.T, key, so string) {
	t.Helper()
	if err := run(filepath.Dir(so), signed.hot, "sign", "--key", filepath.Join(signed.keys, key+".key"), so); err != nil {
		t.Fatal(err)
	}
}

// refusedFor applies so and expects a refusal with code and words.
func refusedFor(t *testing.T, h *host, c *protocol.Client, so, code string, words ...string) {
	t.Helper()
	r, err := c.Apply(so)
	pe, ok := err.(*protocol.Error)
	if !ok || pe.Code != code {
		t.Fatalf("apply %s: %+v %v, want a refusal with code %q", filepath.Base(so), r, err, code)
	}
	for _, w := range words {
		if !strings.Contains(pe.Message, w) {
			t.Errorf("apply %s: %q does not say %q", filepath.Base(so), pe.Message, w)
		}
	}
	if r.Gen != 0 {
		t.Errorf("apply %s: generation %d after a refusal", filepath.Base(so), r.Gen)
	}
	h.expect("hello base 2") // the base code still runs
}

// TestSignedMode: a binary built with --trusted-key refuses unsigned
// patches, patches signed by another key, manifests changed after signing
// and plugins swapped under a signed manifest, each with its reason; it
// applies a patch signed by its key.
func TestSignedMode(t *testing.T) {
	signedFixture(t)
	h := startExe(t, signed.host)
	c := h.client()
	dir := t.TempDir()
	h.expect("hello base 2")
	if st, err := c.Status(); err != nil || st.TrustedKey != signed.keyID {
		t.Fatalf("status of a signed binary: %+v %v; want trusted key %s", st, err, signed.keyID)
	}

	// Unsigned.
	unsigned := signedPatch(t, dir, "p1", "unsigned", signed.buildID)
	refusedFor(t, h, c, unsigned, protocol.CodeSignature, "not signed", "unsigned.so.sig", signed.keyID, "hotreload sign --key")

	// Signed by another key: both keys named.
	otherKey := signedPatch(t, dir, "p1", "otherkey", signed.buildID)
	sign(t, "other", otherKey)
	refusedFor(t, h, c, otherKey, protocol.CodeSignature, "signed by key "+signed.otherKeyID, "trusts only key "+signed.keyID)

	// The manifest edited after signing (its functions list, as someone
	// hiding what a patch does might).
	tampered := signedPatch(t, dir, "p1", "tampered", signed.buildID)
	sign(t, "trusted", tampered)
	data, err := os.ReadFile(protocol.ManifestPath(tampered))
	if err != nil {
		t.Fatal(err)
	}
	m, err := protocol.ParseManifest(data, protocol.ManifestPath(tampered))
	if err != nil {
		t.Fatal(err)
	}
	m.Functions = []string{"main.harmless"}
	if err := protocol.WriteManifest(protocol.ManifestPath(tampered), m); err != nil {
		t.Fatal(err)
	}
	refusedFor(t, h, c, tampered, protocol.CodeSignature, "does not match the manifest", "changed after it was signed")

	// A signed manifest, and another plugin put in place of its own: the
	// manifest's digest is signed, so the swap is refused.
	swapped := signedPatch(t, dir, "p1", "swapped", signed.buildID)
	sign(t, "trusted", swapped)
	p2, err := os.ReadFile(filepath.Join(fx.dir, "p2.so"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(swapped, p2, 0o755); err != nil {
		t.Fatal(err)
	}
	refusedFor(t, h, c, swapped, protocol.CodeDigest, "its manifest vouches for")

	// A signature reached through a symbolic link is not read.
	linked := signedPatch(t, dir, "p1", "linked", signed.buildID)
	sign(t, "trusted", linked)
	if err := os.Rename(protocol.SignaturePath(linked), filepath.Join(dir, "elsewhere.sig")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "elsewhere.sig"), protocol.SignaturePath(linked)); err != nil {
		t.Fatal(err)
	}
	refusedFor(t, h, c, linked, protocol.CodeSignature, "symbolic link")

	// Signed by the trusted key: applied, the state intact.
	good := signedPatch(t, dir, "p1", "good", signed.buildID)
	sign(t, "trusted", good)
	_, n0 := h.get()
	if r, err := c.Apply(good); err != nil || r.Gen != 1 {
		t.Fatalf("a correctly signed patch: %+v %v", r, err)
	}
	if got, n1 := h.get(); got != "hi one -1" || n1 != n0+10 {
		t.Fatalf("after the signed p1: %q %d (before: %d)", got, n1, n0)
	}
	// A revert needs no signature (it loads nothing).
	if r, err := c.Revert(nil); err != nil || r.Gen != 2 {
		t.Fatalf("revert: %+v %v", r, err)
	}
	h.expect("hello base 2")
}

// TestSignedModeBadKey: a binary whose embedded key is malformed refuses
// every patch, signed or not; it never falls back to unsigned mode.
func TestSignedModeBadKey(t *testing.T) {
	signedFixture(t)
	h := startExe(t, signed.bad)
	c := h.client()
	dir := t.TempDir()
	h.expect("hello base 2")
	refusedFor(t, h, c, signedPatch(t, dir, "p1", "unsigned", signed.badBuildID), protocol.CodeSignature, "embedded trusted key is malformed", "refuses every patch")
	so := signedPatch(t, dir, "p1", "signed", signed.badBuildID)
	sign(t, "trusted", so)
	refusedFor(t, h, c, so, protocol.CodeSignature, "embedded trusted key is malformed")
}

// TestUnsignedModeIgnoresSignatures: the fixture's host, built without a
// key, applies unsigned patches as before, and a signature beside a
// patch changes nothing.
func TestUnsignedModeIgnoresSignatures(t *testing.T) {
	signedFixture(t)
	h := startHost(t)
	c := h.client()
	dir := t.TempDir()
	if r, err := c.Apply(patch(t, dir, "p1", "p1", nil)); err != nil || r.Gen != 1 {
		t.Fatalf("unsigned patch, unsigned mode: %+v %v", r, err)
	}
	h.expect("hi one -1")
	so := patch(t, dir, "p2", "p2", nil)
	sign(t, "other", so)
	if r, err := c.Apply(so); err != nil || r.Gen != 2 {
		t.Fatalf("signed patch, unsigned mode: %+v %v", r, err)
	}
	h.expect("hi two -1")
}
