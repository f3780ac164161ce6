// Package store is an in-memory, versioned key-value store.
package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"
)

// ErrNotFound is returned for a missing key.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a conditional write sees another version.
var ErrConflict = errors.New("version conflict")

// Item is one stored value.
type Item struct {
	Key      string            `json:"key"`
	Value    string            `json:"value"`
	Labels   map[string]string `json:"labels,omitempty"`
	Version  int64             `json:"version"`
	Modified time.Time         `json:"modified"`
}

// ETag is a content hash of the item.
func (it Item) ETag() string {
	h := sha256.New()
	h.Write([]byte(it.Key))
	h.Write([]byte{0})
	h.Write([]byte(it.Value))
	return `"` + hex.EncodeToString(h.Sum(nil)[:8]) + `"`
}

// Store holds items under a lock.
type Store struct {
	mu    sync.RWMutex
	items map[string]Item
	now   func() time.Time
}

// New returns an empty store.
func New() *Store { return &Store{items: map[string]Item{}, now: time.Now} }

// Get returns the item stored under key.
func (s *Store) Get(key string) (Item, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	it, ok := s.items[key]
	if !ok {
		return Item{}, ErrNotFound
	}
	return it, nil
}

// Put stores value under key; if ifVersion >= 0 the current version must match.
func (s *Store) Put(key, value string, labels map[string]string, ifVersion int64) (Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.items[key]
	if ifVersion >= 0 && (!ok && ifVersion != 0 || ok && cur.Version != ifVersion) {
		return cur, ErrConflict
	}
	it := Item{Key: key, Value: value, Labels: labels, Version: cur.Version + 1, Modified: s.now().UTC()}
	s.items[key] = it
	return it, nil
}

// Delete removes key.
func (s *Store) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[key]; !ok {
		return ErrNotFound
	}
	delete(s.items, key)
	return nil
}

// List returns the items whose key has prefix and whose labels include
// every label of sel, sorted by key.
func (s *Store) List(prefix string, sel map[string]string) []Item {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Item
outer:
	for k, it := range s.items {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		for lk, lv := range sel {
			if it.Labels[lk] != lv {
				continue outer
			}
		}
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Len is the number of items.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}
