package doc

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// emitObjects emits the embedded OLE objects: each storage under
// "ObjectPool" is "object N" (N from 1, in directory order). Of its
// streams, "\x01Ole10Native" (an OLE1 package) gives the packaged file;
// streams whose name starts with a control character (\x01CompObj,
// \x03ObjInfo, \x02OlePres000, ...) are OLE's own and skipped; every other
// stream ("Package": an OOXML file, "Workbook": a BIFF workbook,
// "CONTENTS", ...) is emitted as it is, named "object N/<stream>". Storages
// nested deeper inside an object are not read.
func emitObjects(c *cfb, o *out) error {
	n := 0
	for _, s := range c.Files {
		if !s.FileInfo().IsDir() || len(s.Path) != 1 || s.Path[0] != "ObjectPool" {
			continue
		}
		n++
		obj := "object " + strconv.Itoa(n)
		path := []string{"ObjectPool", s.Name}
		for _, f := range c.Files {
			if f.FileInfo().IsDir() || len(f.Path) != 2 || f.Path[0] != path[0] || f.Path[1] != path[1] {
				continue
			}
			var err error
			switch {
			case f.Initial == 0x01 && f.Name == "Ole10Native":
				err = emitOle10Native(c, o, obj, f)
			case f.Initial < 0x20:
				continue
			default:
				err = emitStream(c, o, obj+"/"+printable(f.Name), f, 0)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// emitStream emits the stream f from byte skip on as an ItemFile.
func emitStream(c *cfb, o *out, name string, f *mscfb.File, skip int64) error {
	if err := o.check(); err != nil {
		return err
	}
	if f.Size > c.Size() {
		return fmt.Errorf("%w: stream %q claims %d bytes in a file of %d", ErrCorrupt, f.Name, f.Size, c.Size())
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil && f.Size > 0 {
		return fmt.Errorf("%w: stream %q: %v", ErrCorrupt, f.Name, err)
	}
	r := bufio.NewReader(io.LimitReader(streamReader{f}, f.Size))
	if _, err := r.Discard(int(skip)); err != nil {
		return fmt.Errorf("%w: stream %q: %v", ErrCorrupt, f.Name, err)
	}
	return emitFile(o, name, r, f.Size-skip)
}

// emitFile emits n bytes of r as an ItemFile, cut at what MaxOutput leaves
// (then returning an error wrapping ErrLimit).
func emitFile(o *out, name string, r io.Reader, n int64) error {
	if err := o.check(); err != nil {
		return err
	}
	cut := n > o.remaining()
	if cut {
		n = o.remaining()
	}
	cr := &countReader{r: io.LimitReader(r, n)}
	o.items++
	err := o.emit(Item{Kind: ItemFile, Name: name, R: cr})
	o.written += cr.n
	if err != nil {
		return err
	}
	if cr.err != nil {
		return cr.err
	}
	if cut {
		return fmt.Errorf("%w: more than %d bytes of output", ErrLimit, o.lim.MaxOutput)
	}
	return nil
}

// countReader counts what was read and keeps the first read error.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// maxOleString bounds the strings of an OLE1 package header.
const maxOleString = 4096

// emitOle10Native emits the file packaged in an "\x01Ole10Native" stream
// ([MS-OLEDS] 2.3.6 and the Packager's native data): a 4-byte size, then
// 2 bytes, the label and the source path (NUL-terminated ANSI), 4 bytes, a
// 4-byte length and the temporary path, a 4-byte size and the data. A
// stream that is not a package (another OLE1 class) is emitted whole after
// its 4-byte size.
func emitOle10Native(c *cfb, o *out, obj string, f *mscfb.File) error {
	if f.Size > c.Size() {
		return fmt.Errorf("%w: stream %q claims %d bytes in a file of %d", ErrCorrupt, f.Name, f.Size, c.Size())
	}
	r := bufio.NewReader(io.LimitReader(streamReader{f}, f.Size))
	label, data, n, ok := parsePackage(r, f.Size)
	if !ok {
		return emitStream(c, o, obj+"/Ole10Native", f, 4)
	}
	if label == "" {
		label = "Ole10Native"
	}
	return emitFile(o, obj+"/"+label, data, n)
}

func parsePackage(r *bufio.Reader, size int64) (label string, data io.Reader, n int64, ok bool) {
	var hdr [6]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil || binary.LittleEndian.Uint16(hdr[4:]) != 2 || int64(binary.LittleEndian.Uint32(hdr[:])) > size-4 {
		return "", nil, 0, false // not the Packager's native data
	}
	used := int64(6)
	cstr := func() ([]byte, bool) {
		var s []byte
		for len(s) < maxOleString {
			b, err := r.ReadByte()
			if err != nil {
				return nil, false
			}
			used++
			if b == 0 {
				return s, true
			}
			s = append(s, b)
		}
		return nil, false
	}
	u32 := func() (int64, bool) {
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, false
		}
		used += 4
		return int64(binary.LittleEndian.Uint32(b[:])), true
	}
	lab, ok1 := cstr()
	src, ok2 := cstr()
	_, ok3 := u32()
	tmpLen, ok4 := u32()
	if !(ok1 && ok2 && ok3 && ok4) || tmpLen > maxOleString {
		return "", nil, 0, false
	}
	if _, err := r.Discard(int(tmpLen)); err != nil {
		return "", nil, 0, false
	}
	used += tmpLen
	n, ok5 := u32()
	if !ok5 || n > size-used {
		return "", nil, 0, false
	}
	name := ansiName(lab)
	if name == "" {
		name = ansiName(src)
		if i := strings.LastIndexAny(name, `\/`); i >= 0 {
			name = name[i+1:]
		}
	}
	return name, r, n, true
}

// ansiName decodes a file name stored in the system's ANSI code page:
// UTF-8 if it is valid UTF-8, else Shift_JIS (CP932) if it decodes
// cleanly, else Windows-1252; printable runes only, at most 128 bytes.
func ansiName(b []byte) string {
	var s string
	switch {
	case utf8.Valid(b):
		s = string(b)
	default:
		if d, err := japanese.ShiftJIS.NewDecoder().Bytes(b); err == nil && !strings.ContainsRune(string(d), utf8.RuneError) {
			s = string(d)
		} else {
			d, _ := charmap.Windows1252.NewDecoder().Bytes(b)
			s = string(d)
		}
	}
	s = printable(s)
	for len(s) > 128 {
		_, sz := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-sz]
	}
	return s
}
