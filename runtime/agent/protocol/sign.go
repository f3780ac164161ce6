package protocol

// Signed patches (production mode). A hot binary built with a trusted
// public key loads only patches whose manifest carries a detached
// signature by the matching private key. The signature covers the exact
// bytes of the manifest file, and the manifest records the plugin's
// SHA-256 (its "sha256" field), so the signature binds the plugin too.
//
// Files, one line each (a trailing newline is optional):
//
//	private key  (0600)   gohot-ed25519-private <base64 of the 32-byte seed>
//	public key            gohot-ed25519-public <base64 of the 32-byte key>
//	signature (<so>.sig)  gohot-ed25519-signature <key ID> <base64 of the 64-byte signature>
//
// The key ID is the first 8 bytes of the SHA-256 of the public key, in
// hex: messages name keys by it. The signed message is SignedPrefix
// followed by the manifest's bytes (a prefix of our own, so that a
// signature of a manifest can never pass for a signature of anything
// else made with the same key).

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// CodeSignature is the error code of a patch refused for its signature
// (unsigned, malformed, signed by another key, tampered with) by a binary
// that trusts a key.
const CodeSignature = "signature"

// The first word of each key and signature line.
const (
	PrivateKeyPrefix = "gohot-ed25519-private"
	PublicKeyPrefix  = "gohot-ed25519-public"
	SignaturePrefix  = "gohot-ed25519-signature"
)

// SignedPrefix precedes the manifest's bytes in the signed message.
const SignedPrefix = "gohot patch manifest v1\n"

// MaxKeyFileSize and MaxSignatureSize bound what is read of a key or
// signature file (a real one is about 100 bytes).
const (
	MaxKeyFileSize   = 4096
	MaxSignatureSize = 4096
)

// The kinds of signature errors (errors.Is on a VerifySignature error).
var (
	// ErrUnsigned: there is no signature.
	ErrUnsigned = errors.New("unsigned")
	// ErrSignatureMalformed: the signature file is not one.
	ErrSignatureMalformed = errors.New("malformed signature")
	// ErrOtherKey: signed, but by a key other than the trusted one.
	ErrOtherKey = errors.New("signed by another key")
	// ErrTampered: the signature names the trusted key but does not
	// match the manifest's bytes (changed after signing, or forged).
	ErrTampered = errors.New("signature does not match")
)

// SignatureError is a signature check that failed: Kind is one of the
// errors above, the message says what and why.
type SignatureError struct {
	Kind error
	Msg  string
}

func (e *SignatureError) Error() string { return e.Msg }
func (e *SignatureError) Unwrap() error { return e.Kind }

// SignaturePath returns the path of a plugin's detached signature, which
// signs the bytes of ManifestPath(plugin): plugin + ".sig".
func SignaturePath(plugin string) string { return plugin + ".sig" }

// KeyID names a public key in messages: the hex of the first 8 bytes of
// its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// FormatPublicKey returns the one-line text form of a public key (no
// newline): what a .pub file holds, and what a binary embeds.
func FormatPublicKey(pub ed25519.PublicKey) string {
	return PublicKeyPrefix + " " + base64.StdEncoding.EncodeToString(pub)
}

// FormatPrivateKey returns the one-line text form of a private key (no
// newline): what a .key file holds.
func FormatPrivateKey(priv ed25519.PrivateKey) string {
	return PrivateKeyPrefix + " " + base64.StdEncoding.EncodeToString(priv.Seed())
}

// ParsePublicKey parses the text form of a public key (surrounding
// white space, a trailing newline included, is ignored).
func ParsePublicKey(text string) (ed25519.PublicKey, error) {
	b, err := parseKeyLine(text, PublicKeyPrefix, "public key", ed25519.PublicKeySize)
	if err != nil {
		if strings.HasPrefix(strings.TrimSpace(text), PrivateKeyPrefix) {
			return nil, fmt.Errorf("this is a private key, not a public one: give the .pub file (and keep the .key file out of builds)")
		}
		return nil, err
	}
	return ed25519.PublicKey(b), nil
}

// ParsePrivateKey parses the text form of a private key.
func ParsePrivateKey(text string) (ed25519.PrivateKey, error) {
	b, err := parseKeyLine(text, PrivateKeyPrefix, "private key", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(b), nil
}

func parseKeyLine(text, prefix, what string, size int) ([]byte, error) {
	f := strings.Fields(text)
	if len(f) != 2 || f[0] != prefix || strings.Count(strings.TrimSpace(text), "\n") != 0 {
		return nil, fmt.Errorf("not a %s: want one line %q", what, prefix+" <base64>")
	}
	b, err := base64.StdEncoding.Strict().DecodeString(f[1])
	if err != nil {
		return nil, fmt.Errorf("not a %s: %v", what, err)
	}
	if len(b) != size {
		return nil, fmt.Errorf("not a %s: %d bytes, want %d", what, len(b), size)
	}
	return b, nil
}

// ReadPublicKey reads a public key file.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := readSmall(path, MaxKeyFileSize)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return pub, nil
}

// ReadPrivateKey reads a private key file. It refuses one that group or
// others may read: whoever can read it can sign patches that the
// binaries trusting its public key run.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("private key %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("private key %s has mode %v: group and others must not have access to it (whoever reads it can sign code your binaries run); chmod 600 %s", path, perm, path)
	}
	data, err := readSmall(path, MaxKeyFileSize)
	if err != nil {
		return nil, err
	}
	priv, err := ParsePrivateKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return priv, nil
}

func readSmall(path string, limit int64) ([]byte, error) {
	data, err := ReadFileLimit(path, limit)
	if err != nil && !os.IsNotExist(err) && !os.IsPermission(err) {
		return nil, fmt.Errorf("%v: not a key file", err)
	}
	return data, err
}

func signedMessage(manifest []byte) []byte {
	return append([]byte(SignedPrefix), manifest...)
}

// Sign returns the content of the signature file of a manifest: a
// signature of its exact bytes by priv, naming the key.
func Sign(priv ed25519.PrivateKey, manifest []byte) []byte {
	sig := ed25519.Sign(priv, signedMessage(manifest))
	pub := priv.Public().(ed25519.PublicKey)
	return []byte(SignaturePrefix + " " + KeyID(pub) + " " + base64.StdEncoding.EncodeToString(sig) + "\n")
}

// SignatureKeyID returns the key ID a signature file names, or "" if it
// is malformed.
func SignatureKeyID(sigFile []byte) string {
	id, _, err := parseSignature(sigFile)
	if err != nil {
		return ""
	}
	return id
}

func parseSignature(sigFile []byte) (keyID string, sig []byte, err error) {
	text := string(bytes.TrimSpace(sigFile))
	f := strings.Fields(text)
	if len(f) != 3 || f[0] != SignaturePrefix || strings.Contains(text, "\n") {
		return "", nil, fmt.Errorf("want one line %q", SignaturePrefix+" <key ID> <base64>")
	}
	if len(f[1]) != 16 {
		return "", nil, fmt.Errorf("key ID %q is not 16 hex digits", f[1])
	}
	if _, err := hex.DecodeString(f[1]); err != nil {
		return "", nil, fmt.Errorf("key ID %q is not 16 hex digits", f[1])
	}
	sig, err = base64.StdEncoding.Strict().DecodeString(f[2])
	if err != nil {
		return "", nil, err
	}
	if len(sig) != ed25519.SignatureSize {
		return "", nil, fmt.Errorf("the signature has %d bytes, want %d", len(sig), ed25519.SignatureSize)
	}
	return f[1], sig, nil
}

// VerifySignature checks that sigFile, the content of a signature file,
// is pub's signature of the manifest's bytes. The error (a
// *SignatureError) says which of ErrUnsigned (empty), ErrSignatureMalformed,
// ErrOtherKey or ErrTampered it is, naming the keys.
func VerifySignature(pub ed25519.PublicKey, manifest, sigFile []byte) error {
	want := KeyID(pub)
	if len(bytes.TrimSpace(sigFile)) == 0 {
		return &SignatureError{ErrUnsigned, fmt.Sprintf("the patch is not signed (empty signature), and this binary loads only patches signed by key %s", want)}
	}
	id, sig, err := parseSignature(sigFile)
	if err != nil {
		return &SignatureError{ErrSignatureMalformed, fmt.Sprintf("malformed signature (%v); this binary loads only patches signed by key %s", err, want)}
	}
	if id != want {
		return &SignatureError{ErrOtherKey, fmt.Sprintf("the patch is signed by key %s, but this binary trusts only key %s", id, want)}
	}
	if !ed25519.Verify(pub, signedMessage(manifest), sig) {
		return &SignatureError{ErrTampered, fmt.Sprintf("the signature by key %s does not match the manifest: the manifest was changed after it was signed (or the signature forged)", want)}
	}
	return nil
}
