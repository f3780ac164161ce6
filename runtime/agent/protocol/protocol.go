// Package protocol holds what the reload agent (package agent) and the
// host-side tools (the hotreload CLI, the patcher) share: the patch
// manifest, the wire types of the agent's socket protocol, a client for it,
// socket locations and the reader of a binary's Go build ID.
//
// Like the agent it imports only the standard library, because every hot
// binary links it.
package protocol

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Environment variables read by the agent (and set by the launcher).
const (
	EnvAgent   = "GOHOT_AGENT"         // "off": do not start the agent
	EnvSocket  = "GOHOT_SOCKET"        // socket path (default DefaultSocket(pid))
	EnvEvents  = "GOHOT_EVENTS"        // "json": report outcomes as JSON lines
	EnvRunning = "GOHOT_AGENT_RUNNING" // set by a running agent to its pid
	// EnvScanLimit: above this many goroutines (default 10000; -1: no
	// limit) the agent does not scan stacks for goroutines inside
	// replaced code after a switch, and says so in a note.
	EnvScanLimit = "GOHOT_SCAN_LIMIT"
	// EnvInitTimeout: how long the agent waits for a patch's init (a Go
	// duration; default DefaultInitTimeout) before it refuses the patch.
	EnvInitTimeout = "GOHOT_INIT_TIMEOUT"
	// EnvIdleTimeout: how long a connection to the agent may stay silent
	// between requests before the agent closes it (a Go duration;
	// default DefaultIdleTimeout).
	EnvIdleTimeout = "GOHOT_IDLE_TIMEOUT"
	// EnvStateDir: the launcher's state directory (its binary, kit and
	// patches), set by hotreload run for the program it starts; the
	// agent's status reports its size (Response.StateBytes).
	EnvStateDir = "GOHOT_STATE_DIR"
)

// DefaultIdleTimeout is how long the agent keeps a silent connection.
const DefaultIdleTimeout = time.Minute

// DefaultInitTimeout is how long the agent waits for a patch's init.
const DefaultInitTimeout = 30 * time.Second

// Format is the manifest format this package reads and writes. Format 2
// added the plugin's SHA-256 and size: the agent loads nothing else.
const Format = 2

// MaxManifestSize bounds the manifest file the agent reads.
const MaxManifestSize = 1 << 20

// Manifest describes a patch. It lives next to the plugin as
// ManifestPath(plugin).
type Manifest struct {
	Format int `json:"format"`
	// PatchID is unique per patch; the agent records it per generation.
	PatchID string `json:"patch_id"`
	// BaseBuildID is the Go build ID (ReadBuildID) of the executable the
	// patch was built for.
	BaseBuildID string `json:"base_build_id"`
	// Packages maps the import path of each base package the patch was
	// built against to the content hash the base recorded for it.
	Packages map[string]string `json:"packages,omitempty"`
	// Functions are display names of the functions the patch replaces,
	// e.g. "example.com/app/store.counter.incr".
	Functions []string `json:"functions,omitempty"`
	// Created is the build time, RFC 3339.
	Created string `json:"created,omitempty"`
	// SHA256 (hex) and Size are the plugin file's: the agent loads only a
	// private copy whose bytes have exactly this digest (Stamp sets them).
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Stamp records the digest and size of the plugin file in m: the patch
// builder calls it once the plugin is written, before WriteManifest.
func (m *Manifest) Stamp(plugin string) error {
	sum, n, err := fileDigest(plugin)
	if err != nil {
		return err
	}
	m.SHA256, m.Size = sum, n
	return nil
}

// Vouches reports whether plugin's bytes are those m records (the
// agent checks its private copy the same way, as it copies it).
func (m *Manifest) Vouches(plugin string) error {
	sum, n, err := fileDigest(plugin)
	if err != nil {
		return err
	}
	return m.Matches(plugin, n, sum)
}

// Matches reports whether n bytes with SHA-256 sum (hex), read from
// plugin, are what m records: the one wording of a mismatch, for the
// agent's check as it copies and for Vouches.
func (m *Manifest) Matches(plugin string, n int64, sum string) error {
	if sum != m.SHA256 || n != m.Size {
		return fmt.Errorf("%s is not the plugin its manifest vouches for: its %d bytes have SHA-256 %s, the manifest says %d bytes with %s (replaced or modified after it was built?)", plugin, n, sum, m.Size, m.SHA256)
	}
	return nil
}

func fileDigest(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hashing %s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ManifestPath returns the manifest path of a plugin: plugin + ".json".
func ManifestPath(plugin string) string { return plugin + ".json" }

// ReadManifest reads and checks a manifest file.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseManifest(data, path)
}

// ParseManifest decodes the manifest bytes read from path (named in
// errors) and checks its format and the plugin digest.
func ParseManifest(data []byte, path string) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %v", path, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("manifest %s: format %d, want %d (patch and agent come from different hotreload versions): rebuild the patch with this binary's hotreload", path, m.Format, Format)
	}
	if sum, err := hex.DecodeString(m.SHA256); err != nil || len(sum) != sha256.Size || m.Size <= 0 {
		return nil, fmt.Errorf("manifest %s: no valid sha256 and size of its plugin (sha256 %q, size %d): the agent loads only bytes its manifest vouches for; rebuild the patch", path, m.SHA256, m.Size)
	}
	return &m, nil
}

// WriteManifest writes m to path atomically (a temporary file renamed into
// place), so that a directory watcher never reads half a manifest. Write
// the plugin first: the manifest's appearance is what announces a patch.
func WriteManifest(path string, m *Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, append(data, '\n'), 0o644)
}

// WriteFileAtomic writes path through a temporary file in its directory
// renamed into place: a reader never sees half a file.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// ReadFileLimit reads path, refusing a file larger than limit bytes.
func ReadFileLimit(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}

// Applying is an apply under way.
type Applying struct {
	PatchID string `json:"patch_id"`
	Plugin  string `json:"plugin"`
	Since   string `json:"since"` // RFC 3339, nanoseconds
}

// Operations of a Request.
const (
	OpApply  = "apply"
	OpStatus = "status"
	OpRevert = "revert"
)

// Request is one line sent to the agent.
type Request struct {
	Op string `json:"op"`
	// Plugin is the absolute path of the .so (apply); its manifest is
	// ManifestPath(Plugin).
	Plugin string `json:"plugin,omitempty"`
	// Gen is the generation to revert to; nil means the one before the
	// current generation.
	Gen *int `json:"gen,omitempty"`
}

// Error codes of a failed Response.
const (
	CodeMismatch    = "mismatch"     // build ID or package hash differs from this process
	CodeLoad        = "load"         // plugin.Open failed
	CodeInitPanic   = "init-panic"   // the plugin's init panicked
	CodeInvalid     = "invalid"      // malformed manifest or plugin symbols, wrongly typed pair
	CodeBadRequest  = "bad-request"  // unreadable request, unknown op
	CodeNotFound    = "not-found"    // no such file, no such generation, no new patch
	CodeStart       = "start"        // the agent could not start (event only)
	CodeUnsafe      = "unsafe"       // a file others could have written, or not a regular file
	CodeDigest      = "digest"       // the plugin's bytes are not those its manifest vouches for
	CodeNotPlugin   = "not-plugin"   // not a well-formed Go plugin ELF file for this process
	CodeInitTimeout = "init-timeout" // the plugin's init did not return in time
	CodeForbidden   = "forbidden"    // the peer's uid may not control this process
	CodeBusy        = "busy"         // too many connections
	CodeTimeout     = "timeout"      // no answer in time (the client's verdict: launcher events, CLI)
)

// Kinds of the lines the agent writes on its own (stderr; JSON objects
// under GOHOT_EVENTS=json).
const (
	// EventError: the agent could not start (code start).
	EventError = "error"
	// EventNotice: something the user should know about the agent itself
	// (its socket was removed and made again, an unsupported variable).
	EventNotice = "notice"
)

// Response is the agent's one-line answer to a Request; the lines the agent
// writes on its own have the same shape, with Event set.
type Response struct {
	OK bool `json:"ok"`
	// Gen is the current generation after the request (on failure: the
	// generation still running, unchanged).
	Gen       int      `json:"gen"`
	Functions []string `json:"functions,omitempty"`
	VerifyMS  float64  `json:"verify_ms,omitempty"`
	LoadMS    float64  `json:"load_ms,omitempty"`
	ApplyMS   float64  `json:"apply_ms,omitempty"`
	// ScanMS (apply, revert) is the time taken to look for goroutines
	// still inside replaced code (OldCode), after the switch.
	ScanMS float64 `json:"scan_ms,omitempty"`
	// OldCode (apply, revert) lists the switched functions that
	// goroutines are still executing an old version of: they keep
	// running it until they return (invariant 7: reported, never hidden).
	OldCode []OldCode `json:"old_code,omitempty"`
	// Notes (apply, revert) are what the user should know about the
	// switch, one line each (today: one per OldCode entry).
	Notes []string `json:"notes,omitempty"`

	Error string `json:"error,omitempty"`
	Code  string `json:"code,omitempty"`

	// Status only.
	PID         int          `json:"pid,omitempty"`
	BuildID     string       `json:"build_id,omitempty"`
	Generations []Generation `json:"generations,omitempty"`
	// TrustedKey is the ID (KeyID) of the key a binary in signed mode
	// requires patches to be signed by; "" in unsigned mode.
	TrustedKey string `json:"trusted_key,omitempty"`
	// Applying (status) is the apply under way, if any: its plugin is
	// being verified or loaded (an init may run for a while); status and
	// revert answer meanwhile.
	Applying *Applying `json:"applying,omitempty"`
	// Disk use (status). StateDir is the launcher's state directory
	// (EnvStateDir; absent when the program was not started by one);
	// StateBytes and StateFiles are the size and number of the regular
	// files in it, PatchesBytes and PatchesPlugins those of its
	// StatePatchesDir and how many of them are plugins (*.so), measured
	// on request by a bounded walk: StatePartial says it stopped early
	// (the numbers are then lower bounds), StateError that the directory
	// could not be read. CopyBytes is the size of the agent's private
	// copies of plugins still on disk: each is removed as soon as it is
	// mapped, so it is 0 but while a patch is being loaded.
	StateDir       string `json:"state_dir,omitempty"`
	StateBytes     int64  `json:"state_bytes,omitempty"`
	StateFiles     int    `json:"state_files,omitempty"`
	PatchesBytes   int64  `json:"patches_bytes,omitempty"`
	PatchesPlugins int    `json:"patches_plugins,omitempty"`
	StatePartial   bool   `json:"state_partial,omitempty"`
	StateError     string `json:"state_error,omitempty"`
	CopyBytes      *int64 `json:"copy_bytes,omitempty"`

	// The agent's own lines only.
	Event string `json:"event,omitempty"`
}

// OldCode is a switched function whose replaced code goroutines are still
// executing: a frame in its old body (main.main blocked in a server, a
// worker's loop) or in a function literal its old body made (a goroutine
// started with go func(){...}()). Each keeps running the old code until it
// returns.
type OldCode struct {
	// Function is the display name, as in Response.Functions.
	Function string `json:"function"`
	// Goroutines counts those inside the old body, Closures those inside
	// a function literal of it.
	Goroutines int `json:"goroutines"`
	Closures   int `json:"closures,omitempty"`
	// Where describes up to three of them: "goroutine 1 [IO wait] at main.go:31".
	Where []string `json:"where,omitempty"`
}

// Err returns nil for a successful response, else an *Error.
func (r *Response) Err() error {
	if r.OK {
		return nil
	}
	return &Error{Code: r.Code, Message: r.Error}
}

// Error is a failure reported by the agent.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Generation describes one generation after the base (gen 0).
type Generation struct {
	Gen  int    `json:"gen"`
	Kind string `json:"kind"` // "apply" or "revert"
	// PatchID and Plugin: the patch applied (kind apply).
	PatchID string `json:"patch_id,omitempty"`
	Plugin  string `json:"plugin,omitempty"`
	// To is the generation whose state a revert restored.
	To *int `json:"to,omitempty"`
	// Functions are the functions the generation switched.
	Functions []string `json:"functions"`
	Time      string   `json:"time"` // RFC 3339 with fractional seconds
}

// Kinds of a Generation.
const (
	KindApply  = "apply"
	KindRevert = "revert"
)
