package rewriter

import "testing"

func TestIsHotPrologueSlot(t *testing.T) {
	for name, want := range map[string]bool{
		"GoHotS_F":                 true,
		"GoHotS_T_Method":          true,
		"GoHotL_F":                 true,
		"GoHotC_F_0":               true,
		"GoHotCL_F_1":              true,
		"GoHot3S_F":                true,
		"GoHotD0a1b2c3dS_F":        true,
		"GoHotD0a1b2c3d2L_F":       true,
		"GoHotW_F":                 false, // a wrapper
		"GoHotV_x":                 false, // an accessor
		"GoHotT_t":                 false,
		"GoHotN":                   false, // the laundering helper
		"GoHotSlot":                false,
		"goHotS_F":                 false,
		"S_F":                      false,
		"GoHotDzzzzzzzzS_F":        false,
		"GoHotUnsafe":              false,
		"GoHotkeepTable":           false,
		"GoHotD0a1b2c3dW_F":        false,
		"XGoHotS_F":                false,
		"GoHotS":                   false,
		"GoHotCLX_F":               false,
		"GoHot12345678901234S_F_2": true,
	} {
		if got := IsHotPrologueSlot(name); got != want {
			t.Errorf("IsHotPrologueSlot(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestSlotNamesRecognized: every slot and loader the rewriter generates
// for the goldens is recognized, and nothing else it generates is.
func TestSlotNamesRecognized(t *testing.T) {
	for _, race := range []bool{false, true} {
		res, err := Rewrite(Config{ImportPath: "example.com/p", Race: race, Closures: true}, []File{{Name: "a.go", Src: []byte(`package p

func F(x int) int { return x }

type T struct{}

func (T) M() {}

func G[E any](e E) E { return e }

func H() func() int { return func() int { return 1 } }
`)}})
		if err != nil {
			t.Fatal(err)
		}
		slots := map[string]bool{}
		for _, fn := range res.Manifest.Funcs {
			for _, n := range []string{fn.Slot, fn.Loader} {
				if n != "" {
					slots[n] = true
				}
			}
		}
		for _, c := range res.Manifest.Closures {
			for _, n := range []string{c.Slot, c.Loader} {
				if n != "" {
					slots[n] = true
				}
			}
		}
		if len(slots) < 4 {
			t.Fatalf("race=%v: only %d slots generated: %v", race, len(slots), slots)
		}
		for n := range slots {
			if !IsHotPrologueSlot(n) {
				t.Errorf("race=%v: generated slot %s not recognized", race, n)
			}
		}
		for _, fn := range res.Manifest.Funcs {
			if fn.Wrapper != "" && IsHotPrologueSlot(fn.Wrapper) {
				t.Errorf("wrapper %s taken for a slot", fn.Wrapper)
			}
		}
	}
}
