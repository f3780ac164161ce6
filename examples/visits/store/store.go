// Package store keeps the service's state in memory: page counters and
// user sessions. Everything here is unexported on purpose: hot patches
// still reach it.
package store

import (
	"fmt"
	"sort"
	"strconv"
	"sync"
)

// counter counts hits per page.
type counter struct {
	mu    sync.Mutex
	hits  map[string]int
	total int
}

func (c *counter) add(page string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hits[page]++
	c.total++
	return c.hits[page]
}

// session is one logged-in user.
type session struct {
	id     string
	user   string
	visits int
}

func (s *session) describe() string {
	return fmt.Sprintf("user %s, %d visits", s.user, s.visits)
}

type sessions struct {
	mu   sync.Mutex
	next int
	byID map[string]*session
}

func (s *sessions) login(user string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	ses := &session{id: "s" + strconv.Itoa(s.next), user: user}
	s.byID[ses.id] = ses
	return ses
}

func (s *sessions) visit(id string) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ses, ok := s.byID[id]
	if ok {
		ses.visits++
	}
	return ses, ok
}

// topN returns the n keys with the largest counts.
func topN[K comparable](m map[K]int, n int, less func(a, b K) bool) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return less(keys[i], keys[j])
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}

// Store is the service's whole state.
type Store struct {
	pages counter
	users sessions
}

// New returns an empty store.
func New() *Store {
	return &Store{pages: counter{hits: map[string]int{}}, users: sessions{byID: map[string]*session{}}}
}

// Hit counts a visit of page and says how many there were.
func (s *Store) Hit(page string) string {
	n := s.pages.add(page)
	return fmt.Sprintf("page %s: %d hits", page, n)
}

// Login starts a session and returns its id.
func (s *Store) Login(user string) string { return s.users.login(user).id }

// Me records a visit in a session and describes it.
func (s *Store) Me(id string) (string, bool) {
	ses, ok := s.users.visit(id)
	if !ok {
		return "", false
	}
	return ses.describe(), true
}

// Top lists the most visited pages.
func (s *Store) Top(n int) []string {
	s.pages.mu.Lock()
	defer s.pages.mu.Unlock()
	return topN(s.pages.hits, n, func(a, b string) bool { return a < b })
}
