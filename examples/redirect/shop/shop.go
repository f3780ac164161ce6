// Package shop is ordinary Go code: nothing in it knows about hot reload.
package shop

import "fmt"

// cart is unexported, and so are its fields and methods: a patch still
// reaches them through the helpers a hot build generates.
type cart struct {
	items []string
	total int
}

// orders counts every checkout: package-level state the patch shares.
var orders int

func NewCart() *cart { return &cart{} }

func (c *cart) add(item string, price int) {
	c.items = append(c.items, item)
	c.total += price
}

func (c *cart) Add(item string, price int) { c.add(item, price) }

func (c *cart) Checkout() string {
	orders++
	return fmt.Sprintf("order #%d: %d items, total %s", orders, len(c.items), formatCents(c.total))
}

func formatCents(c int) string { return fmt.Sprintf("$%d.%02d", c/100, c%100) }

// Largest works for any ordered type.
func Largest[T int | float64 | string](xs ...T) T {
	var m T
	for i, x := range xs {
		if i == 0 || x > m {
			m = x
		}
	}
	return m
}
