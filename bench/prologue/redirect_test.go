//go:build gohot

package prologue

import "testing"

// Built only instrumented (hotreload go test -tags gohot): the cost of a call
// once its slot is set, i.e. of running patched code. The replacement is a
// func literal (literals get no prologue) doing the same work as the
// original.

func BenchmarkRedirectedAdd1000(b *testing.B) {
	GoHotS_Add = func(a, b int) int { return a + b }
	defer func() { GoHotS_Add = nil }()
	for b.Loop() {
		s := 0
		for i := range 1000 {
			s = Add(s, i)
		}
		sinkInt = s
	}
}

func BenchmarkRedirectedGetter1000(b *testing.B) {
	GoHotS_Counter_Get = func(c *Counter) int { return c.n }
	defer func() { GoHotS_Counter_Get = nil }()
	cs := make([]Counter, 1000)
	for i := range cs {
		cs[i].n = i
	}
	for b.Loop() {
		s := 0
		for i := range cs {
			s += cs[i].Get()
		}
		sinkInt = s
	}
}

func BenchmarkRedirectedGenericMaxInt1000(b *testing.B) {
	hs := []interface{}{func(a, b int) int {
		if a > b {
			return a
		}
		return b
	}}
	GoHotS_Max = &hs
	defer func() { GoHotS_Max = nil }()
	for b.Loop() {
		s := 0
		for i := range 1000 {
			s = Max(s, i)
		}
		sinkInt = s
	}
}
