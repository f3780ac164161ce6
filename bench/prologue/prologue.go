// Package prologue holds the functions that the micro-benchmarks of
// bench/prologue.sh call, plainly and instrumented: each shape of function
// that the instrumentation prologue
//
//	if h := GoHotS_F; h != nil { return h(args) }
//
// affects differently. See docs/PERFORMANCE.md.
package prologue

import "cmp"

// Counter has the getter/setter shape that inlining normally makes free.
type Counter struct {
	n    int
	hits int
}

// Get is a one-line getter (inlinable when plain).
func (c *Counter) Get() int { return c.n }

// Inc is a one-line setter (inlinable when plain).
func (c *Counter) Inc() { c.n++ }

// Point is a small value type.
type Point struct{ X, Y int }

// Dist2 is a method with a value receiver (inlinable when plain).
func (p Point) Dist2() int { return p.X*p.X + p.Y*p.Y }

// Add is a small leaf function (inlinable when plain).
func Add(a, b int) int { return a + b }

// Clamp is a small leaf function with branches (inlinable when plain).
func Clamp(x, lo, hi int) int {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// Max is a generic leaf function (inlinable when plain); instrumented, its
// slot is a *[]interface{} searched with a type assertion.
func Max[T cmp.Ordered](a, b T) T {
	if a > b {
		return a
	}
	return b
}

// AddNoInline is Add, never inlined: the prologue's own cost (a load and a
// branch) without any inlining loss.
//
//go:noinline
func AddNoInline(a, b int) int { return a + b }

// Sum4 reads through a pointer that does not escape when plain. Instrumented
// in the default mode the pointer is passed on to the slot's function, so it
// escapes: callers' arrays move to the heap.
func Sum4(p *[4]int) int { return p[0] + p[1] + p[2] + p[3] }

// SumV is variadic: plain, the implicit argument slice stays on the
// caller's stack; in the default instrumented mode it escapes.
func SumV(xs ...int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// Fill writes into a caller's buffer (a pointer argument, not retained).
func Fill(b []byte, c byte) {
	for i := range b {
		b[i] = c
	}
}

// Shape is an interface: calls through it are dynamic (not inlined either
// way, unless devirtualized).
type Shape interface{ Area() int }

// Rect implements Shape.
type Rect struct{ W, H int }

// Area is called through the Shape interface.
func (r Rect) Area() int { return r.W * r.H }

// Checksum is a larger function (a loop, never inlined): the prologue is
// noise next to its body.
func Checksum(b []byte) uint32 {
	var h uint32 = 2166136261
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

// fib is recursive: every level pays the prologue.
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

// Fib is exported for the benchmark.
func Fib(n int) int { return fib(n) }
