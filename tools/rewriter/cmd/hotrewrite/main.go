package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/gohot/rules_go_hot/tools/rewriter"
)

func main() {
	var files []rewriter.File
	for _, a := range os.Args[2:] {
		b, err := os.ReadFile(a)
		if err != nil {
			panic(err)
		}
		files = append(files, rewriter.File{Name: a, Src: b})
	}
	res, err := rewriter.Rewrite(rewriter.Config{ImportPath: os.Args[1]}, files)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, f := range res.Files {
		fmt.Printf("==== %s\n%s", f.Name, f.Src)
	}
	json.NewEncoder(os.Stdout).Encode(res.Manifest)
}
