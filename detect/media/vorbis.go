package media

import (
	"bufio"
	"encoding/base64"
	"encoding/binary"
	"io"
	"strings"
)

// Vorbis comments (Ogg Vorbis, Opus, Theora, Speex, FLAC): a vendor
// string and "KEY=value" strings. METADATA_BLOCK_PICTURE values are FLAC
// picture blocks in base64: their description is text, the picture is not.

// lenReader reads a structure of a known length from a stream.
type lenReader struct {
	w    *walker
	r    *bufio.Reader
	left int64
}

func (w *walker) lenReader(r io.Reader, n int64) *lenReader {
	return &lenReader{w: w, r: bufio.NewReaderSize(&ctxReader{w: w, r: r}, 32<<10), left: n}
}

func (l *lenReader) bytes(n int64) ([]byte, error) {
	if n < 0 || n > l.left {
		return nil, l.w.corrupt("field past its block")
	}
	if n > maxBlob {
		return nil, l.w.limit("field too large")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(l.r, b); err != nil {
		return nil, l.err(err)
	}
	l.left -= n
	return b, nil
}

func (l *lenReader) skip(n int64) error {
	if n < 0 || n > l.left {
		return l.w.corrupt("field past its block")
	}
	if _, err := l.r.Discard(int(n)); err != nil {
		return l.err(err)
	}
	l.left -= n
	return nil
}

func (l *lenReader) err(err error) error {
	if err == l.w.ctx.Err() {
		return err
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return l.w.corrupt("short block")
	}
	return err
}

func (l *lenReader) u32le() (int64, error) {
	b, err := l.bytes(4)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint32(b)), nil
}

// text reads n bytes for text, bounded by the text budget, and skips the
// rest.
func (l *lenReader) text(n int64) ([]byte, bool, error) {
	m := min(n, 2*l.w.budget()+64)
	b, err := l.bytes(m)
	if err != nil {
		return nil, false, err
	}
	return b, m < n, l.skip(n - m)
}

// vorbisComments reads a comment block of n bytes from r (anything after
// the last comment, such as Vorbis's framing bit, is left unread).
func (w *walker) vorbisComments(prefix string, r io.Reader, n int64) error {
	l := w.lenReader(r, n)
	vn, err := l.u32le()
	if err != nil {
		return err
	}
	v, cut, err := l.text(vn)
	if err != nil {
		return err
	}
	w.addText(prefix+"-vendor", decUTF8(v), cut)
	count, err := l.u32le()
	if err != nil {
		return err
	}
	for i := int64(0); i < count; i++ {
		if err := w.step(); err != nil {
			return err
		}
		cn, err := l.u32le()
		if err != nil {
			return err
		}
		const pic = "METADATA_BLOCK_PICTURE="
		if cn > int64(len(pic)) {
			b, err := l.bytes(int64(len(pic)))
			if err != nil {
				return err
			}
			if strings.EqualFold(string(b), pic) {
				if cn-int64(len(pic)) > maxBlob {
					w.info.Truncated = true
					if err := l.skip(cn - int64(len(pic))); err != nil {
						return err
					}
					continue
				}
				enc, err := l.bytes(cn - int64(len(pic)))
				if err != nil {
					return err
				}
				raw, err := base64.StdEncoding.DecodeString(string(enc))
				if err != nil {
					// Not a picture: the value is text like any other.
					w.addText(prefix, decUTF8(append(b, enc...)), false)
					continue
				}
				if err := w.flacPicture(prefix+"/picture", raw); err != nil {
					return err
				}
				continue
			}
			rest, cut, err := l.text(cn - int64(len(pic)))
			if err != nil {
				return err
			}
			w.addText(prefix, decUTF8(append(b, rest...)), cut)
			continue
		}
		b, cut, err := l.text(cn)
		if err != nil {
			return err
		}
		w.addText(prefix, decUTF8(b), cut)
	}
	return nil
}

// flacPicture reads the description of a FLAC picture block.
func (w *walker) flacPicture(name string, b []byte) error {
	r := &bytesReader{b: b}
	r.uint(4) // picture type
	mime := r.uint(4)
	if mime > uint64(len(r.b)) {
		return w.corrupt("bad picture block")
	}
	r.b = r.b[mime:]
	dn := r.uint(4)
	if r.bad || dn > uint64(len(r.b)) {
		return w.corrupt("bad picture block")
	}
	w.addText(name, decUTF8(r.b[:dn]), false)
	return nil
}
