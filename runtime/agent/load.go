package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// Verified loading (invariant 8): the bytes given to dlopen are the bytes
// the manifest vouches for, copied where nobody but this process's user
// can change them. Each step refuses with a code of its own:
//
//   - readPatchFile: the manifest and the plugin are regular files (not
//     symlinks, FIFOs or devices) owned by this user or root and not
//     writable by others, in a directory others cannot swap them in;
//   - privateCopy: the plugin is copied into a new 0700 directory (exclusive
//     create, no symlink followed) while it is hashed; the copy's SHA-256
//     and size must be the manifest's;
//   - checkELF (elfcheck.go): the copy is a complete Go plugin for this
//     process's architecture whose constructors are Go's own.
//
// Only then is the copy opened. Whatever happens to the original
// afterwards cannot reach the process. A refused copy is removed at once;
// a loaded one stays while the process lives, for debuggers (disk.go: the
// copies of processes that ended are removed by the next agent that loads
// a patch).

// maxPluginSize bounds the file copied (patches are tens of MB).
const maxPluginSize = 1 << 31

// openRegular opens path for reading without following a symlink in its
// last element and without blocking on a FIFO, and checks that it is a
// regular file of at most max bytes that only this user (or root) can
// have written.
func openRegular(path string, max int64) (*os.File, os.FileInfo, string, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, nil, protocol.CodeUnsafe, fmt.Errorf("%s is a symbolic link: the agent opens patch files only by their real path (hotreload apply resolves links for you)", path)
		}
		code := protocol.CodeNotFound
		if !errors.Is(err, fs.ErrNotExist) {
			code = protocol.CodeUnsafe
		}
		return nil, nil, code, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, protocol.CodeUnsafe, err
	}
	if why := unsafeFile(fi); why != "" {
		f.Close()
		return nil, nil, protocol.CodeUnsafe, fmt.Errorf("%s %s", path, why)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, protocol.CodeUnsafe, fmt.Errorf("%s is not a regular file (%v)", path, fi.Mode().Type())
	}
	if fi.Size() > max {
		f.Close()
		return nil, nil, protocol.CodeUnsafe, fmt.Errorf("%s has %d bytes, more than the %d a patch file may have", path, fi.Size(), max)
	}
	if why := unsafeDir(filepath.Dir(path)); why != "" {
		f.Close()
		return nil, nil, protocol.CodeUnsafe, fmt.Errorf("%s: its directory %s", path, why)
	}
	return f, fi, "", nil
}

// trustedOwner reports whether uid may have written what this process
// loads: its own user, or root.
func trustedOwner(uid uint32) bool { return uid == 0 || int(uid) == os.Getuid() }

// unsafeFile says why another user could have written the file, or "".
func unsafeFile(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	if !trustedOwner(st.Uid) {
		return fmt.Sprintf("is owned by uid %d, not by this process's user (uid %d) or root: copy it, as yourself, to a directory of your own", st.Uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Sprintf("is writable by group or others (mode %v): chmod go-w it", fi.Mode().Perm())
	}
	return ""
}

// unsafeDir says why another user could replace the files of dir, or "":
// it must be owned by this user or root and be writable by nobody else,
// unless it is sticky (like /tmp: others cannot rename or remove what is
// not theirs).
func unsafeDir(dir string) string {
	fi, err := os.Stat(dir)
	if err != nil {
		return err.Error()
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	if fi.Mode()&os.ModeSticky != 0 {
		return ""
	}
	if !trustedOwner(st.Uid) {
		return fmt.Sprintf("is owned by uid %d, not by this process's user (uid %d) or root: another user could replace the patch in it", st.Uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Sprintf("is writable by group or others (mode %v): another user could replace the patch in it", fi.Mode().Perm())
	}
	return ""
}

// readManifest reads the manifest of plugin: its exact bytes (what a
// signature covers) and their decoding.
func readManifest(plugin string) ([]byte, *protocol.Manifest, string, error) {
	path := protocol.ManifestPath(plugin)
	f, _, code, err := openRegular(path, protocol.MaxManifestSize)
	if err != nil {
		if code == protocol.CodeNotFound {
			err = fmt.Errorf("no manifest %s: a patch is a plugin plus its manifest; build it with hotreload or go_hot_patch", path)
		}
		return nil, nil, code, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, protocol.MaxManifestSize))
	if err != nil {
		return nil, nil, protocol.CodeInvalid, fmt.Errorf("manifest %s: %v", path, err)
	}
	m, err := protocol.ParseManifest(data, path)
	if err != nil {
		return nil, nil, protocol.CodeInvalid, err
	}
	return data, m, "", nil
}

// privateCopy copies plugin into a new directory of this process's user
// (0700), checking on the way that its bytes are the manifest's. It
// returns the copy and a function that removes it (and its directory).
func privateCopy(plugin string, m *protocol.Manifest) (string, func(), string, error) {
	dir, err := loadDir()
	if err != nil {
		return "", nil, protocol.CodeLoad, fmt.Errorf("no private directory to copy the patch into: %v", err)
	}
	copies.add(dir)
	cleanup := func() { copies.remove(dir) }
	copyPath := filepath.Join(dir, "patch.so")
	fd, err := syscall.Open(copyPath, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o700)
	if err != nil {
		cleanup()
		return "", nil, protocol.CodeLoad, fmt.Errorf("creating the private copy %s: %v", copyPath, err)
	}
	dst := os.NewFile(uintptr(fd), copyPath)
	code, err := copyVerified(plugin, m, dst)
	if cerr := dst.Close(); err == nil && cerr != nil {
		code, err = protocol.CodeLoad, fmt.Errorf("writing the private copy %s: %v", copyPath, cerr)
	}
	if err != nil {
		cleanup()
		return "", nil, code, err
	}
	return copyPath, cleanup, "", nil
}

// copyVerified copies plugin to w (io.Discard only checks it), refusing
// it unless its size and SHA-256 are the manifest's.
func copyVerified(plugin string, m *protocol.Manifest, w io.Writer) (string, error) {
	src, fi, code, err := openRegular(plugin, maxPluginSize)
	if err != nil {
		return code, err
	}
	defer src.Close()
	if fi.Size() != m.Size {
		return protocol.CodeDigest, fmt.Errorf("%s is not the plugin its manifest vouches for: it has %d bytes, the manifest says %d (truncated, replaced or still being written?); nothing was loaded", plugin, fi.Size(), m.Size)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(src, m.Size+1))
	if err != nil {
		return protocol.CodeLoad, fmt.Errorf("reading %s: %v", plugin, err)
	}
	if err := m.Matches(plugin, n, hex.EncodeToString(h.Sum(nil))); err != nil {
		return protocol.CodeDigest, fmt.Errorf("%v; nothing was loaded", err)
	}
	return "", nil
}

// loadDir creates a new directory, 0700 and this user's, named
// LoadDirPrefix<pid>-<random>, on a file system
// that lets it map code (the first of the temporary directory,
// $XDG_RUNTIME_DIR and the user's cache directory not mounted noexec).
func loadDir() (string, error) {
	var tried []string
	for _, base := range loadDirBases() {
		if base == "" {
			continue
		}
		if !execAllowed(base) {
			tried = append(tried, base+" (mounted noexec)")
			continue
		}
		sweepOnce(base)
		dir, err := os.MkdirTemp(base, fmt.Sprintf("%s%d-", protocol.LoadDirPrefix, os.Getpid()))
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		// MkdirTemp made it 0700 (umask can only take bits away); check
		// it is a real directory of ours, as created.
		fi, err := os.Lstat(dir)
		if err == nil && fi.IsDir() && fi.Mode().Perm()&0o077 == 0 {
			if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) == os.Geteuid() {
				return dir, nil
			}
		}
		os.RemoveAll(dir)
		tried = append(tried, dir+" (not private once created)")
	}
	return "", fmt.Errorf("tried %v", tried)
}

func loadDirBases() []string {
	bases := []string{os.TempDir(), os.Getenv("XDG_RUNTIME_DIR")}
	if d, err := os.UserCacheDir(); err == nil {
		d = filepath.Join(d, "gohot")
		if os.MkdirAll(d, 0o700) == nil {
			bases = append(bases, d)
		}
	}
	return bases
}
