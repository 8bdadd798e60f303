//go:build !(linux || darwin || freebsd)

package metrics

import "errors"

func diskSpace(string) (avail, size uint64, err error) {
	return 0, 0, errors.ErrUnsupported
}
