package lzfu

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The two examples of [MS-OXRTFCP] section 3: the RTF and its compressed form.
var (
	specSimpleRTF = "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"
	specSimple    = []byte{
		0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7,
		0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a,
		0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d,
		0x0a, 0x80, 0x0f, 0xa0,
	}
	specCrossRTF = "{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}"
	specCross    = []byte{
		0x1a, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xe2, 0xd4, 0x4b,
		0x51, 0x41, 0x00, 0x04, 0x20, 0x57, 0x58, 0x59, 0x5a, 0x0d, 0x6e, 0x7d, 0x01, 0x0e, 0xb0,
	}
)

func decodeAll(b []byte, lim Limits) ([]byte, error) {
	return io.ReadAll(Decode(bytes.NewReader(b), lim))
}

func TestSpecExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		comp []byte
		rtf  string
	}{
		{"simple", specSimple, specSimpleRTF},
		{"cross write position", specCross, specCrossRTF},
	} {
		got, err := decodeAll(tc.comp, Limits{})
		if err != nil || string(got) != tc.rtf {
			t.Errorf("%s: decode = %q, %v; want %q", tc.name, got, err, tc.rtf)
		}
		if c := Compress([]byte(tc.rtf)); !bytes.Equal(c, tc.comp) {
			t.Errorf("%s: Compress = % x\nwant          % x", tc.name, c, tc.comp)
		}
		if !Is(tc.comp) {
			t.Errorf("%s: Is = false", tc.name)
		}
	}
}

// TestUncompressed reads a "MELA" stream (the RTF as it is, CRC 0).
func TestUncompressed(t *testing.T) {
	t.Parallel()
	b := Store([]byte(specSimpleRTF))
	if !Is(b) {
		t.Error("Is(MELA) = false")
	}
	got, err := decodeAll(b, Limits{})
	if err != nil || string(got) != specSimpleRTF {
		t.Errorf("decode = %q, %v", got, err)
	}
	binary.LittleEndian.PutUint32(b[12:], 1) // a MELA CRC must be 0
	if _, err := decodeAll(b, Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("MELA with CRC 1: %v, want ErrCorrupt", err)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		var b strings.Builder
		b.WriteString(`{\rtf1\ansi\ansicpg932\deff0{\fonttbl{\f0\fnil MS Gothic;}}\pard `)
		for range rng.IntN(400) {
			switch rng.IntN(4) {
			case 0:
				b.WriteString(`\'8e\'52\'93\'63 \'91\'be\'98\'59, 03-1234-5678, taro.yamada@example.jp\par `)
			case 1:
				b.WriteByte(byte(rng.IntN(256)))
			case 2:
				b.WriteString(strings.Repeat("x", rng.IntN(40)))
			default:
				b.WriteString(`\pard\plain\f0\fs20 `)
			}
		}
		b.WriteString("}")
		in := []byte(b.String())
		c := Compress(in)
		got, err := decodeAll(c, Limits{})
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("case %d: round trip of %d bytes: err %v, equal %v", i, len(in), err, bytes.Equal(got, in))
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	badCRC := bytes.Clone(specSimple)
	badCRC[12] ^= 1
	badRef := bytes.Clone(specSimple)
	badRef[len(badRef)-1] ^= 0x10 // the end marker now points elsewhere
	unsupported := bytes.Clone(specSimple)
	copy(unsupported[8:], "LZXX")
	short := bytes.Clone(specSimple)
	binary.LittleEndian.PutUint32(short[0:], 1000)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"crc mismatch", badCRC, ErrCorrupt},
		{"end marker damaged", badRef, ErrCorrupt},
		{"truncated data", specSimple[:30], ErrCorrupt},
		{"truncated header", specSimple[:10], ErrCorrupt},
		{"COMPSIZE past the input", short, ErrCorrupt},
		{"unknown COMPTYPE", unsupported, ErrUnsupported},
	} {
		if _, err := decodeAll(tc.in, Limits{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	if Is(unsupported) || Is(specSimple[:12]) {
		t.Error("Is accepts an unknown COMPTYPE or a short header")
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	var items []string
	err := Read(context.Background(), bytes.NewReader(specSimple), Limits{}, func(it Item) error {
		b, err := io.ReadAll(it.R)
		items = append(items, it.Name+":"+string(b))
		return err
	})
	if err != nil || len(items) != 1 || items[0] != "body.rtf:"+specSimpleRTF {
		t.Errorf("Read: %q, %v", items, err)
	}
	// emit reads nothing: the CRC is still checked.
	badCRC := bytes.Clone(specSimple)
	badCRC[12] ^= 1
	err = Read(context.Background(), bytes.NewReader(badCRC), Limits{}, func(Item) error { return nil })
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("Read of a bad CRC: %v, want ErrCorrupt", err)
	}
	stop := errors.New("stop")
	if err := Read(context.Background(), bytes.NewReader(specSimple), Limits{}, func(Item) error { return stop }); err != stop {
		t.Errorf("emit's error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Read(ctx, bytes.NewReader(specSimple), Limits{}, func(Item) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := Read(context.Background(), strings.NewReader("not rtf at all, sorry"), Limits{}, func(Item) error {
		t.Error("emit called for a non-LZFu input")
		return nil
	}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("not LZFu: %v", err)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	in := bytes.Repeat([]byte("0312345678,"), 10000)
	c := Compress(in)
	got, err := decodeAll(c, Limits{MaxOutput: 1000})
	if !errors.Is(err, ErrLimit) || len(got) > 1000 {
		t.Errorf("MaxOutput 1000: %d bytes, %v", len(got), err)
	}
	_, err = decodeAll(c, Limits{MaxRatio: 2})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("MaxRatio 2: %v", err)
	}
}

// TestMemoryBound decodes the worst stream: COMPSIZE and RAWSIZE claim 4 GiB,
// and every token is a 17-byte reference (the largest expansion LZFu has).
// The heap must not follow the claims nor the output.
func TestMemoryBound(t *testing.T) {
	var b bytes.Buffer
	var h [16]byte
	binary.LittleEndian.PutUint32(h[0:], 0xFFFFFFFF)
	binary.LittleEndian.PutUint32(h[4:], 0xFFFFFFFF)
	binary.LittleEndian.PutUint32(h[8:], compTypeLZFu)
	b.Write(h[:])
	wpos := len(initialDict)
	for range 1 << 20 { // 17 MiB of input, 136 MiB of output
		b.WriteByte(0xFF)
		for range 8 {
			ref := (wpos+100)%dictSize<<4 | 0xF // never the end marker
			b.Write([]byte{byte(ref >> 8), byte(ref)})
			wpos = (wpos + 17) % dictSize
		}
	}
	in := b.Bytes()
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	go func() {
		defer close(done)
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	n, err := io.Copy(io.Discard, Decode(bytes.NewReader(in), Limits{MaxRatio: 1000}))
	close(stop)
	<-done
	if !errors.Is(err, ErrLimit) || n > DefaultMaxOutput {
		t.Errorf("decoded %d bytes, err %v; want ErrLimit at MaxOutput", n, err)
	}
	if grow := int64(peak) - int64(base.HeapInuse); grow > 16<<20 {
		t.Errorf("heap grew by %d bytes decoding a 4 GiB claim, want < 16 MiB", grow)
	}
}

func BenchmarkRead10MB(b *testing.B) {
	var src bytes.Buffer
	rng := rand.New(rand.NewPCG(3, 4))
	src.WriteString(`{\rtf1\ansi\ansicpg932\deff0\pard `)
	for src.Len() < 10<<20 {
		src.WriteString(`\'8e\'52\'93\'63 \'91\'be\'98\'59, 03-`)
		for range 8 {
			src.WriteByte(byte('0' + rng.IntN(10)))
		}
		src.WriteString(`, taro.yamada@example.jp\par `)
	}
	src.WriteString("}")
	c := Compress(src.Bytes())
	b.SetBytes(int64(src.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := io.Copy(io.Discard, Decode(bytes.NewReader(c), Limits{})); err != nil {
			b.Fatal(err)
		}
	}
}
