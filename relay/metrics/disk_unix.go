//go:build linux || darwin || freebsd

package metrics

import "syscall"

// diskSpace returns the bytes an unprivileged user may still write on the
// filesystem holding dir, and its size.
func diskSpace(dir string) (avail, size uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	bs := uint64(st.Bsize)
	return uint64(st.Bavail) * bs, uint64(st.Blocks) * bs, nil
}
