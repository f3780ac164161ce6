package prologue

import "testing"

// Results go to package-level sinks so that nothing is optimized away.
var (
	sinkInt int
	sinkU32 uint32
	sinkF64 float64
	sinkStr string
)

// The loop benchmarks do 1000 calls per op, as in DESIGN.md's getter
// measurement (ns/op is then ns per 1000 calls).

func BenchmarkGetter1000(b *testing.B) {
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

func BenchmarkSetter1000(b *testing.B) {
	var c Counter
	for b.Loop() {
		for range 1000 {
			c.Inc()
		}
	}
	sinkInt = c.n
}

func BenchmarkValueMethod1000(b *testing.B) {
	ps := make([]Point, 1000)
	for i := range ps {
		ps[i] = Point{i, i + 1}
	}
	for b.Loop() {
		s := 0
		for _, p := range ps {
			s += p.Dist2()
		}
		sinkInt = s
	}
}

func BenchmarkLeafAdd1000(b *testing.B) {
	for b.Loop() {
		s := 0
		for i := range 1000 {
			s = Add(s, i)
		}
		sinkInt = s
	}
}

func BenchmarkLeafClamp1000(b *testing.B) {
	for b.Loop() {
		s := 0
		for i := range 1000 {
			s += Clamp(i, 100, 900)
		}
		sinkInt = s
	}
}

func BenchmarkGenericMaxInt1000(b *testing.B) {
	for b.Loop() {
		s := 0
		for i := range 1000 {
			s = Max(s, i)
		}
		sinkInt = s
	}
}

func BenchmarkGenericMaxFloat1000(b *testing.B) {
	for b.Loop() {
		s := 0.0
		for i := range 1000 {
			s = Max(s, float64(i))
		}
		sinkF64 = s
	}
}

func BenchmarkGenericMaxString1000(b *testing.B) {
	strs := []string{"a", "b", "c", "d"}
	for b.Loop() {
		s := ""
		for i := range 1000 {
			s = Max(s, strs[i&3])
		}
		sinkStr = s
	}
}

func BenchmarkNoInlineAdd1000(b *testing.B) {
	for b.Loop() {
		s := 0
		for i := range 1000 {
			s = AddNoInline(s, i)
		}
		sinkInt = s
	}
}

func BenchmarkInterfaceCall1000(b *testing.B) {
	shapes := make([]Shape, 1000)
	for i := range shapes {
		shapes[i] = Rect{i, 2}
	}
	for b.Loop() {
		s := 0
		for _, sh := range shapes {
			s += sh.Area()
		}
		sinkInt = s
	}
}

// Pointer arguments: escapes (B/op, allocs/op) in the default mode.

func BenchmarkPointerArg(b *testing.B) {
	for b.Loop() {
		a := [4]int{1, 2, 3, 4}
		sinkInt = Sum4(&a)
	}
}

func BenchmarkVariadic(b *testing.B) {
	for b.Loop() {
		sinkInt = SumV(1, 2, 3, 4)
	}
}

func BenchmarkFillStackBuf(b *testing.B) {
	for b.Loop() {
		var buf [64]byte
		Fill(buf[:], 'x')
		sinkInt = int(buf[7])
	}
}

// Larger functions: the prologue is in the noise.

func BenchmarkChecksum1K(b *testing.B) {
	data := make([]byte, 1024)
	for i := range data {
		data[i] = byte(i)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sinkU32 = Checksum(data)
	}
}

func BenchmarkFib20(b *testing.B) {
	for b.Loop() {
		sinkInt = Fib(20)
	}
}
