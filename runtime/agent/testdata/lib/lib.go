package lib

import "cmp"

type counter struct{ n int }

// hits is state that must survive every patch.
var hits counter

func (c *counter) incr() int { c.n++; return c.n }

// Hit counts requests.
func Hit() int { return hits.incr() }

func word() string { return "base" }

func Word() string { return word() }

func Max[T cmp.Ordered](a, b T) T {
	if a > b {
		return a
	}
	return b
}

// Wait blocks until ch is closed: the host parks a goroutine in it.
func Wait(ch chan struct{}) { <-ch }
