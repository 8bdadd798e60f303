package textsniff

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDetect checks that Detect never panics, sets Encoding exactly when
// it says Text, gives a BOM only with text, is deterministic, and does all
// that for every head of the input too. LooksLikeMessage rides along.
func FuzzDetect(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if st, err := os.Stat(name); err != nil || st.IsDir() || filepath.Ext(name) == ".sh" {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 512 {
			b = b[:512]
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, whole := range []bool{true, false} {
			r := Detect(b, whole)
			if r.Text != (r.Encoding != "") || r.Reason == "" || (!r.Text && r.BOM != 0) || r.BOM > len(b) {
				t.Fatalf("Detect(%q, %v) = %+v", b, whole, r)
			}
			if r2 := Detect(b, whole); r2 != r {
				t.Fatalf("Detect(%q, %v) = %+v, then %+v", b, whole, r, r2)
			}
		}
		// Every short head, then (to keep a long input quick) every 61st.
		for n := 0; n < len(b); n = next(n) {
			if r := Detect(b[:n], false); r.Text != (r.Encoding != "") {
				t.Fatalf("Detect(%q, false) = %+v", b[:n], r)
			}
		}
		LooksLikeMessage(b)
	})
}

func next(n int) int {
	if n < 128 {
		return n + 1
	}
	return n + 61
}
