module github.com/gohot/rules_go_hot

go 1.26.0

require (
	github.com/fsnotify/fsnotify v1.9.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
)
