package xls

import (
	"bytes"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

// defaultPassword is the password Excel encrypts with when a workbook is
// only protected against modification ([MS-OFFCRYPTO] 2.4.2.3).
const defaultPassword = "VelvetSweatshop"

// blockSize is the re-keying interval of RC4 in a BIFF8 stream: the key
// changes every 1024 bytes of stream offset ([MS-XLS] 2.2.10).
const blockSize = 1024

// decryptor turns the encrypted bytes of the workbook stream back into
// plain text. The key stream runs over the whole stream, record headers and
// clear records included, so a byte's key depends on its stream offset only.
type decryptor struct {
	key   func(block uint32) []byte
	c     *rc4.Cipher
	block int64 // block of c
	at    int64 // offset within the block c has reached
	skip  [blockSize]byte
}

// apply decrypts b in place; b starts at stream offset off.
func (d *decryptor) apply(b []byte, off int64) {
	for len(b) > 0 {
		blk, in := off/blockSize, off%blockSize
		if d.c == nil || blk != d.block || in < d.at {
			d.c, _ = rc4.NewCipher(d.key(uint32(blk))) // key length 5..16: never an error
			d.block, d.at = blk, 0
		}
		if in > d.at {
			s := d.skip[:in-d.at]
			clear(s)
			d.c.XORKeyStream(s, s)
			d.at = in
		}
		n := min(int64(len(b)), blockSize-in)
		d.c.XORKeyStream(b[:n], b[:n])
		d.at += n
		b, off = b[n:], off+n
	}
}

// filePass reads a FILEPASS record and returns the decryptor for Excel's
// default password, or an error wrapping ErrEncrypted (another password,
// XOR obfuscation) or ErrUnsupported.
func filePass(data []byte, biff5 bool) (*decryptor, error) {
	if biff5 || len(data) < 2 {
		return nil, fmt.Errorf("%w: BIFF5 XOR obfuscation", ErrEncrypted)
	}
	if le16(data) == 0 {
		return nil, fmt.Errorf("%w: XOR obfuscation", ErrEncrypted)
	}
	if le16(data) != 1 || len(data) < 6 {
		return nil, corrupt("FILEPASS: unknown encryption type")
	}
	major, minor := le16(data[2:]), le16(data[4:])
	pw := utf16le(defaultPassword)
	switch {
	case major == 1 && minor == 1: // RC4 ([MS-OFFCRYPTO] 2.3.6)
		if len(data) < 6+48 {
			return nil, corrupt("FILEPASS: short RC4 header")
		}
		salt, ver, verHash := data[6:22], data[22:38], data[38:54]
		h0 := md5.Sum(pw)
		buf := make([]byte, 0, 16*21)
		for i := 0; i < 16; i++ {
			buf = append(buf, h0[:5]...)
			buf = append(buf, salt...)
		}
		h1 := md5.Sum(buf)
		base := append([]byte(nil), h1[:5]...)
		key := func(block uint32) []byte {
			k := md5.Sum(binary.LittleEndian.AppendUint32(append([]byte(nil), base...), block))
			return k[:]
		}
		if !verify(key(0), ver, verHash, func(v []byte) []byte { s := md5.Sum(v); return s[:] }) {
			return nil, fmt.Errorf("%w: RC4, password-protected", ErrEncrypted)
		}
		return &decryptor{key: key}, nil
	case (major == 2 || major == 3 || major == 4) && minor == 2: // RC4 CryptoAPI (2.3.5)
		p := data[6:]
		if len(p) < 8 {
			return nil, corrupt("FILEPASS: short CryptoAPI header")
		}
		hsize := int(le32(p[4:]))
		p = p[8:]
		if hsize < 32 || hsize > len(p) {
			return nil, corrupt("FILEPASS: bad CryptoAPI header size")
		}
		keyBits := le32(p[16:])
		p = p[hsize:]
		if len(p) < 4+16+16+4+20 || le32(p) != 16 || le32(p[36:]) != 20 {
			return nil, corrupt("FILEPASS: bad CryptoAPI verifier")
		}
		salt, ver, verHash := p[4:20], p[20:36], p[40:60]
		if keyBits == 0 {
			keyBits = 40
		}
		if keyBits < 40 || keyBits > 128 || keyBits%8 != 0 {
			return nil, fmt.Errorf("%w: RC4 CryptoAPI key size %d", ErrUnsupported, keyBits)
		}
		h0 := sha1.Sum(append(append([]byte(nil), salt...), pw...))
		key := func(block uint32) []byte {
			h := sha1.Sum(binary.LittleEndian.AppendUint32(append([]byte(nil), h0[:]...), block))
			if keyBits == 40 { // 40-bit keys are padded to 128 bits
				k := make([]byte, 16)
				copy(k, h[:5])
				return k
			}
			return h[:keyBits/8]
		}
		if !verify(key(0), ver, verHash, func(v []byte) []byte { s := sha1.Sum(v); return s[:] }) {
			return nil, fmt.Errorf("%w: RC4 CryptoAPI, password-protected", ErrEncrypted)
		}
		return &decryptor{key: key}, nil
	}
	return nil, fmt.Errorf("%w: FILEPASS encryption version %d.%d", ErrUnsupported, major, minor)
}

// verify decrypts the verifier and its hash with one RC4 stream keyed for
// block 0 and checks the hash.
func verify(key, ver, verHash []byte, hash func([]byte) []byte) bool {
	c, err := rc4.NewCipher(key)
	if err != nil {
		return false
	}
	v := make([]byte, len(ver))
	c.XORKeyStream(v, ver)
	h := make([]byte, len(verHash))
	c.XORKeyStream(h, verHash)
	return bytes.Equal(hash(v), h)
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}
