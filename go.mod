module github.com/gohot/rules_go_hot

go 1.26.0

require (
	github.com/fsnotify/fsnotify v1.9.0
	github.com/rogpeppe/go-internal v1.16.0
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/tools v0.52.0
)

// The Gazelle extension (gazelle/) and its tests. bazel-gazelle v0.53.0's
// packages are thin aliases over its nested v2 module.
require (
	github.com/bazel-contrib/bazel-gazelle/v2 v2.0.0-3
	github.com/bazelbuild/bazel-gazelle v0.53.0
	github.com/bazelbuild/buildtools v0.0.0-20250930140053-2eb4fccefb52
)

require (
	github.com/bmatcuk/doublestar/v4 v4.9.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/tools/go/vcs v0.1.0-deprecated // indirect
)
