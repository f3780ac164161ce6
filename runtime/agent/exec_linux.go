package agent

import "syscall"

// stNoexec is ST_NOEXEC of statfs(2)'s f_flags.
const stNoexec = 0x8

// execAllowed reports whether code in files under dir can be mapped
// executable (its file system is not mounted noexec).
func execAllowed(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Flags&stNoexec == 0
}
