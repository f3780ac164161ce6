// Package hotlink builds and finds the private linker that links patches
// against the running program's shared libraries (docs/PATCH-LINKING.md).
//
// go1.26's cmd/link cannot link a working -buildmode=plugin -linkshared
// object: it gives the plugin a runtime.addmoduledata of its own (there is
// none: dlopen runs into int3 padding, SIGTRAP) and lists the shared
// library's packages among the plugin's package hashes, whose link-time
// hashes it does not know (plugin.Open refuses "a different version of
// package runtime"). The same linker, built from the toolchain's own
// sources with go build -overlay and a few fixes, links them: a
// one-function patch is tens of KB instead of tens of MB. More changes
// make that link fast: only the shared library's symbols the patch refers
// to are loaded, and of the runtime's those the linker looks up by name
// (listed from the linker's own source: roots.go); they are read through
// an index of the library, built once and mapped by every later link
// (Linker.Index writes it ahead); type data is sliced from a mapping of
// the library; the loader's tables are sized for a patch; the patch's host
// link names no shared library, the process has them mapped; and the C
// linker's flag probes are answered from a cache (three gcc runs of
// ~0.1 s each per link).
//
// The fixes are exact text replacements of this Go version's linker
// source: when one does not apply (another Go version), Build refuses with
// the file and the text it looked for, and hot builds keep plugins that
// carry their dependencies (the launcher's fallback).
package hotlink
