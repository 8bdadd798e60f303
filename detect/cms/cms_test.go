package cms

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixture returns testdata/name as the walker hands it over: DER or BER,
// with PEM armour or the S/MIME message's base64 undone.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	switch filepath.Ext(name) {
	case ".pem":
		p, _ := pem.Decode(b)
		if p == nil {
			t.Fatalf("%s: no PEM block", name)
		}
		return p.Bytes
	case ".eml":
		return smimeBody(t, name, b)
	}
	return b
}

// smimeBody returns the CMS object of an S/MIME message: its base64 body,
// or for multipart/signed the application/pkcs7-signature part.
func smimeBody(t testing.TB, name string, b []byte) []byte {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	typ, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	body := m.Body
	if typ == "multipart/signed" {
		mr := multipart.NewReader(m.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				t.Fatalf("%s: no signature part: %v", name, err)
			}
			if strings.Contains(p.Header.Get("Content-Type"), "pkcs7-signature") {
				body = p
				break
			}
		}
	} else if !strings.Contains(typ, "pkcs7-mime") {
		t.Fatalf("%s: Content-Type %s", name, typ)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	out, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// unwrapAll unwraps b and reads all of Content.
func unwrapAll(b []byte, lim Limits) (Result, []byte, error) {
	res, err := Unwrap(bytes.NewReader(b), lim)
	if err != nil || res.Content == nil {
		return res, nil, err
	}
	got, err := io.ReadAll(res.Content)
	return res, got, err
}

var smallContent = "content.mime"

var fixtures = []struct {
	name      string
	layers    []Kind
	content   string // fixture holding the expected content, "" for none
	inner     string
	encrypted bool
	detached  bool
}{
	{"signed.der", []Kind{SignedData}, smallContent, "data", false, false},
	{"signed-stream.der", []Kind{SignedData}, smallContent, "data", false, false},
	{"signed-big-stream.der", []Kind{SignedData}, "content-big.mime", "data", false, false},
	{"signed.pem", []Kind{SignedData}, smallContent, "data", false, false},
	{"signed-smime.eml", []Kind{SignedData}, smallContent, "data", false, false},
	{"signed-smime-stream.eml", []Kind{SignedData}, smallContent, "data", false, false},
	{"smime-signed.der", []Kind{SignedData}, smallContent, "data", false, false},
	{"detached.der", []Kind{SignedData}, "", "data", false, true},
	{"detached-smime.eml", []Kind{SignedData}, "", "data", false, true},
	{"enveloped.der", []Kind{EnvelopedData}, "", "", true, false},
	{"enveloped-stream.der", []Kind{EnvelopedData}, "", "", true, false},
	{"enveloped-smime.eml", []Kind{EnvelopedData}, "", "", true, false},
	{"smime-enveloped.der", []Kind{EnvelopedData}, "", "", true, false},
	{"authenveloped.der", []Kind{AuthEnvelopedData}, "", "", true, false},
	{"encrypted-data.der", []Kind{EncryptedData}, "", "", true, false},
	{"data.der", []Kind{Data}, smallContent, "data", false, false},
	{"data-stream.der", []Kind{Data}, smallContent, "data", false, false},
	{"digested.der", []Kind{DigestedData}, smallContent, "data", false, false},
	{"digested-stream.der", []Kind{DigestedData}, smallContent, "data", false, false},
	{"authenticated.der", []Kind{AuthenticatedData}, smallContent, "data", false, false},
	{"compressed.der", []Kind{CompressedData}, smallContent, "data", false, false},
	{"compressed-stream.der", []Kind{CompressedData}, smallContent, "data", false, false},
	{"compressed-big-stream.der", []Kind{CompressedData}, "content-big.mime", "data", false, false},
	{"compressed-signed.der", []Kind{CompressedData, SignedData}, smallContent, "data", false, false},
	{"compressed-signed-ci.der", []Kind{CompressedData, SignedData}, smallContent, "data", false, false},
	{"compressed-enveloped.der", []Kind{CompressedData, EnvelopedData}, "", "", true, false},
	{"signed-compressed.der", []Kind{SignedData, CompressedData}, smallContent, "data", false, false},
}

func TestUnwrapFixtures(t *testing.T) {
	t.Parallel()
	for _, tc := range fixtures {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := fixture(t, tc.name)
			res, got, err := unwrapAll(b, Limits{})
			if err != nil {
				t.Fatalf("Unwrap: %v", err)
			}
			if !slices.Equal(res.Layers, tc.layers) || res.Encrypted != tc.encrypted || res.Detached != tc.detached || res.InnerType != tc.inner {
				t.Errorf("got layers %v encrypted %v detached %v inner %q, want %v %v %v %q",
					res.Layers, res.Encrypted, res.Detached, res.InnerType, tc.layers, tc.encrypted, tc.detached, tc.inner)
			}
			if tc.content == "" {
				if res.Content != nil {
					t.Errorf("Content is not nil")
				}
			} else if want := fixture(t, tc.content); !bytes.Equal(got, want) {
				t.Errorf("content differs from %s:\n%q\nwant\n%q", tc.content, got, want)
			}
			if k, err := Classify(bytes.NewReader(b)); err != nil || k != tc.layers[0] {
				t.Errorf("Classify = %v, %v", k, err)
			}
			if k := Sniff(b[:min(len(b), SniffLen)]); k != tc.layers[0] {
				t.Errorf("Sniff = %q", k)
			}
			if got, want := IsSignature(b), tc.detached; got != want {
				t.Errorf("IsSignature = %v", got)
			}
		})
	}
}

// The fixtures made with -stream are BER with indefinite lengths and
// constructed OCTET STRINGs: check that they are, so the tests above
// cover what they claim.
func TestStreamFixturesAreBER(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"signed-stream.der", "signed-big-stream.der", "compressed-stream.der", "compressed-big-stream.der", "data-stream.der"} {
		b := fixture(t, name)
		if b[1] != 0x80 {
			t.Errorf("%s: outer length is not indefinite", name)
		}
		if !bytes.Contains(b, []byte{0x24, 0x80, 0x04}) {
			t.Errorf("%s: no constructed OCTET STRING", name)
		}
	}
	// Several chunks: 4096-byte ones from openssl, 256-byte ones from
	// Bouncy Castle.
	if b := fixture(t, "signed-big-stream.der"); !bytes.Contains(b, []byte{0x04, 0x82, 0x10, 0x00}) {
		t.Errorf("signed-big-stream.der: no 4096-byte chunk")
	}
	if b := fixture(t, "compressed-big-stream.der"); !bytes.Contains(b, []byte{0x04, 0x82, 0x01, 0x00}) {
		t.Errorf("compressed-big-stream.der: no 256-byte chunk")
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

func TestClassifyReadsOnlyTheHeader(t *testing.T) {
	t.Parallel()
	b := fixture(t, "signed.der")
	c := &countingReader{r: bytes.NewReader(b)}
	k, err := Classify(c)
	if err != nil || k != SignedData {
		t.Fatalf("Classify = %v, %v", k, err)
	}
	// 30 82 LL LL, 06 09 + 9 bytes of OID.
	if c.n != 15 {
		t.Errorf("Classify read %d bytes, want 15", c.n)
	}
}

func TestNotCMS(t *testing.T) {
	t.Parallel()
	for name, in := range map[string][]byte{
		"empty":          nil,
		"text":           []byte("Content-Type: text/plain\r\n\r\nhello"),
		"pdf":            []byte("%PDF-1.7\n"),
		"seq of integer": der(0x30, der(0x02, []byte{1})),
		"other OID":      der(0x30, oid("1.2.840.10045.2.1"), der(0x05)),
		"not a sequence": der(0x31, oid("1.2.840.113549.1.7.2")),
		"bad OID":        der(0x30, der(0x06, []byte{0x80, 0x01})),
	} {
		if _, err := Unwrap(bytes.NewReader(in), Limits{}); !errors.Is(err, ErrNotCMS) {
			t.Errorf("%s: Unwrap error %v, want ErrNotCMS", name, err)
		}
		if k, err := Classify(bytes.NewReader(in)); !errors.Is(err, ErrNotCMS) || k != "" {
			t.Errorf("%s: Classify = %q, %v", name, k, err)
		}
		if Sniff(in) != "" || IsSignature(in) {
			t.Errorf("%s: Sniff or IsSignature says CMS", name)
		}
	}
}

func TestSniffShortHead(t *testing.T) {
	t.Parallel()
	b := fixture(t, "enveloped-stream.der")
	for n := range 13 { // 30 80 06 09 + 9 bytes of OID
		if k := Sniff(b[:n]); k != "" {
			t.Errorf("Sniff(%d bytes) = %q", n, k)
		}
	}
	if k := Sniff(b[:13]); k != EnvelopedData {
		t.Errorf("Sniff(13 bytes) = %q", k)
	}
}
