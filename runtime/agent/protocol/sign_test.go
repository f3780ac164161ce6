package protocol

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

const manifestBytes = `{
  "format": 1,
  "patch_id": "p1",
  "base_build_id": "b",
  "sha256": "` + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + `"
}
`

func TestSignVerify(t *testing.T) {
	pub, priv := newKey(t)
	other, otherPriv := newKey(t)
	m := []byte(manifestBytes)
	sig := Sign(priv, m)
	if err := VerifySignature(pub, m, sig); err != nil {
		t.Fatalf("a good signature: %v", err)
	}
	if !bytes.HasPrefix(sig, []byte(SignaturePrefix+" "+KeyID(pub)+" ")) || !bytes.HasSuffix(sig, []byte("\n")) || bytes.Count(sig, []byte("\n")) != 1 {
		t.Errorf("signature file %q", sig)
	}
	if got := SignatureKeyID(sig); got != KeyID(pub) {
		t.Errorf("SignatureKeyID = %q, want %q", got, KeyID(pub))
	}
	// Without its trailing newline, or with a CRLF, it still verifies.
	if err := VerifySignature(pub, m, bytes.TrimSpace(sig)); err != nil {
		t.Errorf("no newline: %v", err)
	}

	check := func(name string, err, kind error, words ...string) {
		t.Helper()
		if !errors.Is(err, kind) {
			t.Errorf("%s: error %v, want kind %v", name, err, kind)
			return
		}
		var se *SignatureError
		if !errors.As(err, &se) {
			t.Errorf("%s: %T is not a *SignatureError", name, err)
		}
		for _, w := range words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", name, err, w)
			}
		}
	}

	// One byte of the manifest changed after signing: tampered.
	tampered := bytes.Replace(m, []byte(`"p1"`), []byte(`"p2"`), 1)
	check("tampered", VerifySignature(pub, tampered, sig), ErrTampered, KeyID(pub), "changed after it was signed")
	// White space counts: the signature covers the exact bytes.
	check("reformatted", VerifySignature(pub, append(m, '\n'), sig), ErrTampered)
	// Signed by another key: both keys named.
	check("other key", VerifySignature(pub, m, Sign(otherPriv, m)), ErrOtherKey, KeyID(other), KeyID(pub))
	// Another key's signature relabelled with the trusted key's ID.
	forged := bytes.Replace(Sign(otherPriv, m), []byte(KeyID(other)), []byte(KeyID(pub)), 1)
	check("forged", VerifySignature(pub, m, forged), ErrTampered)
	// A signature of the raw manifest, without our prefix, is not one.
	raw := []byte(SignaturePrefix + " " + KeyID(pub) + " " + b64(ed25519.Sign(priv, m)) + "\n")
	check("no prefix", VerifySignature(pub, m, raw), ErrTampered)
	check("unsigned", VerifySignature(pub, m, nil), ErrUnsigned, KeyID(pub))
	check("blank", VerifySignature(pub, m, []byte(" \n")), ErrUnsigned)
	for _, bad := range []string{
		"garbage",
		SignaturePrefix + " " + KeyID(pub),
		SignaturePrefix + " xyz " + b64(make([]byte, 64)),
		SignaturePrefix + " " + KeyID(pub) + " " + b64(make([]byte, 63)),
		SignaturePrefix + " " + KeyID(pub) + " !!!",
		SignaturePrefix + " " + KeyID(pub) + " " + b64(make([]byte, 64)) + " extra",
		string(sig) + string(sig),
		PublicKeyPrefix + " " + KeyID(pub) + " " + b64(make([]byte, 64)),
	} {
		check("malformed "+bad, VerifySignature(pub, m, []byte(bad)), ErrSignatureMalformed, KeyID(pub))
	}
}

func b64(b []byte) string {
	s := FormatPublicKey(b) // the prefix, a space, then std base64
	return s[len(PublicKeyPrefix)+1:]
}

func TestKeyFormats(t *testing.T) {
	pub, priv := newKey(t)
	if id := KeyID(pub); len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("KeyID = %q", id)
	}
	ptext := FormatPublicKey(pub)
	if !strings.HasPrefix(ptext, PublicKeyPrefix+" ") || strings.ContainsAny(ptext, "\n") {
		t.Errorf("public key %q", ptext)
	}
	got, err := ParsePublicKey(ptext + "\n")
	if err != nil || !got.Equal(pub) {
		t.Fatalf("ParsePublicKey: %v %v", got, err)
	}
	stext := FormatPrivateKey(priv)
	gotPriv, err := ParsePrivateKey("  " + stext + "\n")
	if err != nil || !gotPriv.Equal(priv) {
		t.Fatalf("ParsePrivateKey: %v", err)
	}
	for _, bad := range []string{
		"",
		PublicKeyPrefix,
		PublicKeyPrefix + " AAAA",
		PublicKeyPrefix + " " + b64(make([]byte, 33)),
		PublicKeyPrefix + " " + ptext[len(PublicKeyPrefix)+1:] + " comment",
		PublicKeyPrefix + "\n" + ptext[len(PublicKeyPrefix)+1:],
		"ssh-ed25519 " + ptext[len(PublicKeyPrefix)+1:],
	} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		}
	}
	// A private key given where a public key belongs says so.
	if _, err := ParsePublicKey(stext); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Errorf("ParsePublicKey(private) = %v", err)
	}
	if _, err := ParsePrivateKey(ptext); err == nil {
		t.Errorf("ParsePrivateKey(public) accepted")
	}
}

func TestReadKeys(t *testing.T) {
	pub, priv := newKey(t)
	dir := t.TempDir()
	kf := filepath.Join(dir, "k.key")
	pf := filepath.Join(dir, "k.pub")
	if err := os.WriteFile(kf, []byte(FormatPrivateKey(priv)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pf, []byte(FormatPublicKey(pub)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadPrivateKey(kf); err != nil || !got.Equal(priv) {
		t.Fatalf("ReadPrivateKey: %v", err)
	}
	if got, err := ReadPublicKey(pf); err != nil || !got.Equal(pub) {
		t.Fatalf("ReadPublicKey: %v", err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o660} {
		if err := os.Chmod(kf, mode); err != nil {
			t.Fatal(err)
		}
		_, err := ReadPrivateKey(kf)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %v: ReadPrivateKey = %v, want a refusal", mode, err)
		}
	}
	os.Chmod(kf, 0o400)
	if _, err := ReadPrivateKey(kf); err != nil {
		t.Errorf("mode 0400: %v", err)
	}
	big := filepath.Join(dir, "big.pub")
	os.WriteFile(big, bytes.Repeat([]byte("x"), MaxKeyFileSize+1), 0o644)
	if _, err := ReadPublicKey(big); err == nil {
		t.Error("a huge public key file was read")
	}
	if SignaturePath("/p/x.so") != "/p/x.so.sig" || ManifestPath("/p/x.so") != "/p/x.so.json" {
		t.Error("SignaturePath")
	}
}
