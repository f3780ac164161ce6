package lib

import (
	"cmp"
	"fmt"
)

const step = 1

type inner struct{ label string }

type store struct {
	inner
	count int
	Name  string
}

var hits int

func New() *store { return &store{Name: "s", inner: inner{label: "L"}} }

func (s *store) bump(n int) int {
	hits++
	s.count += n * step
	return s.count
}

func (s *store) Bump(n int) string { return fmt.Sprint(s.bump(n)) }

func (s store) describe() string { return s.label + ":" + s.Name }

// describer lists an unexported method: a patch calls it through the
// wrapper the rewrite generates.
type describer interface{ describe() string }

var _ describer = store{}

func (s *store) Describe() string { return s.describe() }

func double(n int) int { return 2 * n }

func Max[T cmp.Ordered](a, b T) T {
	if a > b {
		return a
	}
	return b
}

func Hits() int { return hits }

// Kind is an iota enumeration.
type Kind int

const (
	KindA Kind = iota
	KindB
	KindC
)

const (
	small  = 1
	medium = 2
	large  = 3
)

func Sizes() int { return small*100 + medium*10 + large }

// block's layout depends on large; defaultSize was computed from small.
type block [large]int

var defaultSize = small * 10

func DefaultSize() int { return defaultSize + len(block{}) }

type Base struct{ ID int }

// Item embeds Base, has a tagged field and an unexported one.
type Item struct {
	Base
	Name  string `json:"name"`
	count int
}

func NewItem(name string) *Item { return &Item{Base: Base{ID: 1}, Name: name, count: 1} }

func (it *Item) Count() int { return it.count }

func Kinds() []Kind { return []Kind{KindA, KindB, KindC} }

// Pair is a generic type with a method.
type Pair[K comparable, V any] struct {
	k K
	v V
}

func (p *Pair[K, V]) Show() string { return fmt.Sprint(p.k, "=", p.v) }

func Pairs() string {
	a, b := &Pair[string, int]{"a", 1}, &Pair[int, bool]{2, true}
	return a.Show() + " " + b.Show()
}
