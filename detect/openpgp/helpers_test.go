package openpgp

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
)

// deflate compresses b with OpenPGP compression algorithm alg (0, 1 or 2;
// the standard library has no bzip2 writer).
func deflate(alg byte, b []byte) []byte {
	var out bytes.Buffer
	switch alg {
	case 0:
		return b
	case 1:
		w, _ := flate.NewWriter(&out, flate.BestCompression)
		w.Write(b)
		w.Close()
	case 2:
		w := zlib.NewWriter(&out)
		w.Write(b)
		w.Close()
	default:
		panic("no writer for compression algorithm")
	}
	return out.Bytes()
}
