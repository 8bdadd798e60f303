package media

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"
)

// FuzzIdentify: no panic, no hang, End within the input and past 0 on
// success, at most MaxText bytes of text, and the same answer twice. Run
// it with -fuzzminimizetime 2s: minimizing the larger fixtures stalls it.
func FuzzIdentify(f *testing.F) {
	for _, name := range fixtures(f) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(tinyPNG(pngChunk("zTXt", append([]byte("Comment\x00\x00"), zlibOf([]byte(csv))...))))
	lim := Limits{MaxText: 4096, MaxItems: 1 << 14, MaxDepth: 8, MaxInflate: 64 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		run := func() (Info, error) {
			return Identify(context.Background(), bytes.NewReader(data), int64(len(data)), lim)
		}
		type res struct {
			info Info
			err  error
		}
		ch := make(chan res, 1)
		go func() { i, e := run(); ch <- res{i, e} }()
		var info Info
		var err error
		select {
		case r := <-ch:
			info, err = r.info, r.err
		case <-time.After(10 * time.Second):
			t.Fatalf("Identify took more than 10 s")
		}
		if err != nil {
			if !errors.Is(err, ErrNotMedia) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) {
				t.Fatalf("unexpected error %v", err)
			}
			if info.End != 0 || info.Text != nil {
				t.Fatalf("error with End %d and %d texts", info.End, len(info.Text))
			}
		} else {
			if info.End <= 0 || info.End > int64(len(data)) {
				t.Fatalf("End %d of %d bytes", info.End, len(data))
			}
			if info.Kind == "" || formats[info.Kind].class == "" && info.Class == "" {
				t.Fatalf("kind %q class %q", info.Kind, info.Class)
			}
		}
		total := 0
		for _, x := range info.Text {
			total += len(x.Value)
		}
		if int64(total) > lim.MaxText {
			t.Fatalf("%d bytes of text", total)
		}
		again, err2 := run()
		if !reflect.DeepEqual(info, again) || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("not deterministic")
		}
	})
}
