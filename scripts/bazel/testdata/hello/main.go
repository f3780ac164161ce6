// Command hello is the smoke-test binary of scripts/bazel/smoke_test.sh.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("%s (%s)\n", Greeting("bazel"), runtime.Version())
}
