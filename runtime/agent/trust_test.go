package agent

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// withTrustedKey runs the test in signed mode with key (its text form).
func withTrustedKey(t *testing.T, key string) {
	t.Helper()
	old := trustedKey
	trustedKey = key
	t.Cleanup(func() { trustedKey = old })
}

func genKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

const signedManifest = `{"format":2,"patch_id":"p","base_build_id":"b","sha256":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","size":1}` + "\n"

func TestCheckSignature(t *testing.T) {
	pub, priv := genKey(t)
	_, otherPriv := genKey(t)
	id := protocol.KeyID(pub)
	dir := t.TempDir()
	plugin := filepath.Join(dir, "p.so")
	m := []byte(signedManifest)
	writeSig := func(content []byte) {
		t.Helper()
		os.Remove(protocol.SignaturePath(plugin))
		if err := os.WriteFile(protocol.SignaturePath(plugin), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	refused := func(name string, err error, words ...string) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: accepted", name)
			return
		}
		for _, w := range words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", name, err, w)
			}
		}
	}

	// Unsigned mode: no signature needed, none looked at.
	withTrustedKey(t, "")
	if err := checkSignature(m, plugin); err != nil {
		t.Fatalf("unsigned mode: %v", err)
	}
	if trustedKeyID() != "" {
		t.Errorf("unsigned mode: trustedKeyID = %q", trustedKeyID())
	}

	withTrustedKey(t, protocol.FormatPublicKey(pub))
	if trustedKeyID() != id {
		t.Errorf("trustedKeyID = %q, want %q", trustedKeyID(), id)
	}
	refused("no signature file", checkSignature(m, plugin), "not signed", protocol.SignaturePath(plugin), id, "hotreload sign --key")

	writeSig(protocol.Sign(priv, m))
	if err := checkSignature(m, plugin); err != nil {
		t.Fatalf("signed: %v", err)
	}
	refused("tampered", checkSignature(bytes.Replace(m, []byte(`"p"`), []byte(`"q"`), 1), plugin), "does not match the manifest", "sign it again")

	writeSig(protocol.Sign(otherPriv, m))
	refused("other key", checkSignature(m, plugin), "signed by key", "trusts only key "+id)

	writeSig([]byte("hello\n"))
	refused("malformed", checkSignature(m, plugin), "malformed signature", id)

	writeSig(nil)
	refused("empty", checkSignature(m, plugin), "not signed")

	writeSig(bytes.Repeat([]byte("x"), protocol.MaxSignatureSize+1))
	refused("huge", checkSignature(m, plugin), "larger than")

	// A symbolic link at the signature's path is not followed, even to a
	// good signature.
	good := filepath.Join(dir, "good.sig")
	os.WriteFile(good, protocol.Sign(priv, m), 0o644)
	os.Remove(protocol.SignaturePath(plugin))
	if err := os.Symlink(good, protocol.SignaturePath(plugin)); err != nil {
		t.Fatal(err)
	}
	refused("symlink", checkSignature(m, plugin), "symbolic link")

	// A FIFO does not block the agent.
	os.Remove(protocol.SignaturePath(plugin))
	if err := syscall.Mkfifo(protocol.SignaturePath(plugin), 0o600); err != nil {
		t.Fatal(err)
	}
	refused("fifo", checkSignature(m, plugin), "not a regular file")

	// A signed manifest must bind the plugin by its digest.
	noDigest := []byte(`{"format":2,"patch_id":"p","base_build_id":"b"}`)
	writeSig(protocol.Sign(priv, noDigest))
	refused("no sha256", checkSignature(noDigest, plugin), `"sha256"`)

	// A malformed embedded key refuses everything, never unsigned mode.
	for _, bad := range []string{" ", "gohot-ed25519-public", "gohot-ed25519-public AAAA", protocol.FormatPrivateKey(priv)} {
		withTrustedKey(t, bad)
		writeSig(protocol.Sign(priv, m))
		refused("trusted key "+bad, checkSignature(m, plugin), "embedded trusted key is malformed", "refuses every patch")
		if trustedKeyID() != "malformed" {
			t.Errorf("trusted key %q: trustedKeyID = %q", bad, trustedKeyID())
		}
	}
}
