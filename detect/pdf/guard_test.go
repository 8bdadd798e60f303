package pdf

import (
	"bytes"
	"errors"
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
