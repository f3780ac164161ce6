//go:build !linux

package agent

// execAllowed cannot tell a noexec mount here: every directory is tried.
func execAllowed(dir string) bool { return true }
