// Command host loads the patches named by its arguments one after the
// other, runs each one's Patch, checks it changed the host's own state,
// and prints what each load cost: time and resident memory.
package main

import (
	"fmt"
	"os"
	"plugin"
	"strconv"
	"strings"
	"time"

	"example.com/m/lib"
)

func rssKB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func main() {
	_ = lib.Handler // the host links what lib needs
	base := rssKB()
	for i, path := range os.Args[1:] {
		before := rssKB()
		start := time.Now()
		p, err := plugin.Open(path)
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(1)
		}
		load := time.Since(start)
		f, err := p.Lookup("Patch")
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		f.(func() string)()
		if want := fmt.Sprintf("patched %d", i+1); lib.Greeting != want {
			fmt.Printf("patch %d: the host's lib.Greeting is %q, want %q: the patch changed a copy\n", i+1, lib.Greeting, want)
			os.Exit(1)
		}
		fmt.Printf("patch %d: load %.1f ms, RSS +%d KB\n", i+1, float64(load.Microseconds())/1000, rssKB()-before)
	}
	fmt.Printf("total: RSS %d KB -> %d KB\n", base, rssKB())
}
