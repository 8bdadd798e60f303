// Package durable owns the file system steps that make a write survive a
// crash or a power loss: a file written whole and fsynced under a temporary
// name, and the directory fsynced once a name in it changed. The callers
// choose how the temporary file takes its final name (rename, or link when
// an existing file must win).
package durable

import "os"

// WriteTemp writes b to a new file in dir named by pattern (as
// os.CreateTemp, mode 0600), fsyncs and closes it, and returns its path. On
// error nothing is left behind.
func WriteTemp(dir, pattern string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// SyncDir fsyncs the directory dir, which makes a name created, renamed or
// removed in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
