package cms

import (
	"compress/zlib"
	"fmt"
	"io"

	"github.com/dlprelay/dlprelay/detect/internal/bounded"
)

// unwrapper walks the layers of one message.
type unwrapper struct {
	lim Limits
	res Result
}

// contentInfo reads a ContentInfo (RFC 5652 section 3) and what it holds.
func (u *unwrapper) contentInfo(d *decoder) error {
	k, seq, _, err := contentType(d)
	if err != nil {
		return err
	}
	return u.explicitContent(d, k, seq)
}

// explicitContent reads the "[0] EXPLICIT content" after a ContentInfo's
// contentType.
func (u *unwrapper) explicitContent(d *decoder, k Kind, seq elem) error {
	w, ok, err := d.next(&seq)
	if err != nil {
		return err
	}
	if !ok {
		if k == Data { // PKCS #7 has content OPTIONAL: empty data
			u.res.Layers = append(u.res.Layers, Data)
			u.res.InnerType = string(Data)
			u.res.Content = u.limitContent(eofReader{})
			return nil
		}
		return fmt.Errorf("%w: %s without content", ErrCorrupt, k)
	}
	if !w.is(classContext, 0) || !w.constructed {
		return fmt.Errorf("%w: ContentInfo content is not [0]", ErrCorrupt)
	}
	body, ok, err := d.next(&w)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: empty ContentInfo content", ErrCorrupt)
	}
	return u.layer(d, k, body)
}

// field is one element of a structure before its EncapsulatedContentInfo.
type field struct {
	class    byte
	tag      uint32
	optional bool
}

var (
	fVersion = field{class: classUniversal, tag: tagInteger}
	fSet     = field{class: classUniversal, tag: tagSet}
	fAlg     = field{class: classUniversal, tag: tagSequence}
)

// heads are the fields before encapContentInfo of the structures that
// have one.
var heads = map[Kind][]field{
	// RFC 5652 5.1: version, digestAlgorithms.
	SignedData: {fVersion, fSet},
	// RFC 5652 7: version, digestAlgorithm.
	DigestedData: {fVersion, fAlg},
	// RFC 3274 1.1: version, compressionAlgorithm.
	CompressedData: {fVersion, fAlg},
	// RFC 5652 9.1: version, originatorInfo [0] OPTIONAL, recipientInfos,
	// macAlgorithm, digestAlgorithm [1] OPTIONAL.
	AuthenticatedData: {fVersion, {class: classContext, tag: 0, optional: true}, fSet, fAlg, {class: classContext, tag: 1, optional: true}},
}

// layer reads the structure of content type k whose header is body.
func (u *unwrapper) layer(d *decoder, k Kind, body elem) error {
	u.res.Layers = append(u.res.Layers, k)
	if len(u.res.Layers) > u.lim.MaxDepth {
		return fmt.Errorf("%w: more than %d layers", ErrLimit, u.lim.MaxDepth)
	}
	if k.Encrypted() {
		u.res.Encrypted = true
		u.res.InnerType = ""
		return nil
	}
	if k == Data {
		if !body.isOctetString() {
			return fmt.Errorf("%w: data is not an OCTET STRING", ErrCorrupt)
		}
		u.res.InnerType = string(Data)
		u.res.Content = u.limitContent(newOctets(d, body))
		return nil
	}
	if !body.is(classUniversal, tagSequence) || !body.constructed {
		return fmt.Errorf("%w: %s is not a SEQUENCE", ErrCorrupt, k)
	}
	var pending *elem
	for _, f := range heads[k] {
		e := pending
		pending = nil
		if e == nil {
			c, ok, err := d.next(&body)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: %s ends early", ErrCorrupt, k)
			}
			e = &c
		}
		if !e.is(f.class, f.tag) {
			if f.optional {
				pending = e
				continue
			}
			return fmt.Errorf("%w: unexpected element in %s", ErrCorrupt, k)
		}
		if k == CompressedData && f == fAlg {
			if err := compressionAlg(d, *e); err != nil {
				return err
			}
			continue
		}
		if err := d.skip(*e); err != nil {
			return err
		}
	}
	if pending != nil {
		d.unread(*pending)
	}
	eci, ok, err := d.next(&body)
	if err != nil {
		return err
	}
	if !ok || !eci.is(classUniversal, tagSequence) || !eci.constructed {
		return fmt.Errorf("%w: %s has no encapContentInfo", ErrCorrupt, k)
	}
	return u.encapsulated(d, k, eci)
}

// compressionAlg checks that the AlgorithmIdentifier alg is zlib.
func compressionAlg(d *decoder, alg elem) error {
	e, ok, err := d.next(&alg)
	if err != nil {
		return err
	}
	if !ok || !e.is(classUniversal, tagOID) {
		return fmt.Errorf("%w: bad compressionAlgorithm", ErrCorrupt)
	}
	b, err := d.readPrim(e, maxOIDLen)
	if err != nil {
		return err
	}
	if oid, _ := parseOID(b); oid != oidZlib {
		return fmt.Errorf("%w: compression algorithm %s", ErrUnsupported, oid)
	}
	return d.skip(alg) // parameters, absent for zlib
}

// encapsulated reads an EncapsulatedContentInfo (RFC 5652 5.2) of a
// layer of type k: eContentType, then eContent [0] EXPLICIT OCTET STRING
// OPTIONAL.
func (u *unwrapper) encapsulated(d *decoder, k Kind, eci elem) error {
	e, ok, err := d.next(&eci)
	if err != nil {
		return err
	}
	if !ok || !e.is(classUniversal, tagOID) {
		return fmt.Errorf("%w: no eContentType", ErrCorrupt)
	}
	b, err := d.readPrim(e, maxOIDLen)
	if err != nil {
		return err
	}
	oid, ok := parseOID(b)
	if !ok {
		return fmt.Errorf("%w: bad eContentType", ErrCorrupt)
	}
	inner, known := kinds[oid]
	u.res.InnerType = oid
	if known {
		u.res.InnerType = string(inner)
	}
	w, ok, err := d.next(&eci)
	if err != nil {
		return err
	}
	if !ok {
		if k == CompressedData {
			return fmt.Errorf("%w: compressed-data without content", ErrCorrupt)
		}
		u.res.Detached = true
		return nil
	}
	if !w.is(classContext, 0) || !w.constructed {
		return fmt.Errorf("%w: eContent is not [0]", ErrCorrupt)
	}
	c, ok, err := d.next(&w)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: empty eContent", ErrCorrupt)
	}
	if !c.isOctetString() {
		// PKCS #7 v1.5 has "content [0] EXPLICIT ANY": a nested signed-data
		// (or other known type) may follow without an OCTET STRING around
		// it.
		if known && inner != Data && k != CompressedData && c.is(classUniversal, tagSequence) {
			return u.structure(d, inner, c)
		}
		return fmt.Errorf("%w: eContent of type %s is not an OCTET STRING", ErrUnsupported, u.res.InnerType)
	}
	var src io.Reader = newOctets(d, c)
	if k == CompressedData {
		if src, err = u.inflate(src); err != nil {
			return err
		}
	}
	if known && inner != Data {
		return u.nested(src, inner)
	}
	u.res.Content = u.limitContent(src)
	return nil
}

// nested reads the content of type k in src.
func (u *unwrapper) nested(src io.Reader, k Kind) error {
	d := newDecoder(src, u.lim.MaxInput, true)
	seq, err := d.top()
	if err != nil {
		return err
	}
	return u.structure(d, k, seq)
}

// structure reads content said to be of type k, whose header is seq.
// RFC 5652 puts the bare structure there (a SignedData, ...); some
// writers put a whole ContentInfo. The element after the SEQUENCE's
// header tells: an INTEGER (version) or an OID (contentType), which then
// says the type.
func (u *unwrapper) structure(d *decoder, k Kind, seq elem) error {
	if !seq.is(classUniversal, tagSequence) || !seq.constructed {
		return fmt.Errorf("%w: %s is not a SEQUENCE", ErrCorrupt, k)
	}
	first, ok, err := d.next(&seq)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: empty %s", ErrCorrupt, k)
	}
	if !first.is(classUniversal, tagOID) {
		d.unread(first)
		return u.layer(d, k, seq)
	}
	b, err := d.readPrim(first, maxOIDLen)
	if err != nil {
		return err
	}
	oid, _ := parseOID(b)
	k, ok = kinds[oid]
	if !ok {
		return fmt.Errorf("%w: nested content type %s", ErrUnsupported, oid)
	}
	return u.explicitContent(d, k, seq)
}

// inflate returns the zlib-decompressed src (RFC 3274 section 2), bounded
// by the ratio.
func (u *unwrapper) inflate(src io.Reader) (io.Reader, error) {
	in := &bounded.Counter{R: src}
	z, err := zlib.NewReader(in)
	if err == io.EOF {
		return nil, errTruncated
	}
	if err != nil {
		return nil, streamErr(err)
	}
	return &bounded.Ratio{R: z, In: in, Max: u.lim.MaxRatio, Grace: RatioGrace, Map: streamErr}, nil
}

func (u *unwrapper) limitContent(r io.Reader) io.Reader {
	return &bounded.Limit{R: r, Left: u.lim.MaxContent, Map: streamErr}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
