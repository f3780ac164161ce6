// Package lib is the program's own package the patches replace code of.
package lib

import (
	"encoding/json"
	"net/http"
)

// Greeting is state the host keeps across patches.
var Greeting = "hello"

// Handler serves Greeting: the program links net/http and encoding/json,
// which a plain plugin carries copies of.
func Handler(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]string{"msg": Greeting})
}
