package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

type pollResult struct {
	at    time.Time
	hits  int
	polls int
	err   error
}

// poll asks for t.Path every -poll until the response shows rev.
func poll(c *http.Client, addr string, t *target, rev int, t0 time.Time, stop <-chan struct{}) pollResult {
	deadline := t0.Add(*editWait)
	n := 0
	for time.Now().Before(deadline) {
		n++
		body, err := get(c, addr, t.Path)
		if err == nil {
			if got, ok := match(t.rev, body); ok && got == rev {
				h, _ := match(t.hits, body)
				return pollResult{at: time.Now(), hits: h, polls: n}
			}
		}
		select {
		case <-stop:
			return pollResult{err: errors.New("stopped")}
		case <-time.After(*pollEvery):
		}
	}
	return pollResult{err: fmt.Errorf("rev %d not served within %v", rev, *editWait)}
}

func currentHits(c *http.Client, addr string, t *target) int {
	body, err := get(c, addr, t.Path)
	if err != nil {
		return -1
	}
	h, _ := match(t.hits, body)
	return h
}

func match(re *regexp.Regexp, s string) (int, bool) {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

func get(c *http.Client, addr, path string) (string, error) {
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return string(b), err
}

// scanListening sends each "listening on http://ADDR" address (only
// loopback ones) to addrs.
func scanListening(r io.Reader, addrs chan<- string, logLine func(string)) {
	re := regexp.MustCompile(`listening on http://(\S+)`)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l := sc.Text()
		logLine(l)
		if m := re.FindStringSubmatch(l); m != nil {
			host, _, err := net.SplitHostPort(m[1])
			if err != nil || host != "127.0.0.1" {
				log.Printf("ignoring %q: not a 127.0.0.1 address", m[1])
				continue
			}
			select {
			case addrs <- m[1]:
			default:
			}
		}
	}
}
