package agent

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// trustedKey is the public key (protocol.FormatPublicKey's text form)
// whose signatures this binary requires of every patch; "" means unsigned
// mode: patches need no signature. It is set at build time, by the
// linker (-X github.com/gohot/rules_go_hot/runtime/agent.trustedKey=...:
// `hotreload build --trusted-key`, go_hot_binary's trusted_key) or by a
// generated file of the package (the injector's zz_gohot_base.go). Any
// other value than "" or a valid key makes every apply refuse: a
// malformed key never means unsigned.
var trustedKey string

// trustedKeyID names the trusted key for status: its key ID, "" in
// unsigned mode, "malformed" if the embedded key is not one.
func trustedKeyID() string {
	if trustedKey == "" {
		return ""
	}
	pub, err := protocol.ParsePublicKey(trustedKey)
	if err != nil {
		return "malformed"
	}
	return protocol.KeyID(pub)
}

// checkSignature is nil in unsigned mode. In signed mode it requires
// protocol.SignaturePath(plugin) to be the trusted key's signature of
// manifest, the exact bytes of the patch's manifest file (the caller
// parses these same bytes), and the manifest to record the plugin's
// SHA-256, which the caller checks against the file it loads. The error
// says what, why and what to do (the caller prefixes the patch's path);
// its code is protocol.CodeSignature.
func checkSignature(manifest []byte, plugin string) error {
	if trustedKey == "" {
		return nil
	}
	pub, err := protocol.ParsePublicKey(trustedKey)
	if err != nil {
		return fmt.Errorf("this binary's embedded trusted key is malformed (%v), so it refuses every patch: rebuild it with a valid public key (hotreload build --trusted-key FILE.pub, or go_hot_binary's trusted_key)", err)
	}
	id := protocol.KeyID(pub)
	sigPath := protocol.SignaturePath(plugin)
	howto := fmt.Sprintf("sign the patch with the private key of key %s (hotreload sign --key KEYFILE %s, or go_hot_patch's signing_key)", id, plugin)
	sig, err := readSignature(sigPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("not signed (no %s), and this binary loads only patches signed by key %s: %s", sigPath, id, howto)
	} else if err != nil {
		return fmt.Errorf("signature %s: %v; this binary loads only patches signed by key %s: %s", sigPath, err, id, howto)
	}
	if err := protocol.VerifySignature(pub, manifest, sig); err != nil {
		switch {
		case errors.Is(err, protocol.ErrOtherKey):
			howto = fmt.Sprintf("sign it with the private key of key %s (hotreload sign --key KEYFILE %s), or run a binary built with the signer's public key", id, plugin)
		case errors.Is(err, protocol.ErrTampered):
			howto = "do not edit a signed manifest: rebuild the patch and sign it again"
		}
		return fmt.Errorf("%v (%s): %s", err, sigPath, howto)
	}
	var m struct {
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		return fmt.Errorf("signed manifest: %v", err)
	}
	if b, err := hex.DecodeString(m.SHA256); err != nil || len(b) != 32 {
		return fmt.Errorf("its signed manifest does not record the plugin's SHA-256 (field \"sha256\"), so the signature would not cover the plugin: rebuild the patch with a hotreload that records it, and sign it again")
	}
	return nil
}

// readSignature reads a signature file without following a symbolic
// link at its path and without reading more than a signature's size.
func readSignature(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if err != nil {
		if err == syscall.ELOOP {
			return nil, fmt.Errorf("is a symbolic link (not followed)")
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, protocol.MaxSignatureSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > protocol.MaxSignatureSize {
		return nil, fmt.Errorf("larger than %d bytes, not a signature", protocol.MaxSignatureSize)
	}
	return data, nil
}
