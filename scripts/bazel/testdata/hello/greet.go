package main

// Greeting returns the greeting printed by hello.
func Greeting(name string) string {
	return "hello, " + name
}
