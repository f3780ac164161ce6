// Package main is a patch: built with `hotreload go build -buildmode=plugin`
// against the same instrumented build as the program, it replaces functions
// by setting their slots when it loads. (The live-reload tools generate
// such patches from edited sources; this one is written by hand.)
package main

import (
	"fmt"
	"strings"
	_ "unsafe" // for go:linkname

	"example.com/redirect/shop"
)

// Package main of the program cannot be imported; its slots are reached by
// symbol name.
//
//go:linkname bannerSlot main.GoHotS_banner
var bannerSlot func() string

func init() {
	bannerSlot = func() string { return "PATCHED shop" }

	// An unexported method of an unexported type: 10% off every item.
	shop.GoHotS_cart_add = func(c *shop.GoHotT_cart, item string, price int) {
		*shop.GoHotF_cart_items(c) = append(*shop.GoHotF_cart_items(c), item+"(-10%)")
		*shop.GoHotF_cart_total(c) += price * 9 / 10
	}
	// An unexported function, and the standard library.
	shop.GoHotS_formatCents = func(c int) string { return fmt.Sprintf("%d cents", c) }
	strings.GoHotS_ToUpper = func(s string) string { return "~" + s + "~" }

	// A generic function, per instantiation.
	largest := []interface{}{
		func(xs ...int) int { return -1 },
		func(xs ...string) string { return "none" },
	}
	shop.GoHotS_Largest = &largest
}
