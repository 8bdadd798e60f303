package tnef

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
)

var update = flag.Bool("update", false, "rewrite the .want.txt goldens of testdata")

// dump reads b and renders what Read emits, for the goldens: each item's
// kind and name, then a text's content, or a file's size and SHA-256 (and
// its content when it is UTF-8 without NULs); an error ends the dump.
func dump(b []byte, lim Limits) string {
	var s strings.Builder
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), lim, func(it Item) error {
		data, err := io.ReadAll(it.R)
		if err != nil {
			return err
		}
		if it.Kind == ItemText {
			fmt.Fprintf(&s, "== text %s\n%s\n", it.Name, data)
			return nil
		}
		fmt.Fprintf(&s, "== file %s (%d bytes, sha256 %x)\n", it.Name, len(data), sha256.Sum256(data))
		if utf8.Valid(data) && !bytes.ContainsRune(data, 0) {
			fmt.Fprintf(&s, "%s\n", data)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(&s, "error: %v\n", err)
	}
	return s.String()
}

// TestGolden reads every fixture testdata/NN-name.tnef (written by
// testdata/src/gen.py) and compares with NN-name.want.txt; a mismatch writes
// NN-name.got.txt beside it, -update rewrites the goldens.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.tnef")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !Is(b) {
				t.Error("Is = false")
			}
			got := dump(b, Limits{})
			base := strings.TrimSuffix(f, ".tnef")
			if *update {
				if err := os.WriteFile(base+".want.txt", []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(base + ".want.txt")
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				_ = os.WriteFile(base+".got.txt", []byte(got), 0o644)
				t.Errorf("output differs from %s.want.txt; see %s.got.txt", base, base)
			} else {
				_ = os.Remove(base + ".got.txt")
			}
		})
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// items reads b and returns its items' names and contents.
func items(t testing.TB, b []byte, lim Limits) (map[string][]byte, []string, error) {
	t.Helper()
	got := map[string][]byte{}
	var names []string
	err := Read(context.Background(), bytes.NewReader(b), int64(len(b)), lim, func(it Item) error {
		data, err := io.ReadAll(it.R)
		got[it.Name] = append(got[it.Name], data...)
		names = append(names, it.Name)
		return err
	})
	return got, names, err
}

// TestCustomerData checks, beyond the goldens, that the Japanese fixture's
// customer values come out as text a detector matches: CP932 and UTF-16 alike.
func TestCustomerData(t *testing.T) {
	t.Parallel()
	got, _, err := items(t, readFixture(t, "02-japanese.tnef"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"subject":                        "顧客リストの件",
		"body":                           "山田 太郎,03-1234-5678,taro.yamada@example.jp",
		"properties":                     "PR_CONVERSATION_TOPIC=顧客リスト",
		"recipients":                     "PR_EMAIL_ADDRESS=jiro.sato@example.jp",
		"attachment/顧客一覧.csv":            "",
		"attachment/顧客一覧.csv/properties": "PR_ATTACH_LONG_FILENAME=顧客一覧.csv",
		"body.rtf":                       `\'8e\'52\'93\'63 \'91\'be\'98\'59 03-1234-5678`,
	} {
		v, ok := got[name]
		if !ok || !bytes.Contains(v, []byte(want)) {
			t.Errorf("%s = %q, want it to hold %q", name, v, want)
		}
	}
	if !strings.Contains(string(got["properties"]), "named:Keywords[1]=電話 090-1111-2222") {
		t.Errorf("multi-valued named property missing: %q", got["properties"])
	}
}

// TestTnefTool extracts every fixture with Debian's tnef(1) and checks that
// Read finds the same attachments, byte for byte (tnef(1) keeps the 16-byte
// IID in front of an embedded object, Read drops it as [MS-OXTNEF] 2.1.3.4
// says), and the same bodies.
func TestTnefTool(t *testing.T) {
	t.Parallel()
	tool, err := exec.LookPath("tnef")
	if err != nil {
		t.Skip("tnef(1) not installed")
	}
	files, _ := filepath.Glob("testdata/*.tnef")
	for _, f := range files {
		dir := t.TempDir()
		out, err := exec.Command(tool, "-f", f, "-C", dir, "--save-body", "--body-pref=all").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: tnef: %v\n%s", f, err, out)
		}
		b, _ := os.ReadFile(f)
		got, _, err := items(t, b, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var ours []string
		for name, data := range got {
			if strings.HasPrefix(name, "attachment/") && !strings.HasSuffix(name, "/properties") {
				ours = append(ours, fmt.Sprintf("%x", sha256.Sum256(data)))
			}
		}
		entries, _ := os.ReadDir(dir)
		var theirs []string
		for _, e := range entries {
			data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			switch e.Name() {
			case "message.txt":
				if !utf8.Valid(data) { // attBody in the OEM code page
					data, _ = japanese.ShiftJIS.NewDecoder().Bytes(data)
				}
				if body := strings.TrimRight(string(got["body"]), "\x00"); !strings.Contains(body, strings.TrimRight(string(data), "\x00")) {
					t.Errorf("%s: tnef's body %q, ours %q", f, data, body)
				}
				continue
			case "message.rtf", "message.html":
				name := "body." + strings.TrimPrefix(filepath.Ext(e.Name()), ".")
				if !bytes.Equal(bytes.TrimRight(got[name], "\x00"), bytes.TrimRight(data, "\x00")) {
					t.Errorf("%s: tnef's %s differs from our %s", f, e.Name(), name)
				}
				continue
			}
			if len(data) > 16 && Is(data[16:]) { // an embedded message: the IID first
				data = data[16:]
			}
			theirs = append(theirs, fmt.Sprintf("%x", sha256.Sum256(data)))
		}
		sort.Strings(ours)
		sort.Strings(theirs)
		if strings.Join(ours, ",") != strings.Join(theirs, ",") || len(ours) == 0 {
			t.Errorf("%s: attachments differ: ours %v, tnef's %v", f, ours, theirs)
		}
	}
}

func TestIs(t *testing.T) {
	t.Parallel()
	b := readFixture(t, "01-simple.tnef")
	if !Is(b) || !Is(b[:4]) {
		t.Error("Is(winmail.dat) = false")
	}
	if Is(b[:3]) || Is([]byte("PK\x03\x04")) || Is(nil) {
		t.Error("Is accepts a short or foreign head")
	}
	for _, mt := range []string{"application/ms-tnef", "application/vnd.ms-tnef"} {
		if !IsMediaType(mt) {
			t.Errorf("IsMediaType(%q) = false", mt)
		}
	}
	if IsMediaType("application/octet-stream") {
		t.Error("IsMediaType(application/octet-stream) = true")
	}
}

// attrAt returns the offset of the first attribute with ID id in b.
func attrAt(t *testing.T, b []byte, id uint32) int {
	t.Helper()
	for pos := 6; pos+9 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[pos+5:]))
		if binary.LittleEndian.Uint32(b[pos+1:]) == id {
			return pos
		}
		pos += 9 + n + 2
	}
	t.Fatalf("no attribute 0x%08X", id)
	return 0
}

func TestErrors(t *testing.T) {
	t.Parallel()
	simple := readFixture(t, "01-simple.tnef")
	jp := readFixture(t, "02-japanese.tnef")

	badSum := bytes.Clone(simple)
	p := attrAt(t, badSum, 0x00018004) // attSubject
	badSum[p+9] ^= 0x20                // "customer", the checksum unchanged
	got, _, err := items(t, badSum, Limits{})
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("bad checksum: %v, want ErrCorrupt", err)
	}
	if len(got["attachment/report.xlsx"]) == 0 || !bytes.Contains(got["subject"], []byte("ustomer list")) {
		t.Errorf("bad checksum: the rest was not read: %q", got)
	}

	badVersion := bytes.Clone(simple)
	p = attrAt(t, badVersion, 0x00089006)
	binary.LittleEndian.PutUint32(badVersion[p+9:], 0x00020000)
	binary.LittleEndian.PutUint16(badVersion[p+13:], 2+0) // the checksum of 00 00 02 00
	if _, _, err := items(t, badVersion, Limits{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("TNEF version 2: %v, want ErrUnsupported", err)
	}

	badRTF := bytes.Clone(jp)
	i := bytes.Index(badRTF, []byte("LZFu"))
	badRTF[i+4] ^= 1 // the CRC
	p = attrAt(t, badRTF, 0x00069003)
	n := int(binary.LittleEndian.Uint32(badRTF[p+5:]))
	var sum uint16
	for _, c := range badRTF[p+9 : p+9+n] {
		sum += uint16(c)
	}
	binary.LittleEndian.PutUint16(badRTF[p+9+n:], sum)
	got, _, err = items(t, badRTF, Limits{})
	if !errors.Is(err, ErrCorrupt) || len(got["attachment/顧客一覧.csv"]) == 0 {
		t.Errorf("bad RTF CRC: %v (attachment read: %v), want ErrCorrupt and the rest read", err, len(got["attachment/顧客一覧.csv"]) > 0)
	}

	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"signature only", simple[:4], ErrCorrupt},
		{"not TNEF", []byte("PK\x03\x04 this is a zip file"), ErrUnsupported},
		{"truncated attribute header", simple[:12], ErrCorrupt},
		{"truncated in the CSV", simple[:attrAt(t, simple, 0x0006800F)+40], ErrCorrupt},
		{"truncated checksum", simple[:len(simple)-1], ErrCorrupt},
	} {
		if _, _, err := items(t, tc.in, Limits{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}

	// A truncated attachment is still scanned as far as it goes.
	got, _, _ = items(t, simple[:attrAt(t, simple, 0x0006800F)+40], Limits{})
	if !bytes.HasPrefix(got["attachment/attachment 1"], []byte("name,phone,email")) && !bytes.HasPrefix(got["attachment/CUSTOM~1.CSV"], []byte("name,phone,email")) {
		t.Errorf("truncated attachment not emitted: %q", got)
	}
}

func TestLimitsAndStops(t *testing.T) {
	t.Parallel()
	jp := readFixture(t, "02-japanese.tnef")
	if _, _, err := items(t, jp, Limits{MaxItems: 2}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxItems 2: %v", err)
	}
	got, _, err := items(t, jp, Limits{MaxOutput: 100})
	total := 0
	for _, v := range got {
		total += len(v)
	}
	if !errors.Is(err, ErrLimit) || total > 100 {
		t.Errorf("MaxOutput 100: %d bytes, %v", total, err)
	}
	if _, _, err := items(t, jp, Limits{MaxProperties: 5}); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxProperties 5: %v", err)
	}
	stop := errors.New("stop")
	if err := Read(context.Background(), bytes.NewReader(jp), int64(len(jp)), Limits{}, func(Item) error { return stop }); err != stop {
		t.Errorf("emit's error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Read(ctx, bytes.NewReader(jp), int64(len(jp)), Limits{}, func(Item) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestHTMLBody: PR_BODY_HTML as an 8-bit string is emitted as it is without
// its NUL terminator, as UTF-16 it is emitted as UTF-8.
func TestHTMLBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		prop []byte
	}{
		{"PT_STRING8", mkVarProp(ptString8, prHTML, []byte("<p>03-1234-5678</p>\x00"))},
		{"PT_UNICODE", mkVarProp(ptUnicode, prHTML, utf16z("<p>03-1234-5678</p>"))},
	} {
		b := mkTNEF(mkAttr(levelMessage, 0x00069003, mkPropList(tc.prop)))
		got, _, err := items(t, b, Limits{})
		if err != nil || string(got["body.html"]) != "<p>03-1234-5678</p>" {
			t.Errorf("%s: body.html = %q, %v", tc.name, got["body.html"], err)
		}
	}
}

// eofAt is a ReaderAt that returns io.EOF with a read that reaches the end,
// as io.ReaderAt allows (an *os.File section may).
type eofAt struct{ b []byte }

func (e eofAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(e.b)) {
		return 0, io.EOF
	}
	n := copy(p, e.b[off:])
	if off+int64(n) == int64(len(e.b)) {
		return n, io.EOF
	}
	return n, nil
}

// TestReaderAtEOF: a full read that reports io.EOF at the end is not a
// truncated stream.
func TestReaderAtEOF(t *testing.T) {
	t.Parallel()
	b := readFixture(t, "01-simple.tnef")
	want := dump(b, Limits{})
	var s strings.Builder
	err := Read(context.Background(), eofAt{b}, int64(len(b)), Limits{}, func(it Item) error {
		_, err := io.Copy(&s, it.R)
		return err
	})
	if err != nil || !strings.Contains(want, "report.xlsx") {
		t.Errorf("Read through a ReaderAt that says io.EOF at the end: %v", err)
	}
}
