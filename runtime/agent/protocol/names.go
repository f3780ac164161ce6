package protocol

// The names the parts of a hot program agree on, each spelled here once:
// the patcher generates them, the agent looks them up, the injector and
// the rules put them in builds. (Starlark cannot import Go: the rules'
// spellings live in rules/private/names.bzl, checked against these by a
// test.)
const (
	// PatchSlotsSymbol is the variable every patch plugin exports:
	// []any pairing each slot's address with its new value (nil: back to
	// the original code). The agent switches them together.
	PatchSlotsSymbol = "GoHotPatchSlots"
	// PatchNamesSymbol is the []string naming the function of each pair
	// of PatchSlotsSymbol, e.g. "example.com/app/store.counter.incr".
	PatchNamesSymbol = "GoHotPatchNames"
	// PatchTableFile is the generated file of a patch that declares the
	// two symbols above.
	PatchTableFile = "zz_gohot_table.go"
	// PatchPackagePrefix starts the import path of every patch's package
	// main; each patch has its own (a plugin path loads only once).
	PatchPackagePrefix = "gohotpatch/"

	// InjectDir is the directory, inside the program's module, where the
	// go command's overlay adds the agent's packages.
	InjectDir = "gohotagent"
	// AgentImportFile is the file added to package main that imports the
	// agent (by the overlay, or by go_hot_binary).
	AgentImportFile = "zz_gohot_agent.go"
	// BaseTableFile is the generated file of the injected agent package
	// that sets the base's package hash table (the agent's basePackages),
	// which patches are verified against.
	BaseTableFile = "zz_gohot_base.go"

	// StatePatchesDir is the subdirectory of the launcher's state
	// directory (EnvStateDir) that holds the patches it builds, one
	// directory each.
	StatePatchesDir = "patches"
	// LoadDirPrefix starts the name of the private directory the agent
	// copies a plugin into before it loads it, followed by the pid of
	// the process and a random part (.gohot-load-4242-123456789).
	LoadDirPrefix = ".gohot-load-"
)
