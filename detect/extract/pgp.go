package extract

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/dlprelay/dlprelay/detect/archive"
	"github.com/dlprelay/dlprelay/detect/openpgp"
	"github.com/dlprelay/dlprelay/detect/printable"
)

// This file reads OpenPGP data (package openpgp): armored message blocks
// taken out of text (blocks.go) and binary .gpg/.pgp parts. Encrypted
// data is reported; signed, compressed or stored data only wraps its
// content, which is read as a part of its own; a detached signature is a
// signature.

// pgpLimits bounds package openpgp by the walker's limits.
func (w *walker) pgpLimits() openpgp.Limits {
	return openpgp.Limits{MaxContent: w.lim.MaxPartBytes, MaxInput: w.lim.MaxPartBytes}
}

// pgpArmored reads one armored OpenPGP message block, spooled from a text,
// as the part idx at path.
func (w *walker) pgpArmored(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader) {
	data, err := io.ReadAll(io.LimitReader(r, w.lim.MaxPartBytes))
	if err != nil {
		w.readFailed(idx, path, err)
		return
	}
	blocks, _ := openpgp.Armor(data, w.pgpLimits())
	if len(blocks) == 0 || blocks[0].Type != openpgp.ArmorMessage {
		w.setDisposition(idx, DispNone, "openpgp")
		w.unscannableKind(path, ReasonCorrupt, "openpgp")
		return
	}
	b := blocks[0]
	w.pgpPackets(idx, path, depth, adepth, exp, bytes.NewReader(b.Data), true)
	if b.Err != nil && !w.reported(path) {
		// The armor was damaged: what decoded was read, the rest not.
		w.unscannableKind(path, ReasonCorrupt, "openpgp")
	}
}

// pgpBinary reads a part whose first bytes look like binary OpenPGP
// packets. declared says its type or name says OpenPGP; when it does not
// and the packets do not parse, the bytes are taken for unidentified
// binary instead (openpgp.Sniff guesses from one packet header).
func (w *walker) pgpBinary(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, declared bool) {
	file, size, ok := w.spoolPart(idx, path, r)
	if !ok {
		w.setDisposition(idx, DispNone, "openpgp")
		return
	}
	defer file.Close()
	if !declared {
		if _, err := openpgp.Classify(io.NewSectionReader(file, 0, size), w.pgpLimits()); err != nil {
			w.stringsOf(idx, path, io.NewSectionReader(file, 0, size), "", ReasonBinary)
			return
		}
	}
	w.pgpPackets(idx, path, depth, adepth, exp, io.NewSectionReader(file, 0, size), declared)
}

// pgpPackets reads binary OpenPGP packets as the part idx at path.
func (w *walker) pgpPackets(idx int, path string, depth, adepth int, exp *archive.Expansion, r io.Reader, declared bool) {
	res, err := openpgp.Unwrap(r, w.pgpLimits())
	kind := "openpgp"
	if len(res.Layers) > 0 {
		kind = "openpgp-" + string(res.Layers[0])
	}
	switch {
	case res.Encrypted:
		w.setDisposition(idx, DispNone, kind)
		w.unscannableKind(path, ReasonEncrypted, kind)
	case err != nil:
		w.setDisposition(idx, DispNone, kind)
		if w.halted(path) {
			return
		}
		if errors.Is(err, openpgp.ErrUnsupported) {
			w.unscannableKind(path, ReasonUnsupported, kind)
		} else {
			w.unscannableKind(path, ReasonCorrupt, kind)
		}
	case res.Detached:
		w.setDisposition(idx, DispSignature, kind)
	case res.Content == nil:
		// A key block: its user IDs (names, addresses) are all it holds
		// in clear.
		w.setDisposition(idx, DispStrings, kind)
		if rs, ok := r.(io.Seeker); ok {
			if _, err := rs.Seek(0, io.SeekStart); err == nil {
				w.segment(idx, path, printable.NewReader(r, printable.Limits{MaxOutput: w.lim.MaxPartBytes + 1}))
			}
		}
	default:
		w.setDisposition(idx, DispWrapped, kind)
		content := &errRecorder{r: res.Content}
		name := res.Name
		if name == "" || strings.ContainsAny(name, "/\\") {
			name = pathBase(strings.ReplaceAll(name, "\\", "/"))
		}
		w.wrappedContent(idx, path, depth, adepth, exp, content, name)
		if content.err != nil && !w.halted(path) {
			w.unscannableKind(path, ReasonCorrupt, kind)
		}
	}
}

// isArmoredSignature reports whether b, a whole part, is one ASCII-armored
// OpenPGP signature and nothing else but blanks (the second part of a
// PGP/MIME multipart/signed).
func isArmoredSignature(b []byte, lim openpgp.Limits) bool {
	if openpgp.SniffArmor(b) != openpgp.ArmorSignature {
		return false
	}
	blocks, err := openpgp.Armor(b, lim)
	if err != nil || len(blocks) != 1 || blocks[0].Err != nil || blocks[0].Type != openpgp.ArmorSignature {
		return false
	}
	outside := append(bytes.Clone(b[:blocks[0].Start]), b[blocks[0].End:]...)
	return len(bytes.TrimSpace(outside)) == 0
}

// reported reports whether an Unscannable entry names path already.
func (w *walker) reported(path string) bool {
	for _, u := range w.rep.Unscannable {
		if u.Part == path {
			return true
		}
	}
	return false
}

// isPGPHint reports whether a part's type or name says OpenPGP data.
func isPGPHint(h hint) bool {
	switch h.mediaType {
	case "application/pgp-encrypted", "application/pgp-signature", "application/pgp-keys", "application/pgp":
		return true
	}
	switch strings.ToLower(pathExt(h.name)) {
	case ".gpg", ".pgp", ".sig", ".asc":
		return true
	}
	return false
}
