package agent

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gohot/rules_go_hot/runtime/agent/protocol"
)

// checkELF checks, before the file reaches dlopen, what dlopen would map
// and run: a complete ELF shared object for this process's architecture
// (every segment and section inside the file: a truncated file is
// SIGBUS in dlopen), a Go plugin (its build ID note, pclntab and build
// info, the patch table symbol), whose only constructors are the C
// runtime's frame_dummy and Go's module registration (a foreign library's
// constructor would run inside dlopen, and the Go runtime then dies on
// "no plugin module data"), needing only libraries this process has
// already mapped (so dlopen runs no other library's constructors).
func checkELF(path string, size int64) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("not a complete ELF file (truncated, damaged or not ELF at all): %v", err)
	}
	defer f.Close()
	if want, ok := elfMachines[runtime.GOARCH]; ok && f.Machine != want {
		return fmt.Errorf("built for %v, this process is %s", f.Machine, runtime.GOARCH)
	}
	if f.Type != elf.ET_DYN {
		return fmt.Errorf("an ELF %v, not a shared object", f.Type)
	}
	for i, p := range f.Progs {
		if end := p.Off + p.Filesz; end < p.Off || end > uint64(size) {
			return fmt.Errorf("program header %d (%v) spans bytes %d to %d of a %d-byte file: truncated or damaged", i, p.Type, p.Off, end, size)
		}
		if p.Type == elf.PT_LOAD && p.Filesz > p.Memsz {
			return fmt.Errorf("segment %d maps %d file bytes into %d bytes of memory: damaged", i, p.Filesz, p.Memsz)
		}
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || s.Type == elf.SHT_NULL {
			continue
		}
		if end := s.Offset + s.FileSize; end < s.Offset || end > uint64(size) {
			return fmt.Errorf("section %s spans bytes %d to %d of a %d-byte file: truncated or damaged", s.Name, s.Offset, end, size)
		}
	}
	// Only the line table is required: the patcher links patches
	// without a build ID note, and a stripped-down link may omit the
	// build info; the module data constructor is checked below.
	if f.Section(".gopclntab") == nil {
		return fmt.Errorf("no .gopclntab section: not a Go plugin")
	}
	if v, err := f.DynValue(elf.DT_PREINIT_ARRAY); err != nil || len(v) > 0 {
		return fmt.Errorf("has a pre-init array (or an unreadable dynamic section: %v): not a Go plugin", err)
	}
	dyn, err := f.DynamicSymbols()
	if err != nil {
		return fmt.Errorf("dynamic symbols: %v", err)
	}
	table := false
	for _, s := range dyn {
		table = table || strings.HasSuffix(s.Name, "."+protocol.PatchSlotsSymbol) && elf.ST_TYPE(s.Info) == elf.STT_OBJECT
	}
	if !table {
		return fmt.Errorf("exports no %s: not a hotreload patch", protocol.PatchSlotsSymbol)
	}
	if err := checkConstructors(f); err != nil {
		return err
	}
	return checkNeeded(f)
}

// elfMachines are the ELF machines of the architectures plugins run on.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "arm": elf.EM_ARM,
	"ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390, "riscv64": elf.EM_RISCV, "loong64": elf.EM_LOONGARCH,
}

// goConstructors are the functions a Go plugin's .init_array holds.
var goConstructors = map[string]bool{"frame_dummy": true, "go:link.addmoduledata": true}

// checkConstructors checks that each .init_array entry is one of
// goConstructors.
func checkConstructors(f *elf.File) error {
	s := f.Section(".init_array")
	if s == nil {
		return fmt.Errorf("no .init_array: not a Go plugin (Go registers a plugin's module there)")
	}
	data, err := s.Data()
	if err != nil {
		return fmt.Errorf(".init_array: %v", err)
	}
	word := 8
	if f.Class == elf.ELFCLASS32 {
		word = 4
	}
	if len(data)%word != 0 {
		return fmt.Errorf(".init_array has %d bytes: damaged", len(data))
	}
	syms, err := f.Symbols()
	if err != nil {
		return fmt.Errorf("no symbol table to check its constructors against (%v): hotreload never strips patches", err)
	}
	funcs := map[uint64][]string{}
	for _, sym := range syms {
		if elf.ST_TYPE(sym.Info) == elf.STT_FUNC {
			funcs[sym.Value] = append(funcs[sym.Value], sym.Name)
		}
	}
	for i := 0; i < len(data); i += word {
		var addr uint64
		if word == 8 {
			addr = f.ByteOrder.Uint64(data[i:])
		} else {
			addr = uint64(f.ByteOrder.Uint32(data[i:]))
		}
		ok := false
		for _, n := range funcs[addr] {
			ok = ok || goConstructors[n]
		}
		if !ok {
			return fmt.Errorf("constructor %d at %#x is %v, not one of Go's: not a Go plugin (dlopen would run it)", i/word, addr, funcs[addr])
		}
	}
	return nil
}

// checkNeeded checks that every library the plugin needs is already
// mapped into this process (by file name or, where the file is a
// versioned one like libc-2.31.so, by its DT_SONAME).
func checkNeeded(f *elf.File) error {
	needed, err := f.ImportedLibraries()
	if err != nil {
		return fmt.Errorf("needed libraries: %v", err)
	}
	paths := mappedFiles()
	if paths == nil {
		return nil // no /proc here
	}
	names := map[string]bool{}
	for _, p := range paths {
		names[filepath.Base(p)] = true
	}
	sonames := map[string]bool(nil)
	for _, lib := range needed {
		if names[lib] {
			continue
		}
		if sonames == nil {
			sonames = map[string]bool{}
			for _, p := range paths {
				if strings.Contains(filepath.Base(p), ".so") {
					if lf, err := elf.Open(p); err == nil {
						if s, err := lf.DynString(elf.DT_SONAME); err == nil && len(s) > 0 {
							sonames[s[0]] = true
						}
						lf.Close()
					}
				}
			}
		}
		if !sonames[lib] {
			return fmt.Errorf("needs %s, which this process has not loaded: a patch needs only its base's libraries (dlopen would load and initialize it)", lib)
		}
	}
	return nil
}

// mappedFiles returns the files mapped into this process (nil when
// /proc/self/maps cannot be read).
func mappedFiles() []string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	seen := map[string]bool{}
	files := []string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 6 && strings.HasPrefix(fields[5], "/") && !seen[fields[5]] {
			seen[fields[5]] = true
			files = append(files, fields[5])
		}
	}
	return files
}
