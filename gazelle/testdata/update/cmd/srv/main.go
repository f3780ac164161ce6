package main

import (
	"fmt"

	"example.com/app/lib"
)

var version = "dev"

func main() { fmt.Println(lib.Greeting(), version) }
