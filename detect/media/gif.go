package media

import "bytes"

// walkGIF walks the header, the color tables and the blocks (images with
// their LZW sub-blocks, extensions) up to the trailer 0x3B. A GIF
// without an image is not one.
func walkGIF(w *walker) (int64, error) {
	c := w.cursor(0)
	h, err := c.need(13)
	if err != nil {
		return 0, err
	}
	c.skip(13)
	if h[10]&0x80 != 0 {
		c.skip(3 << (h[10]&7 + 1))
	}
	images := 0
	for {
		if err := w.step(); err != nil {
			return 0, err
		}
		b, err := c.need(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case 0x3B:
			if images == 0 {
				return 0, w.corrupt("no image")
			}
			return c.off + 1, nil
		case 0x2C: // image descriptor
			images++
			d, err := c.need(10)
			if err != nil {
				return 0, err
			}
			c.skip(10)
			if d[9]&0x80 != 0 {
				c.skip(3 << (d[9]&7 + 1))
			}
			m, err := c.need(1)
			if err != nil {
				return 0, err
			}
			if m[0] < 1 || m[0] > 11 {
				return 0, w.corrupt("bad LZW code size at %d", c.off)
			}
			c.skip(1)
			if _, err := subBlocks(c, nil); err != nil {
				return 0, err
			}
		case 0x21: // extension
			e, err := c.need(2)
			if err != nil {
				return 0, err
			}
			label := e[1]
			c.skip(2)
			if err := w.gifExtension(c, label); err != nil {
				return 0, err
			}
		default:
			return 0, w.corrupt("bad block at %d", c.off)
		}
	}
}

// gifText collects sub-block data for text, up to what the text budget
// can use.
type gifText struct {
	b   []byte
	max int
	cut bool
}

func (t *gifText) add(p []byte) {
	k := min(len(p), t.max-len(t.b))
	t.b = append(t.b, p[:k]...)
	if k < len(p) {
		t.cut = true
	}
}

func (w *walker) newGIFText() *gifText { return &gifText{max: int(min(2*w.budget()+8, 1<<30))} }

func (w *walker) gifExtension(c *cursor, label byte) error {
	switch label {
	case 0xFE: // comment
		t := w.newGIFText()
		if _, err := subBlocks(c, t.add); err != nil {
			return err
		}
		w.addText("gif:comment", decUTF8orLatin1(t.b), t.cut)
	case 0x01: // plain text: a 12-byte block, then the text
		first := true
		t := w.newGIFText()
		if _, err := subBlocks(c, func(p []byte) {
			if first {
				first = false
				return
			}
			t.add(p)
		}); err != nil {
			return err
		}
		w.addText("gif:plaintext", decUTF8orLatin1(t.b), t.cut)
	case 0xFF: // application: an 11-byte identifier, then data
		id, err := c.need(12)
		if err != nil {
			return err
		}
		if id[0] != 11 {
			return w.corrupt("bad application extension at %d", c.off)
		}
		app := string(id[1:12])
		c.skip(12)
		t := w.newGIFText()
		if app == "XMP DataXMP" {
			// XMP is written raw: its bytes read as sub-block lengths
			// land, through a 258-byte trailer, on the terminator. The
			// raw bytes are the packet.
			if _, err := subBlocks(c, nil, t.add); err != nil {
				return err
			}
			b := t.b
			if i := bytes.Index(b, []byte{0x01, 0xFF, 0xFE, 0xFD}); i >= 0 {
				b = b[:i]
			}
			w.addText("xmp", decUTF8(b), t.cut)
			return nil
		}
		if _, err := subBlocks(c, t.add); err != nil {
			return err
		}
		switch app {
		case "NETSCAPE2.0", "ANIMEXTS1.0", "ICCRGBG1012":
		default:
			name := "gif:app"
			if cleanKey(app) {
				name += "/" + app
			}
			w.stringsOf(name+"#strings", t.b)
			if t.cut {
				w.info.Truncated = true
			}
		}
	default: // graphic control and unknown extensions
		if _, err := subBlocks(c, nil); err != nil {
			return err
		}
	}
	return nil
}

// subBlocks skips a chain of sub-blocks up to its zero terminator,
// calling data with each block's data and, if given, raw with each
// block's length byte and data. It returns the bytes walked.
func subBlocks(c *cursor, data func([]byte), raw ...func([]byte)) (int64, error) {
	start := c.off
	for {
		if err := c.w.step(); err != nil {
			return 0, err
		}
		b, err := c.need(1)
		if err != nil {
			return 0, err
		}
		n := int(b[0])
		if n == 0 {
			c.skip(1)
			return c.off - start, nil
		}
		blk, err := c.need(1 + n)
		if err != nil {
			return 0, err
		}
		if data != nil {
			data(blk[1:])
		}
		for _, r := range raw {
			r(blk)
		}
		c.skip(int64(1 + n))
	}
}
