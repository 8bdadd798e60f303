package cms

import (
	"bytes"
	"compress/zlib"
	"encoding/asn1"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// der returns a definite-length element of identifier octet id.
func der(id byte, content ...[]byte) []byte {
	c := bytes.Join(content, nil)
	out := []byte{id}
	switch n := len(c); {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, c...)
}

// ber returns an indefinite-length element of identifier octet id.
func ber(id byte, content ...[]byte) []byte {
	out := append([]byte{id, 0x80}, bytes.Join(content, nil)...)
	return append(out, 0, 0)
}

func oid(dotted string) []byte {
	var o asn1.ObjectIdentifier
	for _, s := range strings.Split(dotted, ".") {
		n, err := strconv.Atoi(s)
		if err != nil {
			panic(err)
		}
		o = append(o, n)
	}
	b, err := asn1.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

const (
	oidData       = "1.2.840.113549.1.7.1"
	oidSigned     = "1.2.840.113549.1.7.2"
	oidEnveloped  = "1.2.840.113549.1.7.3"
	oidAuthData   = "1.2.840.113549.1.9.16.1.2"
	oidCompressed = "1.2.840.113549.1.9.16.1.9"
)

var (
	version1   = der(0x02, []byte{1})
	version0   = der(0x02, []byte{0})
	sha256Algs = der(0x31, der(0x30, oid("2.16.840.1.101.3.4.2.1")))
	noSigners  = der(0x31)
	zlibAlg    = der(0x30, oid(oidZlib))
)

func contentInfo(typ string, content []byte) []byte {
	return der(0x30, oid(typ), der(0xa0, content))
}

func signedData(eContentType string, eContent []byte) []byte {
	eci := [][]byte{oid(eContentType)}
	if eContent != nil {
		eci = append(eci, der(0xa0, eContent))
	}
	return der(0x30, version1, sha256Algs, der(0x30, eci...), noSigners)
}

func compressedData(eContentType string, plain []byte) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(plain)
	w.Close()
	return der(0x30, version0, zlibAlg, der(0x30, oid(eContentType), der(0xa0, der(0x04, z.Bytes()))))
}

func TestStructures(t *testing.T) {
	t.Parallel()
	msg := []byte("Content-Type: text/plain\r\n\r\nC0001,taro@example.jp\r\n")
	enveloped := der(0x30, version0, der(0x31), der(0x30, oid(oidData)))
	for _, tc := range []struct {
		name    string
		in      []byte
		layers  []Kind
		content []byte
		inner   string
		err     error
	}{
		{"signed, DER", contentInfo(oidSigned, signedData(oidData, der(0x04, msg))), []Kind{SignedData}, msg, "data", nil},
		{"signed, nested constructed chunks",
			contentInfo(oidSigned, signedData(oidData, ber(0x24, der(0x04, msg[:5]), ber(0x24, der(0x04, msg[5:9]), der(0x04)), der(0x04, msg[9:])))),
			[]Kind{SignedData}, msg, "data", nil},
		{"signed, empty eContent", contentInfo(oidSigned, signedData(oidData, der(0x04))), []Kind{SignedData}, []byte{}, "data", nil},
		{"signed, unknown eContentType", contentInfo(oidSigned, signedData("1.2.840.113549.1.9.16.1.4", der(0x04, msg))), []Kind{SignedData}, msg, "1.2.840.113549.1.9.16.1.4", nil},
		{"signed, unknown eContentType not an OCTET STRING", contentInfo(oidSigned, signedData("1.3.6.1.4.1.311.2.1.4", der(0x30, version1))), []Kind{SignedData}, nil, "", ErrUnsupported},
		{"PKCS #7 signed inside signed without OCTET STRING",
			contentInfo(oidSigned, signedData(oidSigned, signedData(oidData, der(0x04, msg)))), []Kind{SignedData, SignedData}, msg, "data", nil},
		{"signed, bare SignedData inside", contentInfo(oidSigned, signedData(oidSigned, der(0x04, signedData(oidData, der(0x04, msg))))), []Kind{SignedData, SignedData}, msg, "data", nil},
		{"signed, ContentInfo inside", contentInfo(oidSigned, signedData(oidSigned, der(0x04, contentInfo(oidSigned, signedData(oidData, der(0x04, msg)))))), []Kind{SignedData, SignedData}, msg, "data", nil},
		{"signed, enveloped inside", contentInfo(oidSigned, signedData(oidEnveloped, der(0x04, enveloped))), []Kind{SignedData, EnvelopedData}, nil, "", nil},
		{"signed, ContentInfo of data inside", contentInfo(oidSigned, signedData(oidSigned, der(0x04, contentInfo(oidData, der(0x04, msg))))), []Kind{SignedData, Data}, msg, "data", nil},
		{"signed, no eci", contentInfo(oidSigned, der(0x30, version1, sha256Algs)), []Kind{SignedData}, nil, "", ErrCorrupt},
		{"signed, eContent not [0]", contentInfo(oidSigned, der(0x30, version1, sha256Algs, der(0x30, oid(oidData), der(0xa1, der(0x04, msg))))), []Kind{SignedData}, nil, "", ErrCorrupt},
		{"signed, version missing", contentInfo(oidSigned, der(0x30, sha256Algs, der(0x30, oid(oidData)))), []Kind{SignedData}, nil, "", ErrCorrupt},
		{"signed, chunk not an OCTET STRING", contentInfo(oidSigned, signedData(oidData, ber(0x24, der(0x04, msg[:5]), der(0x0c, msg[5:])))), []Kind{SignedData}, msg[:5], "data", ErrCorrupt},
		{"data without content (PKCS #7)", der(0x30, oid(oidData)), []Kind{Data}, []byte{}, "data", nil},
		{"data not an OCTET STRING", contentInfo(oidData, der(0x0c, msg)), []Kind{Data}, nil, "", ErrCorrupt},
		{"signed without content", der(0x30, oid(oidSigned)), nil, nil, "", ErrCorrupt},
		{"content not [0]", der(0x30, oid(oidSigned), der(0xa1, signedData(oidData, nil))), nil, nil, "", ErrCorrupt},
		{"signed-and-enveloped (PKCS #7)", contentInfo("1.2.840.113549.1.7.4", der(0x30, version1)), []Kind{SignedAndEnvelopedData}, nil, "", nil},
		{"unknown PKCS #7 type", contentInfo("1.2.840.113549.1.7.9", der(0x30, version1)), nil, nil, "", ErrUnsupported},
		{"unknown S/MIME content type", contentInfo("1.2.840.113549.1.9.16.1.4", der(0x04, msg)), nil, nil, "", ErrUnsupported},
		{"compressed", contentInfo(oidCompressed, compressedData(oidData, msg)), []Kind{CompressedData}, msg, "data", nil},
		{"compressed in compressed", contentInfo(oidCompressed, compressedData(oidCompressed, compressedData(oidData, msg))), []Kind{CompressedData, CompressedData}, msg, "data", nil},
		{"compressed, other algorithm", contentInfo(oidCompressed, der(0x30, version0, der(0x30, oid("1.2.3.4")), der(0x30, oid(oidData), der(0xa0, der(0x04, msg))))), []Kind{CompressedData}, nil, "", ErrUnsupported},
		{"compressed, no eContent", contentInfo(oidCompressed, der(0x30, version0, zlibAlg, der(0x30, oid(oidData)))), []Kind{CompressedData}, nil, "", ErrCorrupt},
		{"compressed, not zlib", contentInfo(oidCompressed, der(0x30, version0, zlibAlg, der(0x30, oid(oidData), der(0xa0, der(0x04, msg))))), []Kind{CompressedData}, nil, "", ErrCorrupt},
		{"compressed, empty", contentInfo(oidCompressed, der(0x30, version0, zlibAlg, der(0x30, oid(oidData), der(0xa0, der(0x04))))), []Kind{CompressedData}, nil, "", ErrCorrupt},
		{"compressed, SEQUENCE for eContent", contentInfo(oidCompressed, der(0x30, version0, zlibAlg, der(0x30, oid(oidSigned), der(0xa0, signedData(oidData, der(0x04, msg)))))), []Kind{CompressedData}, nil, "", ErrUnsupported},
		{"authenticated, originatorInfo and digestAlgorithm",
			contentInfo(oidAuthData, der(0x30, version0, der(0xa0, der(0xa0)), der(0x31), der(0x30, oid("1.2.840.113549.2.9")), der(0xa1, oid("2.16.840.1.101.3.4.2.1")), der(0x30, oid(oidData), der(0xa0, der(0x04, msg))), der(0x04, []byte{1, 2}))),
			[]Kind{AuthenticatedData}, msg, "data", nil},
		{"authenticated, detached", contentInfo(oidAuthData, der(0x30, version0, der(0x31), der(0x30, oid("1.2.840.113549.2.9")), der(0x30, oid(oidData)), der(0x04, []byte{1, 2}))),
			[]Kind{AuthenticatedData}, nil, "data", nil},
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
			if !bytes.Equal(got, tc.content) || (got == nil) != (tc.content == nil) {
				t.Errorf("content %q, want %q", got, tc.content)
			}
			if err == nil && res.InnerType != tc.inner {
				t.Errorf("InnerType %q, want %q", res.InnerType, tc.inner)
			}
		})
	}
}

// BER corners of the decoder.
func TestBER(t *testing.T) {
	t.Parallel()
	msg := []byte("hello")
	long := func(n int, b []byte) []byte { // length in n octets
		out := []byte{0x04, 0x80 | byte(n)}
		out = append(out, make([]byte, n-1)...)
		return append(append(out, byte(len(b))), b...)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want []byte
		err  error
	}{
		{"long-form lengths", contentInfo(oidData, long(4, msg)), msg, nil},
		{"8-octet length", contentInfo(oidData, long(8, msg)), msg, nil},
		{"9-octet length", contentInfo(oidData, long(9, msg)), nil, ErrCorrupt},
		{"reserved length octet", contentInfo(oidData, []byte{0x04, 0xff}), nil, ErrCorrupt},
		{"primitive of indefinite length", contentInfo(oidData, []byte{0x04, 0x80, 'h', 0, 0}), nil, ErrCorrupt},
		{"huge length", contentInfo(oidData, []byte{0x04, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), nil, ErrCorrupt},
		{"high tag number", der(0x30, oid(oidData), []byte{0xbf, 0x81, 0x00, 0x00}), nil, ErrCorrupt},
		{"non-minimal high tag", der(0x30, oid(oidData), []byte{0xbf, 0x80, 0x01, 0x00}), nil, ErrCorrupt},
		{"tag number too large", der(0x30, oid(oidData), []byte{0xbf, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00}), nil, ErrCorrupt},
		{"child overruns parent", der(0x30, oid(oidData), []byte{0xa0, 0x03, 0x04, 0x05, 'h', 'e', 'l', 'l', 'o'}), nil, ErrCorrupt},
		{"end-of-contents in a definite element", der(0x30, oid(oidData), der(0xa0, []byte{0, 0}, der(0x04, msg))), nil, ErrCorrupt},
		{"end-of-contents with a length", ber(0x30, oid(oidData), []byte{0xa0, 0x80, 0x24, 0x80, 0x04, 0x01, 'h', 0x00, 0x01, 0}), []byte("h"), ErrCorrupt},
		{"indefinite child missing its end in a definite parent", der(0x30, oid(oidData), der(0xa0, []byte{0x24, 0x80}, der(0x04, msg))), msg, ErrCorrupt},
		{"indefinite everywhere", ber(0x30, oid(oidData), ber(0xa0, ber(0x24, der(0x04, msg[:2]), der(0x04, msg[2:])))), msg, nil},
		{"truncated in a chunk", contentInfo(oidData, der(0x04, msg))[:15], nil, ErrCorrupt},
		{"truncated between chunks", ber(0x30, oid(oidData), ber(0xa0, ber(0x24, der(0x04, msg))))[:24], msg, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, got, err := unwrapAll(tc.in, Limits{})
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("content %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNesting(t *testing.T) {
	t.Parallel()
	inner := der(0x04, []byte("x"))
	nest := func(n int) []byte {
		b := inner
		for range n {
			b = ber(0x24, b)
		}
		return contentInfo(oidData, b)
	}
	// The data OCTET STRING is at depth 2 (SEQUENCE, [0]).
	if _, got, err := unwrapAll(nest(MaxBERNesting-2), Limits{}); err != nil || string(got) != "x" {
		t.Errorf("at the limit: %q, %v", got, err)
	}
	if _, _, err := unwrapAll(nest(MaxBERNesting), Limits{}); !errors.Is(err, ErrLimit) {
		t.Errorf("past the limit: %v", err)
	}
	// Skipped elements too: deep digestAlgorithms.
	deep := der(0x05)
	for range MaxBERNesting + 1 {
		deep = ber(0x30, deep)
	}
	in := contentInfo(oidSigned, der(0x30, version1, ber(0x31, deep), der(0x30, oid(oidData), der(0xa0, inner))))
	if _, _, err := unwrapAll(in, Limits{}); !errors.Is(err, ErrLimit) {
		t.Errorf("deep skipped element: %v", err)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	content := fixture(t, "content.mime")
	signed := fixture(t, "signed.der")

	// MaxContent: the content up to the limit, then ErrLimit.
	res, err := Unwrap(bytes.NewReader(signed), Limits{MaxContent: 10})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res.Content)
	if !errors.Is(err, ErrLimit) || !bytes.Equal(got, content[:10]) {
		t.Errorf("MaxContent 10: %q, %v", got, err)
	}
	if _, got, err := unwrapAll(signed, Limits{MaxContent: int64(len(content))}); err != nil || !bytes.Equal(got, content) {
		t.Errorf("MaxContent = content size: %v", err)
	}

	// MaxDepth.
	for name, depth := range map[string]int{"compressed-signed.der": 1, "signed-compressed.der": 1} {
		if _, _, err := unwrapAll(fixture(t, name), Limits{MaxDepth: depth}); !errors.Is(err, ErrLimit) {
			t.Errorf("%s, MaxDepth %d: %v", name, depth, err)
		}
		if _, _, err := unwrapAll(fixture(t, name), Limits{MaxDepth: depth + 1}); err != nil {
			t.Errorf("%s, MaxDepth %d: %v", name, depth+1, err)
		}
	}
	deep := compressedData(oidData, content)
	for range 9 {
		deep = compressedData(oidCompressed, deep)
	}
	if res, _, err := unwrapAll(contentInfo(oidCompressed, deep), Limits{}); !errors.Is(err, ErrLimit) || len(res.Layers) != DefaultMaxDepth+1 {
		t.Errorf("10 layers: %v, %v", res.Layers, err)
	}

	// MaxInput.
	big := fixture(t, "signed-big-stream.der")
	if _, _, err := unwrapAll(big, Limits{MaxInput: 1000}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxInput 1000: %v", err)
	}
	if _, _, err := unwrapAll(big, Limits{MaxInput: int64(len(big))}); err != nil {
		t.Errorf("MaxInput = input size: %v", err)
	}
}

func TestRatio(t *testing.T) {
	t.Parallel()
	// 3 MiB of zeros compress about 1000 times.
	bomb := contentInfo(oidCompressed, compressedData(oidData, make([]byte, 3<<20)))
	_, got, err := unwrapAll(bomb, Limits{})
	if !errors.Is(err, ErrLimit) {
		t.Errorf("bomb: %d bytes, %v", len(got), err)
	}
	if len(got) >= 3<<20 {
		t.Errorf("bomb: %d bytes out before the limit", len(got))
	}
	if _, got, err := unwrapAll(bomb, Limits{MaxRatio: 2000}); err != nil || len(got) != 3<<20 {
		t.Errorf("bomb with MaxRatio 2000: %d bytes, %v", len(got), err)
	}
	// Below the grace, any ratio.
	small := contentInfo(oidCompressed, compressedData(oidData, make([]byte, RatioGrace)))
	if _, got, err := unwrapAll(small, Limits{}); err != nil || len(got) != RatioGrace {
		t.Errorf("1 MiB of zeros: %d bytes, %v", len(got), err)
	}
	// Text that compresses less than 100 times passes whatever its size.
	rng := rand.New(rand.NewPCG(1, 2))
	var text bytes.Buffer
	for text.Len() < 2<<20 {
		text.WriteString("C" + strconv.Itoa(rng.IntN(100000)) + ",taro@example.jp\r\n")
	}
	in := contentInfo(oidCompressed, compressedData(oidData, text.Bytes()))
	if _, got, err := unwrapAll(in, Limits{}); err != nil || !bytes.Equal(got, text.Bytes()) {
		t.Errorf("2 MiB of text: %d bytes, %v", len(got), err)
	}
}

// Cutting a fixture anywhere never panics, and never gives a shorter
// content without an error: what is returned without error is whole.
func TestTruncation(t *testing.T) {
	t.Parallel()
	for _, tc := range fixtures {
		b := fixture(t, tc.name)
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
				if !slices.Equal(res.Layers, full.Layers) || !bytes.Equal(got, want) || res.Encrypted != full.Encrypted || res.Detached != full.Detached {
					t.Fatalf("cut at %d of %d: no error, layers %v, %d of %d content bytes", i, len(b), res.Layers, len(got), len(want))
				}
			}
		})
	}
}

func isSentinel(err error) bool {
	return errors.Is(err, ErrNotCMS) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrLimit) || errors.Is(err, ErrUnsupported)
}
