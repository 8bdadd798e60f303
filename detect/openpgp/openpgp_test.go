package openpgp

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// binary returns the OpenPGP packets of a fixture: the file, or for an
// armored (.asc) one the data of its only block.
func binary(t testing.TB, name string) []byte {
	t.Helper()
	b := readFixture(t, name)
	if filepath.Ext(name) != ".asc" {
		return b
	}
	blocks, err := Armor(b, Limits{})
	if err != nil || len(blocks) != 1 || blocks[0].Err != nil {
		t.Fatalf("%s: Armor = %d blocks, %v", name, len(blocks), err)
	}
	return blocks[0].Data
}

func unwrapAll(b []byte, lim Limits) (Result, []byte, error) {
	res, err := Unwrap(bytes.NewReader(b), lim)
	if err != nil || res.Content == nil {
		return res, nil, err
	}
	got, err := io.ReadAll(res.Content)
	return res, got, err
}

var (
	encrypted = []Kind{Encrypted}
	gpgSigned = []Kind{Compressed, Signed, Literal}
)

var fixtures = []struct {
	name      string
	layers    []Kind
	content   string // fixture holding the literal data, "" for none
	fileName  string
	encrypted bool
	detached  bool
}{
	{"encrypted.gpg", encrypted, "", "", true, false},
	{"encrypted.asc", encrypted, "", "", true, false},
	{"encrypted-signed.gpg", encrypted, "", "", true, false},
	{"symmetric.gpg", encrypted, "", "", true, false},
	{"symmetric.asc", encrypted, "", "", true, false},
	{"symmetric-sed.gpg", encrypted, "", "", true, false},
	{"symmetric-aead.rnp", encrypted, "", "", true, false},
	{"signed.gpg", gpgSigned, "list.csv", "list.csv", false, false},
	{"signed.asc", gpgSigned, "list.csv", "list.csv", false, false},
	{"signed-zip.gpg", gpgSigned, "list.csv", "list.csv", false, false},
	{"signed-zlib.gpg", gpgSigned, "list.csv", "list.csv", false, false},
	{"signed-bzip2.gpg", gpgSigned, "list.csv", "list.csv", false, false},
	{"signed-z0.gpg", []Kind{Signed, Literal}, "list.csv", "list.csv", false, false},
	{"signed-partial.gpg", []Kind{Signed, Literal}, "big.csv", "", false, false},
	{"signed-zlib-partial.gpg", gpgSigned, "big.csv", "", false, false},
	{"stored.gpg", []Kind{Literal}, "list.csv", "list.csv", false, false},
	{"stored-zlib.gpg", []Kind{Compressed, Literal}, "list.csv", "list.csv", false, false},
	{"stored-zip.gpg", []Kind{Compressed, Literal}, "list.csv", "list.csv", false, false},
	{"detached.sig", []Kind{Signature}, "", "", false, true},
	{"detached.asc", []Kind{Signature}, "", "", false, true},
	{"public-key.gpg", []Kind{PublicKey}, "", "", false, false},
	{"public-key.asc", []Kind{PublicKey}, "", "", false, false},
	{"private-key.asc", []Kind{PrivateKey}, "", "", false, false},
}

func TestUnwrapFixtures(t *testing.T) {
	t.Parallel()
	for _, tc := range fixtures {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := binary(t, tc.name)
			res, got, err := unwrapAll(b, Limits{})
			if err != nil {
				t.Fatalf("Unwrap: %v", err)
			}
			if !slices.Equal(res.Layers, tc.layers) || res.Encrypted != tc.encrypted || res.Detached != tc.detached {
				t.Errorf("got layers %v encrypted %v detached %v, want %v %v %v", res.Layers, res.Encrypted, res.Detached, tc.layers, tc.encrypted, tc.detached)
			}
			if tc.content == "" {
				if res.Content != nil {
					t.Errorf("Content is not nil")
				}
			} else {
				if want := readFixture(t, tc.content); !bytes.Equal(got, want) {
					t.Errorf("content differs from %s:\n%q\nwant\n%q", tc.content, got, want)
				}
				if res.Name != tc.fileName || res.Format != 'b' {
					t.Errorf("literal name %q format %q", res.Name, res.Format)
				}
			}
			if k, err := Classify(bytes.NewReader(b), Limits{}); err != nil || k != tc.layers[0] {
				t.Errorf("Classify = %v, %v", k, err)
			}
			if k := Sniff(b[:min(len(b), SniffLen)]); k != tc.layers[0] {
				t.Errorf("Sniff = %q", k)
			}
		})
	}
}

// The fixtures have the packet shapes their names claim.
func TestFixtureShapes(t *testing.T) {
	t.Parallel()
	for name, prefix := range map[string]string{
		"signed.gpg":         "\xa3\x01",     // old format, indeterminate length; ZIP
		"signed-zip.gpg":     "\xa3\x01",     // ZIP
		"signed-zlib.gpg":    "\xa3\x02",     // ZLIB
		"signed-bzip2.gpg":   "\xa3\x03",     // BZip2
		"stored.gpg":         "\xac",         // old-format literal, one-octet length
		"signed-partial.gpg": "\x90\x0d",     // one-pass signature, then ...
		"symmetric.gpg":      "\x8c",         // SKESK (old format)
		"symmetric-aead.rnp": "\xc3\x4d\x05", // SKESK v5 (new format)
	} {
		if b := readFixture(t, name); !bytes.HasPrefix(b, []byte(prefix)) {
			t.Errorf("%s starts % x, want % x", name, b[:min(len(b), 4)], prefix)
		}
	}
	if b := readFixture(t, "signed-partial.gpg"); b[15] != 0xcb || b[16] < 224 || b[16] == 255 {
		t.Errorf("signed-partial.gpg: literal packet without a partial length")
	}
	tags := func(name string) []int {
		p := newReader(bytes.NewReader(readFixture(t, name)), 1<<20, true)
		var tags []int
		for {
			h, err := p.header()
			if err != nil {
				return tags
			}
			tags = append(tags, h.tag)
			if newBody(p, h).skip() != nil {
				return tags
			}
		}
	}
	for name, want := range map[string][]int{
		"symmetric-sed.gpg":  {tagSKESK, tagSED},
		"symmetric.gpg":      {tagSKESK, tagSEIPD},
		"symmetric-aead.rnp": {tagSKESK, tagAEAD},
		"encrypted.gpg":      {tagPKESK, tagSEIPD},
		"detached.sig":       {tagSignature},
		"signed-z0.gpg":      {tagOnePassSig, tagLiteral, tagSignature},
	} {
		if got := tags(name); !slices.Equal(got, want) {
			t.Errorf("%s: packet tags %v, want %v", name, got, want)
		}
	}
}

// pkt returns a new-format packet.
func pkt(tag int, body []byte) []byte {
	out := []byte{0xc0 | byte(tag)}
	switch n := len(body); {
	case n < 192:
		out = append(out, byte(n))
	case n < 8384:
		n -= 192
		out = append(out, byte(n>>8)+192, byte(n))
	default:
		out = append(out, 255, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, body...)
}

func literal(data string) []byte {
	return pkt(tagLiteral, append([]byte("b\x05a.txt\x00\x00\x00\x00"), data...))
}

func compressed(alg byte, inner []byte) []byte {
	return pkt(tagCompressed, append([]byte{alg}, deflate(alg, inner)...))
}

var marker = pkt(tagMarker, []byte("PGP"))

func TestPackets(t *testing.T) {
	t.Parallel()
	sig := pkt(tagSignature, []byte{4, 0, 1, 8, 0, 0})
	for _, tc := range []struct {
		name    string
		in      []byte
		layers  []Kind
		content string
		err     error
	}{
		{"literal", literal("hello"), []Kind{Literal}, "hello", nil},
		{"literal, two-octet length", literal(string(make([]byte, 300))), []Kind{Literal}, string(make([]byte, 300)), nil},
		{"literal, five-octet length", append([]byte{0xc0 | tagLiteral, 0xff, 0, 0, 0, 11}, "b\x00\x00\x00\x00\x00hello"...), []Kind{Literal}, "hello", nil},
		{"header truncated", []byte{0xc0 | tagLiteral}, nil, "", errTruncated},
		{"length truncated", []byte{0xc0 | tagLiteral, 0xff, 0}, nil, "", errTruncated},
		{"old format, two-octet length", append([]byte{0x80 | tagLiteral<<2 | 1, 0, 11}, "b\x00\x00\x00\x00\x00hello"...), []Kind{Literal}, "hello", nil},
		{"old format, four-octet length", append([]byte{0x80 | tagLiteral<<2 | 2, 0, 0, 0, 11}, "b\x00\x00\x00\x00\x00hello"...), []Kind{Literal}, "hello", nil},
		{"old format, to the end", append([]byte{0x80 | tagLiteral<<2 | 3}, "b\x00\x00\x00\x00\x00hello"...), []Kind{Literal}, "hello", nil},
		{"partial lengths", append([]byte{0xc0 | tagLiteral, 0xe1, 'b', 0}, []byte{0xe0, 0, 0xe2, 0, 0, 0, 'h', 0x04, 'e', 'l', 'l', 'o'}...), []Kind{Literal}, "hello", nil},
		{"partial length, truncated", []byte{0xc0 | tagLiteral, 0xe3, 'b', 0, 0, 0, 0, 0, 'h'}, []Kind{Literal}, "h", errTruncated},
		{"literal header truncated", pkt(tagLiteral, []byte("b\x09a.t")), []Kind{Literal}, "", ErrCorrupt},
		{"marker, literal", append(slices.Clone(marker), literal("x")...), []Kind{Literal}, "x", nil},
		{"markers only", append(slices.Clone(marker), marker...), []Kind{Marker}, "", nil},
		{"signature before data (old style)", append(slices.Clone(sig), literal("x")...), []Kind{Signed, Literal}, "x", nil},
		{"signatures only", append(slices.Clone(sig), sig...), []Kind{Signature}, "", nil},
		{"compressed, uncompressed", compressed(0, literal("abc")), []Kind{Compressed, Literal}, "abc", nil},
		{"compressed in compressed", compressed(1, compressed(2, literal("abc"))), []Kind{Compressed, Compressed, Literal}, "abc", nil},
		{"compressed, unknown algorithm", pkt(tagCompressed, []byte{110, 1, 2, 3}), []Kind{Compressed}, "", ErrUnsupported},
		{"compressed, corrupt zlib", pkt(tagCompressed, []byte{2, 0x78, 0x9c, 0xff, 0xff}), []Kind{Compressed}, "", ErrCorrupt},
		{"compressed, corrupt deflate", pkt(tagCompressed, []byte{1, 0xff, 0xff, 0xff}), []Kind{Compressed}, "", ErrCorrupt},
		{"compressed, corrupt bzip2", pkt(tagCompressed, []byte{3, 'B', 'Z', 'h', '9', 1, 2, 3, 4}), []Kind{Compressed}, "", ErrCorrupt},
		{"compressed, empty", pkt(tagCompressed, []byte{1}), []Kind{Compressed}, "", ErrCorrupt},
		{"compressed, truncated", compressed(2, literal("abc"))[:12], []Kind{Compressed, Literal}, "", ErrCorrupt},
		{"compressed, no algorithm", pkt(tagCompressed, nil), []Kind{Compressed}, "", ErrCorrupt},
		{"one-pass signature, nothing after", pkt(tagOnePassSig, []byte{3, 0, 8, 22, 1, 2, 3, 4, 5, 6, 7, 8, 1}), []Kind{Signed}, "", ErrCorrupt},
		{"partial length on a signature", []byte{0xc0 | tagSignature, 0xe1, 4, 0}, nil, "", ErrNotOpenPGP},
		{"partial length on a later signature", append(slices.Clone(marker), 0xc0|tagSignature, 0xe1, 4, 0), nil, "", ErrCorrupt},
		{"unknown tag after a marker", append(slices.Clone(marker), pkt(60, []byte{1})...), nil, "", ErrCorrupt},
		{"user ID first", pkt(tagUserID, []byte("a")), nil, "", ErrNotOpenPGP},
		{"user ID after a signature", append(slices.Clone(sig), pkt(tagUserID, []byte("a"))...), nil, "", ErrCorrupt},
		{"public subkey first", pkt(tagPublicSub, []byte{4}), nil, "", ErrNotOpenPGP},
		{"no high bit", []byte("hello"), nil, "", ErrNotOpenPGP},
		{"empty", nil, nil, "", ErrNotOpenPGP},
		{"public key, user ID, signature", slices.Concat(pkt(tagPublicKey, []byte{4}), pkt(tagUserID, []byte("a")), sig), []Kind{PublicKey}, "", nil},
		{"public key, then a secret key", slices.Concat(pkt(tagPublicKey, []byte{4}), pkt(tagUserID, []byte("a")), pkt(tagSecretKey, []byte{4})), []Kind{PrivateKey}, "", nil},
		{"public key with a secret subkey", slices.Concat(pkt(tagPublicKey, []byte{4}), pkt(tagSecretSub, []byte{4})), []Kind{PrivateKey}, "", nil},
		{"public key, then garbage", slices.Concat(pkt(tagPublicKey, []byte{4}), []byte("xx")), []Kind{PublicKey}, "", ErrCorrupt},
		{"public key, truncated", slices.Concat(pkt(tagPublicKey, []byte{4, 5, 6}))[:3], []Kind{PublicKey}, "", ErrCorrupt},
		{"SEIPD alone", pkt(tagSEIPD, []byte{1, 2, 3}), []Kind{Encrypted}, "", nil},
		{"encrypted inside compressed", compressed(2, append(pkt(tagSKESK, []byte{4, 9, 3, 0}), pkt(tagSEIPD, []byte{1, 2})...)), []Kind{Compressed, Encrypted}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, got, err := unwrapAll(tc.in, Limits{})
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if !slices.Equal(res.Layers, tc.layers) {
				t.Errorf("layers %v, want %v", res.Layers, tc.layers)
			}
			if string(got) != tc.content {
				t.Errorf("content %q, want %q", got, tc.content)
			}
			if err != nil && !isSentinel(err) {
				t.Errorf("error %v wraps no sentinel", err)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	list := readFixture(t, "list.csv")
	signed := readFixture(t, "signed.gpg")
	res, err := Unwrap(bytes.NewReader(signed), Limits{MaxContent: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(res.Content); !errors.Is(err, ErrLimit) || !bytes.Equal(got, list[:10]) {
		t.Errorf("MaxContent 10: %q, %v", got, err)
	}
	if _, got, err := unwrapAll(signed, Limits{MaxContent: int64(len(list))}); err != nil || !bytes.Equal(got, list) {
		t.Errorf("MaxContent = content size: %v", err)
	}

	deep := literal("x")
	for range 3 {
		deep = compressed(2, deep)
	}
	if _, got, err := unwrapAll(deep, Limits{MaxDepth: 3}); err != nil || string(got) != "x" {
		t.Errorf("3 compressed, MaxDepth 3: %q, %v", got, err)
	}
	if res, _, err := unwrapAll(deep, Limits{MaxDepth: 2}); !errors.Is(err, ErrLimit) || len(res.Layers) != 3 {
		t.Errorf("3 compressed, MaxDepth 2: %v, %v", res.Layers, err)
	}

	many := bytes.Repeat(marker, 10)
	if _, _, err := unwrapAll(append(slices.Clone(many), literal("x")...), Limits{MaxPackets: 10}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxPackets 10: %v", err)
	}
	if _, _, err := unwrapAll(append(slices.Clone(many), literal("x")...), Limits{MaxPackets: 11}); err != nil {
		t.Errorf("MaxPackets 11: %v", err)
	}
	if _, err := Classify(bytes.NewReader(many), Limits{MaxPackets: 5}); !errors.Is(err, ErrLimit) {
		t.Errorf("Classify, MaxPackets 5: %v", err)
	}
	keyring := slices.Concat(pkt(tagPublicKey, []byte{4}), bytes.Repeat(pkt(tagUserID, []byte("a")), 10))
	if res, _, err := unwrapAll(keyring, Limits{MaxPackets: 10}); !errors.Is(err, ErrLimit) || !slices.Equal(res.Layers, []Kind{PublicKey}) {
		t.Errorf("key block, MaxPackets 10: %v, %v", res.Layers, err)
	}
	if res, _, err := unwrapAll(keyring, Limits{MaxPackets: 11}); err != nil || !slices.Equal(res.Layers, []Kind{PublicKey}) {
		t.Errorf("key block, MaxPackets 11: %v, %v", res.Layers, err)
	}

	big := readFixture(t, "signed-partial.gpg")
	if _, _, err := unwrapAll(big, Limits{MaxInput: 1000}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxInput 1000: %v", err)
	}
}

func TestRatio(t *testing.T) {
	t.Parallel()
	zeros := string(make([]byte, 3<<20))
	bombs := map[string][]byte{
		"zip":   compressed(1, literal(zeros)),
		"zlib":  compressed(2, literal(zeros)),
		"bzip2": readFixture(t, "bomb-bzip2.gpg"), // Go has no bzip2 writer: made by gpg
	}
	for name, bomb := range bombs {
		_, got, err := unwrapAll(bomb, Limits{})
		if !errors.Is(err, ErrLimit) || len(got) >= 3<<20 {
			t.Errorf("%s: %d bytes of %d compressed, %v", name, len(got), len(bomb), err)
		}
	}
	if _, got, err := unwrapAll(compressed(2, literal(zeros)), Limits{MaxRatio: 2000}); err != nil || len(got) != len(zeros) {
		t.Errorf("MaxRatio 2000: %d bytes, %v", len(got), err)
	}
	small := compressed(2, literal(string(make([]byte, RatioGrace-100))))
	if _, got, err := unwrapAll(small, Limits{}); err != nil || len(got) != RatioGrace-100 {
		t.Errorf("under the grace: %d bytes, %v", len(got), err)
	}
}

// countingReader counts the bytes Classify takes from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestClassifyReadsLittle(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]int{
		"signed.gpg":    1,   // the compressed packet's header
		"encrypted.gpg": 2,   // the PKESK header
		"detached.sig":  119, // the signature, then end of input
	} {
		c := &countingReader{r: bytes.NewReader(readFixture(t, name))}
		if _, err := Classify(c, Limits{}); err != nil || c.n != want {
			t.Errorf("%s: Classify read %d bytes (%v), want %d", name, c.n, err, want)
		}
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "hello", "\x00\x01", "\xff\xff\xff\xff", "PK\x03\x04", "%PDF-1.7", "\x30\x82\x03\x00\x06\x09",
		"\xc1\x03\x09", "\xc2\x02\x01", "\xcb\x05x", "\xa3\x09", "\xca\x03PGX", "\xc2\xe1\x04"} {
		if k := Sniff([]byte(in)); k != "" {
			t.Errorf("Sniff(%q) = %q", in, k)
		}
	}
}

// Cutting a fixture anywhere never panics, and never gives a shorter
// content without an error.
func TestTruncation(t *testing.T) {
	t.Parallel()
	for _, tc := range fixtures {
		b := binary(t, tc.name)
		if len(b) > 2048 {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			full, want, err := unwrapAll(b, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range len(b) {
				res, got, err := unwrapAll(b[:i], Limits{})
				if err != nil {
					if !isSentinel(err) {
						t.Fatalf("cut at %d: error %v wraps no sentinel", i, err)
					}
					continue
				}
				if !slices.Equal(res.Layers, full.Layers) || !bytes.Equal(got, want) {
					t.Fatalf("cut at %d of %d: no error, layers %v, %d of %d content bytes", i, len(b), res.Layers, len(got), len(want))
				}
			}
		})
	}
}

func isSentinel(err error) bool {
	return errors.Is(err, ErrNotOpenPGP) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrLimit) || errors.Is(err, ErrUnsupported)
}
