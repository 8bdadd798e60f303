package openpgp

import (
	"compress/bzip2"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/dlprelay/dlprelay/detect/internal/bounded"
)

// unwrapper walks the packets of one input.
type unwrapper struct {
	lim      Limits
	res      Result
	classify bool // stop at the first layer (Classify)
}

func (u *unwrapper) add(k Kind) { u.res.Layers = append(u.res.Layers, k) }

// message reads one sequence of packets (RFC 9580 section 10.3) from p,
// the input (depth 0) or a compressed packet's data, up to its payload.
func (u *unwrapper) message(p *reader, depth int) error {
	var sigs, markers int
	signed := false
	for n := 0; ; n++ {
		first := depth == 0 && n == 0
		h, err := p.header()
		if err == nil && n >= u.lim.MaxPackets {
			return fmt.Errorf("%w: more than %d packets before the data", ErrLimit, u.lim.MaxPackets)
		}
		if err == io.EOF {
			switch {
			case sigs > 0:
				u.add(Signature)
				u.res.Detached = true
				return nil
			case n > 0 && markers == n:
				u.add(Marker)
				return nil
			case n == 0 && depth == 0:
				return ErrNotOpenPGP
			}
			return fmt.Errorf("%w: no data packet", ErrCorrupt)
		}
		if err != nil {
			if first && errors.Is(err, ErrCorrupt) && !errors.Is(err, errTruncated) {
				return ErrNotOpenPGP
			}
			return err
		}
		if h.partial && !partialAllowed(h.tag) {
			if first {
				return ErrNotOpenPGP
			}
			return fmt.Errorf("%w: partial length on packet tag %d", ErrCorrupt, h.tag)
		}
		b := newBody(p, h)
		switch h.tag {
		case tagMarker, tagPadding:
			markers++
			if err := b.skip(); err != nil {
				return err
			}
		case tagPKESK, tagSKESK, tagSED, tagSEIPD, tagAEAD:
			u.add(Encrypted)
			u.res.Encrypted = true
			return nil
		case tagOnePassSig:
			if !signed {
				u.add(Signed)
				signed = true
				if u.classify {
					return nil
				}
			}
			if err := b.skip(); err != nil {
				return err
			}
		case tagSignature:
			sigs++
			if err := b.skip(); err != nil {
				return err
			}
		case tagCompressed, tagLiteral:
			if sigs > 0 && !signed { // signature packets before the data (RFC 9580 10.3)
				u.add(Signed)
				signed = true
				if u.classify {
					return nil
				}
			}
			if h.tag == tagLiteral {
				u.add(Literal)
				if u.classify {
					return nil
				}
				return u.literal(b)
			}
			u.add(Compressed)
			if u.classify {
				return nil
			}
			if depth+1 > u.lim.MaxDepth {
				return fmt.Errorf("%w: compressed packets nested deeper than %d", ErrLimit, u.lim.MaxDepth)
			}
			r, err := u.decompress(b)
			if err != nil {
				return err
			}
			return u.message(newReader(r, u.lim.MaxInput, true), depth+1)
		case tagPublicKey, tagSecretKey:
			return u.keys(p, b, h.tag, n)
		default:
			if first {
				return ErrNotOpenPGP
			}
			return fmt.Errorf("%w: unexpected packet tag %d", ErrCorrupt, h.tag)
		}
	}
}

// keys reads a sequence of transferable keys (RFC 9580 section 10.1)
// whose first key packet has tag and body b, after n other packets: it
// is private-key if any key packet in it is secret, else public-key.
func (u *unwrapper) keys(p *reader, b *body, tag, n int) error {
	for {
		if tag == tagSecretKey || tag == tagSecretSub {
			u.add(PrivateKey)
			return nil
		}
		if err := b.skip(); err != nil {
			u.add(PublicKey)
			return err
		}
		h, err := p.header()
		if err == io.EOF {
			u.add(PublicKey)
			return nil
		}
		if err != nil {
			u.add(PublicKey)
			return err
		}
		if n++; n >= u.lim.MaxPackets {
			u.add(PublicKey)
			return fmt.Errorf("%w: more than %d packets in a key block", ErrLimit, u.lim.MaxPackets)
		}
		tag, b = h.tag, newBody(p, h)
	}
}

// literal reads a literal data packet's header (RFC 9580 section 5.9)
// and hands out the rest of its body as Content.
func (u *unwrapper) literal(b *body) error {
	var head [2]byte
	if _, err := io.ReadFull(b, head[:]); err != nil {
		return bodyErr(err)
	}
	name := make([]byte, head[1]) // at most 255
	if _, err := io.ReadFull(b, name); err != nil {
		return bodyErr(err)
	}
	var date [4]byte
	if _, err := io.ReadFull(b, date[:]); err != nil {
		return bodyErr(err)
	}
	u.res.Format, u.res.Name = head[0], string(name)
	u.res.Content = &bounded.Limit{R: b, Left: u.lim.MaxContent, Map: streamErr}
	return nil
}

// decompress returns the data of a compressed packet (RFC 9580 section
// 5.6), bounded by the ratio.
func (u *unwrapper) decompress(b *body) (io.Reader, error) {
	var alg [1]byte
	if _, err := io.ReadFull(b, alg[:]); err != nil {
		return nil, bodyErr(err)
	}
	in := &bounded.Counter{R: b}
	var r io.Reader
	switch alg[0] {
	case 0: // uncompressed
		r = in
	case 1: // ZIP: raw deflate
		r = flate.NewReader(in)
	case 2:
		z, err := zlib.NewReader(in)
		if err != nil {
			return nil, bodyErr(err)
		}
		r = z
	case 3:
		r = bzip2.NewReader(in)
	default:
		return nil, fmt.Errorf("%w: compression algorithm %d", ErrUnsupported, alg[0])
	}
	return &bounded.Ratio{R: r, In: in, Max: u.lim.MaxRatio, Grace: RatioGrace, Map: streamErr}, nil
}

// bodyErr maps the end of a body where more was needed to errTruncated.
func bodyErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errTruncated
	}
	return streamErr(err)
}
