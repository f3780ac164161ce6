package protocol

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
)

// Client talks to one agent. Its methods may be called from several
// goroutines; requests go out one at a time.
type Client struct {
	mu   sync.Mutex
	conn net.Conn
	r    *bufio.Reader
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
	line, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.conn.Write(append(line, '\n')); err != nil {
		return nil, err
	}
	data, err := c.r.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("reading the agent's response: %v", err)
	}
	var resp Response
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("agent response %q: %v", data, err)
	}
	return &resp, resp.Err()
}

// Apply asks the agent to apply the patch plugin (made absolute here,
// since the agent may run in another directory).
func (c *Client) Apply(plugin string) (*Response, error) {
	abs, err := filepath.Abs(plugin)
	if err != nil {
		return nil, err
	}
	return c.Do(Request{Op: OpApply, Plugin: abs})
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
