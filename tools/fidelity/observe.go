package fidelity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"
)

// Ports maps the {port} placeholders of a program's settings to the ports
// of one running instance.
type Ports map[string]string

// freePorts picks a free loopback port for each placeholder.
func freePorts(names ...string) (Ports, error) {
	ps := Ports{}
	for _, n := range names {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		_, port, _ := net.SplitHostPort(l.Addr().String())
		l.Close()
		ps[n] = port
	}
	return ps, nil
}

// placeholders lists the {port...} names the program's arguments use.
func (p *Program) placeholders() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range p.Args {
		for _, n := range portRe.FindAllString(a, -1) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

var portRe = regexp.MustCompile(`\{port\d*\}`)

// expand replaces the placeholders in s.
func (ps Ports) expand(s string) string {
	for k, v := range ps {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// hide replaces the port numbers in an observation by their placeholders,
// so two instances on different ports compare equal.
func (ps Ports) hide(s string) string {
	for k, v := range ps {
		// Only the whole number: a port's digits inside a longer number
		// (a size, a time) are not the port.
		s = regexp.MustCompile(`\b`+v+`\b`).ReplaceAllLiteralString(s, k)
	}
	return s
}

// Observation is what one probe saw, normalised.
type Observation struct {
	Probe string `json:"probe"`
	Seen  string `json:"seen"`
}

// observe runs the probes against one instance.
func (p *Program) observe(ports Ports, probes []Probe) []Observation {
	var out []Observation
	for _, pr := range probes {
		seen, err := runProbe(ports, pr, 10*time.Second)
		if err != nil {
			seen += "\n<error: " + err.Error() + ">"
		}
		seen = ports.hide(seen)
		for _, r := range p.Normalize {
			seen = r.Re.ReplaceAllString(seen, r.Repl)
		}
		out = append(out, Observation{Probe: pr.String(), Seen: seen})
	}
	return out
}

var client = &http.Client{
	Timeout: 10 * time.Second,
	// One connection per request: a keep-alive connection would be served
	// by a goroutine parked in the code of the previous generation.
	Transport: &http.Transport{DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// runProbe makes one observation; the answer is kept even when it ends in
// an error (a connection closed early is part of what a program does).
func runProbe(ports Ports, pr Probe, timeout time.Duration) (string, error) {
	addr := "127.0.0.1:" + ports.expand(pr.Port)
	switch pr.Kind {
	case "http":
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, pr.Method, "http://"+addr+pr.Path, strings.NewReader(pr.Body))
		if err != nil {
			return "", err
		}
		if pr.Body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return fmt.Sprintf("%s\nContent-Type: %s\n\n%s", resp.Status, resp.Header.Get("Content-Type"), body), err
	case "tcp":
		c, err := net.DialTimeout("tcp", addr, timeout)
		if err != nil {
			return "", err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		if _, err := io.WriteString(c, pr.Body); err != nil {
			return "", err
		}
		// Read until the peer closes, or is quiet for a moment.
		var buf bytes.Buffer
		chunk := make([]byte, 64<<10)
		for {
			c.SetReadDeadline(time.Now().Add(700 * time.Millisecond))
			n, err := c.Read(chunk)
			buf.Write(chunk[:n])
			if err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) {
					return buf.String(), nil
				}
				return buf.String(), err
			}
		}
	}
	return "", fmt.Errorf("unknown probe kind %q", pr.Kind)
}

// waitReady waits until the instance answers its ready probe, or dead
// reports that it exited, or the time is up.
func waitReady(ports Ports, pr Probe, dead <-chan struct{}, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		var err error
		switch pr.Kind {
		case "tcp":
			var c net.Conn
			c, err = net.DialTimeout("tcp", "127.0.0.1:"+ports.expand(pr.Port), time.Second)
			if err == nil {
				c.Close()
			}
		case "http":
			_, err = runProbe(ports, pr, 2*time.Second)
		}
		if err == nil {
			return nil
		}
		select {
		case <-dead:
			return errors.New("the program exited before it served")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not serving after %s: %v", limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// diff returns a short description of the first difference between two
// observation lists, or "".
func diff(a, b []Observation) string {
	for i := range a {
		if i >= len(b) {
			break
		}
		if a[i].Seen != b[i].Seen {
			return fmt.Sprintf("%s:\n  patched: %s\n  rebuilt: %s", a[i].Probe, clip(a[i].Seen), clip(b[i].Seen))
		}
	}
	if len(a) != len(b) {
		return fmt.Sprintf("%d observations against %d", len(a), len(b))
	}
	return ""
}

func clip(s string) string {
	s = strings.ReplaceAll(s, "\n", `\n`)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
