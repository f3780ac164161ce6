// Command redirect shows what a hot build makes possible: it runs, loads a
// plugin built against the same instrumented build, and runs again with
// some functions replaced - its own, a third package's unexported method,
// a generic function and the standard library's strings.Title... all
// without a restart and with its state intact.
package main

import (
	"fmt"
	"os"
	"plugin"
	"strings"

	"example.com/redirect/shop"
)

func banner() string { return "plain shop" }

func main() {
	c := shop.NewCart()
	round := func(label string) {
		c.Add("apple", 120)
		fmt.Printf("%-7s %s | %s | largest %v %q | %s\n", label, banner(), c.Checkout(),
			shop.Largest(3, 9, 4), shop.Largest("kiwi", "fig"), strings.ToUpper("upper"))
	}
	round("before:")
	if len(os.Args) < 2 {
		return
	}
	if _, err := plugin.Open(os.Args[1]); err != nil {
		fmt.Println("cannot load patch:", err)
		os.Exit(1)
	}
	round("after:")
}
