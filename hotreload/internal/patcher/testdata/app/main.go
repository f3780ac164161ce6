// The test host: it reads commands on stdin, and applies patches with a
// minimal stand-in for the agent (the same reflect-based slot switch).
package main

import (
	"bufio"
	"fmt"
	"os"
	"plugin"
	"reflect"
	"strings"

	"example.com/app/lib"
)

func greet(name string) string { return "hello " + name }

// counter is a type of package main.
type counter int

// first is a generic function of package main: a patch cannot reach it.
func first[T any](a, b T) T { return a }

func kindB() int { return int(lib.KindB) }

func show(it *lib.Item) string { return fmt.Sprint(it.ID, " ", it.Name, " ", it.Count()) }

func main() {
	s := lib.New()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "call":
			fmt.Println("result", s.Bump(1), s.Describe(), lib.Max(3, 7), lib.Max("a", "b"), greet("x"), lib.Hits())
		case "item":
			fmt.Println("item", show(lib.NewItem("n")), lib.Sizes(), lib.Kinds())
		case "kind":
			fmt.Println("kind", kindB(), lib.DefaultSize(), lib.Pairs())
		case "load":
			if err := apply(f[1]); err != nil {
				fmt.Println("error", err)
				continue
			}
			fmt.Println("loaded")
		}
	}
}

func apply(path string) error {
	p, err := plugin.Open(path)
	if err != nil {
		return err
	}
	sym, err := p.Lookup("GoHotPatchSlots")
	if err != nil {
		return err
	}
	pairs := *sym.(*[]any)
	for i := 0; i < len(pairs); i += 2 {
		slot := reflect.ValueOf(pairs[i]).Elem()
		if pairs[i+1] == nil {
			slot.Set(reflect.Zero(slot.Type()))
		} else {
			slot.Set(reflect.ValueOf(pairs[i+1]))
		}
	}
	return nil
}
