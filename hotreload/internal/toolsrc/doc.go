// Package toolsrc builds a private copy of one of the Go toolchain's own
// commands (cmd/link, cmd/compile) from the toolchain's sources with exact
// text replacements and added files (go build -overlay): the private
// linker of -linkshared patches (hotlink) and the hot compiler
// (hotcompile). A replacement that does not apply — another Go version —
// is refused with the file and the text looked for, and the caller falls
// back to the stock tool.
package toolsrc
