// Package strconvbench benchmarks strconv's number conversions through its
// public API, the way programs call them. Since Go 1.26 they are implemented
// in internal/strconv, whose own benchmarks call the internal functions
// directly; these follow those benchmarks, case for case (a subset).
package strconvbench

import (
	"fmt"
	"math"
	"strconv"
	"testing"
)

var sink int

type intCase struct {
	name string
	num  int64
}

var intCases = []intCase{
	{"7bit", 1<<7 - 1},
	{"26bit", 1<<26 - 1},
	{"31bit", 1<<31 - 1},
	{"56bit", 1<<56 - 1},
	{"63bit", 1<<63 - 1},
}

func BenchmarkParseInt(b *testing.B) {
	for _, sign := range []struct {
		name string
		neg  int64
	}{{"Pos", 1}, {"Neg", -1}} {
		b.Run(sign.name, func(b *testing.B) {
			for _, c := range intCases {
				b.Run(c.name, func(b *testing.B) {
					s := fmt.Sprintf("%d", c.num*sign.neg)
					for i := 0; i < b.N; i++ {
						out, _ := strconv.ParseInt(s, 10, 64)
						sink += int(out)
					}
				})
			}
		})
	}
}

func BenchmarkAtoi(b *testing.B) {
	for _, sign := range []struct {
		name string
		neg  int64
	}{{"Pos", 1}, {"Neg", -1}} {
		b.Run(sign.name, func(b *testing.B) {
			for _, c := range intCases {
				b.Run(c.name, func(b *testing.B) {
					s := fmt.Sprintf("%d", c.num*sign.neg)
					for i := 0; i < b.N; i++ {
						out, _ := strconv.Atoi(s)
						sink += out
					}
				})
			}
		})
	}
}

// A sample of internal/strconv's itob64tests: several sizes and bases.
var itob = []struct {
	in   int64
	base int
}{
	{0, 10}, {1, 10}, {-1, 10}, {12345678, 10}, {-1 << 63, 10},
	{16, 2}, {-1 << 63, 2}, {12345678, 16}, {1<<63 - 1, 16}, {1<<63 - 1, 36},
}

func BenchmarkFormatInt(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for _, t := range itob {
			sink += len(strconv.FormatInt(t.in, t.base))
		}
	}
}

func BenchmarkAppendInt(b *testing.B) {
	dst := make([]byte, 0, 70)
	for i := 0; i < b.N; i++ {
		for _, t := range itob {
			dst = strconv.AppendInt(dst[:0], t.in, t.base)
			sink += len(dst)
		}
	}
}

func BenchmarkFormatIntSmall(b *testing.B) {
	for _, n := range []int64{7, 42} {
		b.Run(strconv.Itoa(int(n)), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink += len(strconv.FormatInt(n, 10))
			}
		})
	}
}

func BenchmarkItoa(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += len(strconv.Itoa(i))
	}
}

var ftoaBenches = []struct {
	name    string
	float   float64
	fmt     byte
	prec    int
	bitSize int
}{
	{"Decimal", 33909, 'g', -1, 64},
	{"Float", 339.7784, 'g', -1, 64},
	{"Exp", -5.09e75, 'g', -1, 64},
	{"NegExp", -5.11e-95, 'g', -1, 64},
	{"Big", 123456789123456789123456789, 'g', -1, 64},
	{"32Shortest", 1.234567e-8, 'g', -1, 32},
	{"64Fixed4", 1.23456e-78, 'e', 3, 64},
	{"64Fixed12Hard", math.Ldexp(6965949469487146, -249), 'e', 12, 64},
	{"64FixedF1", 123.456, 'f', 6, 64},
}

func BenchmarkFormatFloat(b *testing.B) {
	for _, c := range ftoaBenches {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink += len(strconv.FormatFloat(c.float, c.fmt, c.prec, c.bitSize))
			}
		})
	}
}

func BenchmarkAppendFloat(b *testing.B) {
	dst := make([]byte, 30)
	for _, c := range ftoaBenches {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink += len(strconv.AppendFloat(dst[:0], c.float, c.fmt, c.prec, c.bitSize))
			}
		})
	}
}

func BenchmarkParseFloat(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"Decimal", "33909"},
		{"Float", "339.7784"},
		{"FloatExp", "-5.09e75"},
		{"Big", "123456789123456789123456789"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				f, _ := strconv.ParseFloat(c.s, 64)
				sink += int(f)
			}
		})
	}
}

func BenchmarkParseBool(b *testing.B) {
	for i := 0; i < b.N; i++ {
		v, _ := strconv.ParseBool("true")
		if v {
			sink++
		}
	}
}
