package openpgp

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestArmorFixtures(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]struct {
		typ    BlockType
		layers []Kind
	}{
		"encrypted.asc":   {ArmorMessage, encrypted},
		"symmetric.asc":   {ArmorMessage, encrypted},
		"signed.asc":      {ArmorMessage, gpgSigned},
		"detached.asc":    {ArmorSignature, []Kind{Signature}},
		"public-key.asc":  {ArmorPublicKey, []Kind{PublicKey}},
		"private-key.asc": {ArmorPrivateKey, []Kind{PrivateKey}},
		"clearsigned.asc": {ArmorSignedMessage, []Kind{Signature}},
	} {
		text := readFixture(t, name)
		blocks, err := Armor(text, Limits{})
		if err != nil || len(blocks) != 1 {
			t.Fatalf("%s: %d blocks, %v", name, len(blocks), err)
		}
		b := blocks[0]
		if b.Type != want.typ || b.Err != nil || b.Start != 0 || b.End != len(bytes.TrimRight(text, "\n")) {
			t.Errorf("%s: block %s [%d, %d) err %v, file of %d bytes", name, b.Type, b.Start, b.End, b.Err, len(text))
		}
		res, _, err := unwrapAll(b.Data, Limits{})
		if err != nil || !slices.Equal(res.Layers, want.layers) {
			t.Errorf("%s: Unwrap of the block: %v, %v", name, res.Layers, err)
		}
		if got := SniffArmor(text); got != want.typ {
			t.Errorf("%s: SniffArmor = %q", name, got)
		}
		if IsArmoredMessage(text) != (want.typ == ArmorMessage) {
			t.Errorf("%s: IsArmoredMessage = %v", name, !(want.typ == ArmorMessage))
		}
	}
}

func TestClearSigned(t *testing.T) {
	t.Parallel()
	want := strings.TrimSuffix(string(readFixture(t, "clear.txt")), "\n")
	text := readFixture(t, "clearsigned.asc")
	for name, in := range map[string][]byte{
		"LF":     text,
		"CRLF":   crlf(text),
		"quoted": quote(text, "> "),
	} {
		blocks, err := Armor(in, Limits{})
		if err != nil || len(blocks) != 1 {
			t.Fatalf("%s: %d blocks, %v", name, len(blocks), err)
		}
		got := string(blocks[0].Text)
		if name == "CRLF" {
			got = strings.ReplaceAll(got, "\r\n", "\n")
		}
		if got != want || blocks[0].Err != nil {
			t.Errorf("%s: text %q, err %v; want %q", name, got, blocks[0].Err, want)
		}
		if k, _ := Classify(bytes.NewReader(blocks[0].Data), Limits{}); k != Signature {
			t.Errorf("%s: signature classified %q", name, k)
		}
	}
	// No signature after the text.
	cut := text[:bytes.Index(text, []byte("-----BEGIN PGP SIGNATURE"))]
	blocks, _ := Armor(cut, Limits{})
	if len(blocks) != 1 || !errors.Is(blocks[0].Err, ErrCorrupt) || string(blocks[0].Text) != want {
		t.Errorf("without signature: %+v", blocks)
	}
	if _, err := Armor(text, Limits{MaxContent: 10}); err != nil {
		t.Fatal(err)
	}
	if blocks, _ := Armor(text, Limits{MaxContent: 10}); !errors.Is(blocks[0].Err, ErrLimit) {
		t.Errorf("MaxContent 10: %v", blocks[0].Err)
	}
}

func crlf(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }

// quote prefixes every line of b with p, as a mail client quoting a reply
// does (a blank line gets p without its trailing blank).
func quote(b []byte, p string) []byte {
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = strings.TrimRight(p, " ")
		} else {
			lines[i] = p + l
		}
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

func TestArmorInText(t *testing.T) {
	t.Parallel()
	msg := readFixture(t, "encrypted.asc")
	sig := readFixture(t, "detached.asc")
	want := binary(t, "encrypted.asc")
	before := "Hello,\r\nsee below.\r\n\r\n"
	text := []byte(before + string(crlf(msg)) + "\r\nand\r\n" + string(quote(crlf(sig), "> ")) + "Bye\r\n")
	blocks, err := Armor(text, Limits{})
	if err != nil || len(blocks) != 2 {
		t.Fatalf("%d blocks, %v", len(blocks), err)
	}
	m, s := blocks[0], blocks[1]
	if m.Type != ArmorMessage || m.Err != nil || !bytes.Equal(m.Data, want) || m.Start != len(before) ||
		string(text[m.Start:m.End]) != strings.TrimSuffix(string(crlf(msg)), "\r\n") {
		t.Errorf("message block: %s [%d, %d) %v", m.Type, m.Start, m.End, m.Err)
	}
	if s.Type != ArmorSignature || s.Err != nil || !bytes.Equal(s.Data, binary(t, "detached.asc")) ||
		!strings.HasPrefix(string(text[s.Start:]), "> -----BEGIN PGP SIGNATURE-----") || !strings.HasSuffix(string(text[:s.End]), "> -----END PGP SIGNATURE-----") {
		t.Errorf("quoted signature block: %s [%d, %d) %v", s.Type, s.Start, s.End, s.Err)
	}
	if SniffArmor([]byte("-----BEGIN PGP SIGNATURE-----\r\n\r\nx\r\n")) != ArmorSignature {
		t.Error("CRLF armor header not sniffed")
	}
	if SniffArmor(text) != "" || !IsArmoredMessage(append([]byte("\xef\xbb\xbf \r\n"), msg...)) {
		t.Errorf("SniffArmor: found a block not at the start, or missed one after a BOM")
	}
}

func TestArmorDamage(t *testing.T) {
	t.Parallel()
	msg := string(readFixture(t, "encrypted.asc"))
	want := binary(t, "encrypted.asc")
	crcLine := msg[strings.LastIndex(msg[:len(msg)-len("-----END PGP MESSAGE-----\n")-1], "\n")+1:]
	for _, tc := range []struct {
		name     string
		text     string
		err      error
		wantData bool // Data is still the whole message
	}{
		{"checksum mismatch", strings.Replace(msg, crcLine, "=AAAA\n-----END PGP MESSAGE-----\n", 1), ErrCorrupt, true},
		{"no checksum", strings.Replace(msg, crcLine, "-----END PGP MESSAGE-----\n", 1), nil, true},
		{"no END line", strings.TrimSuffix(msg, "-----END PGP MESSAGE-----\n"), ErrCorrupt, true},
		{"END of another type", strings.Replace(msg, "END PGP MESSAGE", "END PGP SIGNATURE", 1), ErrCorrupt, true},
		{"bad base64", strings.Replace(msg, "\n\n", "\n\n!!!!\n", 1), ErrCorrupt, false},
		{"no blank line after BEGIN", strings.Replace(msg, "-----\n\n", "-----\n", 1), nil, true},
		{"armor headers", strings.Replace(msg, "-----\n\n", "-----\nVersion: x\nComment: y: z\n\n", 1), nil, true},
		{"cut by the next block", strings.TrimSuffix(msg, "-----END PGP MESSAGE-----\n") + msg, ErrCorrupt, true},
	} {
		blocks, err := Armor([]byte(tc.text), Limits{})
		if err != nil || len(blocks) == 0 {
			t.Fatalf("%s: %d blocks, %v", tc.name, len(blocks), err)
		}
		b := blocks[0]
		if !errors.Is(b.Err, tc.err) || (tc.err == nil && b.Err != nil) {
			t.Errorf("%s: error %v, want %v", tc.name, b.Err, tc.err)
		}
		if tc.wantData && !bytes.Equal(b.Data, want) {
			t.Errorf("%s: data differs", tc.name)
		}
	}
}

func TestArmorLimits(t *testing.T) {
	t.Parallel()
	msg := readFixture(t, "encrypted.asc")
	three := bytes.Repeat(msg, 3)
	blocks, err := Armor(three, Limits{MaxBlocks: 2})
	if !errors.Is(err, ErrLimit) || len(blocks) != 2 {
		t.Errorf("MaxBlocks 2: %d blocks, %v", len(blocks), err)
	}
	if blocks, err := Armor(three, Limits{}); err != nil || len(blocks) != 3 {
		t.Errorf("3 blocks: %d, %v", len(blocks), err)
	}
	blocks, err = Armor(msg, Limits{MaxContent: 100})
	if err != nil || len(blocks) != 1 || !errors.Is(blocks[0].Err, ErrLimit) || blocks[0].Data != nil {
		t.Errorf("MaxContent 100: %+v, %v", blocks, err)
	}
	if blocks, _ := Armor([]byte("no armor here -----BEGIN PGP MESSAGE----- inline"), Limits{}); len(blocks) != 0 {
		t.Errorf("BEGIN inside a line taken for a block")
	}
}

// Cutting an armored text anywhere never panics, and a block without
// error is whole.
func TestArmorTruncation(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"signed.asc", "clearsigned.asc"} {
		text := readFixture(t, name)
		full, _ := Armor(text, Limits{})
		for i := range len(text) {
			blocks, err := Armor(text[:i], Limits{})
			if err != nil || len(blocks) > 1 {
				t.Fatalf("%s cut at %d: %d blocks, %v", name, i, len(blocks), err)
			}
			if len(blocks) == 1 && blocks[0].Err == nil && (!bytes.Equal(blocks[0].Data, full[0].Data) || !bytes.Equal(blocks[0].Text, full[0].Text)) {
				t.Fatalf("%s cut at %d: block without error but not whole", name, i)
			}
		}
	}
}
