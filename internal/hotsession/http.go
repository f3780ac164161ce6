package hotsession

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Get returns the program's answer to GET path (its body, trimmed).
func (s *Session) Get(path string) string {
	s.t.Helper()
	body, err := get("http://" + s.Addr() + path)
	if err != nil {
		s.fail("%v", err)
	}
	return body
}

// Expect checks the program's answer to GET path.
func (s *Session) Expect(path, want string) {
	s.t.Helper()
	if got := s.Get(path); got != want {
		s.t.Fatalf("GET %s = %q, want %q", path, got, want)
	}
}

func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("GET %s: %v", url, err)
	}
	return strings.TrimSpace(string(b)), nil
}
