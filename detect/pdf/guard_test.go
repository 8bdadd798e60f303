package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		fail bool
	}{
		{"xref\n0 6\n0000000000 65535 f \n0000000009 00000 n \n", false},
		{"xref\n0 1\n0000000000 65535 f \n2 1\n0000000100 00000 n \ntrailer", false},
		{"xref\n1000000000 1\n0000000009 00000 n \n", true},
		{"xref\n0 1\n0000000000 65535 f \n4000000000 1\n0000000009 00000 n \n", true},
		{"xref\n-5 3\n", true},
		{"<< /Type /XRef /Size 20 /W [1 2 1] /Index [0 20] >>", false},
		{"<< /Type /XRef /Size 2000000000 /W [1 2 1] >>", true},
		{"<< /Type /XRef /Size 20 /W [1 99999999999 1] >>", true},
		{"<< /Type /XRef /Size 20 /Index [0 5 4000000 2000000] >>", true},
		{"<< /DecodeParms << /Predictor 12 /Columns 4294967296 >> >>", true},
		{"<< /DecodeParms << /Predictor 12 /Columns 5 >> >>", false},
		// A CIDFont width array: nested, large CIDs, not an xref /W.
		{"<< /Subtype /CIDFontType2 /W [1 [500 600] 3 5 700 65000 [1000]] >>", false},
		{"% /Size 999999999999 in a comment\n", false},
		{"/Size", false},
		{"/Index [", false},
	}
	for _, tt := range tests {
		err := preflight(strings.NewReader(tt.in), int64(len(tt.in)))
		if tt.fail != (err != nil) {
			t.Errorf("preflight(%q) = %v, want failure %v", tt.in, err, tt.fail)
		}
		if err != nil && !errors.Is(err, ErrUnsupported) {
			t.Errorf("preflight(%q) = %v, want ErrUnsupported", tt.in, err)
		}
	}
}

// A 600-byte file that declares object 1,000,000,000 made the library
// allocate ~32 GB for its xref table: a fatal out-of-memory, not a panic.
func TestExtractHugeXref(t *testing.T) {
	t.Parallel()
	b := craftedPDFs["simple"]
	b = bytes.Replace(b, []byte("xref\n0 6\n"), []byte("xref\n1000000000 6\n"), 1)
	if _, err := extract(t, b, 0); !errors.Is(err, ErrUnsupported) {
		t.Errorf("err = %v, want ErrUnsupported", err)
	}
}

// xrefStreamPDF builds a file with a catalog (object 1), the given plain
// objects (numbered from 2) and an xref stream whose entries for objects
// 2, 3, ... are given as {type, field2}. The xref stream is the last object.
func xrefStreamPDF(entries [][2]int, objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	offs := []int{b.Len()}
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+2, o)
	}
	var data []byte
	row := func(t, f2, f3 int) {
		data = append(data, byte(t), byte(f2>>24), byte(f2>>16), byte(f2>>8), byte(f2), byte(f3>>8), byte(f3))
	}
	row(0, 0, 65535)
	row(1, offs[0], 0)
	for i, e := range entries {
		if e[0] == 1 {
			row(1, offs[i+1], 0)
		} else {
			row(e[0], e[1], 0)
		}
	}
	xref := b.Len()
	n := len(entries) + 3
	row(1, xref, 0)
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\n", n-1, n, len(data), data)
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// Both files made the library never return: the first overflowed the stack
// (fatal, not a panic), the second looped forever.
func TestExtractObjectStreamLoops(t *testing.T) {
	t.Parallel()
	tests := map[string][]byte{
		// Object 2 is in object stream 3, which says it is in itself.
		"stream in itself": xrefStreamPDF([][2]int{{2, 3}, {2, 3}}),
		// Object 2 is in object stream 3, which does not hold it and
		// extends itself.
		"extends itself": xrefStreamPDF([][2]int{{2, 3}, {1, 0}}, "null",
			"<< /Type /ObjStm /N 1 /First 4 /Extends 3 0 R /Length 8 >>\nstream\n9 0 null\nendstream"),
	}
	for name, b := range tests {
		if _, err := extract(t, b, 0); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}
