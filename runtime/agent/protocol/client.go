package protocol

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultTimeout bounds an exchange with the agent: the agent's own
// limit on a patch's init (DefaultInitTimeout) plus a minute for copying
// and checking a large plugin on a loaded machine. A client that waits
// longer is talking to a stopped or wedged process.
const DefaultTimeout = DefaultInitTimeout + time.Minute

// statusTimeout bounds the status request an apply makes first (to name
// the generation it will make): status answers at once.
const statusTimeout = 10 * time.Second

// Client talks to one agent. Its methods may be called from several
// goroutines; requests go out one at a time.
type Client struct {
	// Timeout bounds each exchange (0: DefaultTimeout; negative: none).
	// After a timeout the connection is closed: a late answer would be
	// read as the next request's.
	Timeout time.Duration

	mu     sync.Mutex
	conn   net.Conn
	r      *bufio.Reader
	broken error
}

// TimeoutError is an exchange the agent did not answer in time.
type TimeoutError struct {
	Op    string
	After time.Duration
	// For an apply (from the status asked first; 0 and "" if unknown):
	// the agent's process, the patch and the generation it would make.
	PID     int
	Plugin  string
	PatchID string
	Gen     int
}

func (e *TimeoutError) Error() string {
	if e.Op != OpApply {
		return fmt.Sprintf("the agent did not answer %s within %v: the process is stopped or wedged", e.Op, e.After)
	}
	who := "the agent"
	if e.PID != 0 {
		who = fmt.Sprintf("the agent (pid %d)", e.PID)
	}
	what := e.Plugin
	if e.PatchID != "" {
		what = fmt.Sprintf("patch %s (%s)", e.PatchID, e.Plugin)
	}
	gen := ""
	if e.Gen != 0 {
		gen = fmt.Sprintf(" as generation %d", e.Gen)
	}
	return fmt.Sprintf("no answer from %s after %v while it applies %s%s: the process is stopped or wedged (a patch's init is given up after %s, %v by default); nothing more was sent, and hotreload status tells where it stands", who, e.After, what, gen, EnvInitTimeout, DefaultInitTimeout)
}

// Dial connects to the agent listening on socketPath.
func Dial(socketPath string) (*Client, error) {
	c, err := net.Dial("unix", socketPath)
	if err != nil {
		return nil, err
	}
	return &Client{conn: c, r: bufio.NewReader(c)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Do sends one request and reads its response. The error is non-nil when
// the exchange failed or the agent refused (an *Error carrying the code);
// the response is non-nil whenever the agent answered.
func (c *Client) Do(req Request) (*Response, error) {
	return c.do(req, c.Timeout)
}

func (c *Client) do(req Request, timeout time.Duration) (*Response, error) {
	line, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return nil, fmt.Errorf("the connection to the agent is closed (%v)", c.broken)
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Time{}
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	c.conn.SetDeadline(deadline)
	timedOut := func(err error) error {
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		c.broken = &TimeoutError{Op: req.Op, After: timeout, Plugin: req.Plugin}
		c.conn.Close()
		return c.broken
	}
	if _, err := c.conn.Write(append(line, '\n')); err != nil {
		if terr := timedOut(err); terr != nil {
			return nil, terr
		}
		return nil, err
	}
	data, err := c.r.ReadBytes('\n')
	if err != nil {
		if terr := timedOut(err); terr != nil {
			return nil, terr
		}
		return nil, fmt.Errorf("reading the agent's response: %v", err)
	}
	var resp Response
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("agent response %q: %v", data, err)
	}
	return &resp, resp.Err()
}

// Apply asks the agent to apply the patch plugin: made absolute (the
// agent may run in another directory) and resolved (the agent opens no
// symbolic link). It asks the status first, so that a timeout names the
// process and the generation the patch would have made.
func (c *Client) Apply(plugin string) (*Response, error) {
	abs, err := filepath.Abs(plugin)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	st, err := c.do(Request{Op: OpStatus}, min(statusTimeout, c.timeout()))
	if err != nil {
		return st, err
	}
	resp, err := c.Do(Request{Op: OpApply, Plugin: abs})
	var te *TimeoutError
	if errors.As(err, &te) {
		te.PID, te.Gen = st.PID, st.Gen+1
		if m, merr := ReadManifest(ManifestPath(abs)); merr == nil {
			te.PatchID = m.PatchID
		}
	}
	return resp, err
}

// timeout is the Timeout in force (none: a very long one).
func (c *Client) timeout() time.Duration {
	switch {
	case c.Timeout == 0:
		return DefaultTimeout
	case c.Timeout < 0:
		return 1<<63 - 1
	}
	return c.Timeout
}

// Status returns the agent's pid, build ID and generations.
func (c *Client) Status() (*Response, error) { return c.Do(Request{Op: OpStatus}) }

// Revert restores generation *gen, or the one before the current
// generation when gen is nil.
func (c *Client) Revert(gen *int) (*Response, error) {
	if gen != nil && *gen < 0 {
		return nil, errors.New("revert: negative generation")
	}
	return c.Do(Request{Op: OpRevert, Gen: gen})
}
