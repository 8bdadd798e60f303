//go:build !(linux || darwin || freebsd)

package dirlock

import "os"

func flock(*os.File) (bool, error) { return false, errUnsupported }
