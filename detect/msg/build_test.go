package msg

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/japanese"
)

// This file builds .msg files to [MS-OXMSG] on the compound-file writer
// of cfbwrite_test.go: the fixtures of testdata (see fixtures below and
// testdata/src/README) and the hostile inputs of the limit tests.

// mp is a property: v is a string (PT_UNICODE, written UTF-16LE), a []byte
// (PT_STRING8 already encoded, or PT_BINARY), a uint32 (PT_LONG) or a
// []string (PT_MV_UNICODE).
type mp struct {
	tag uint32
	v   any
}

// mmsg is a message to build.
type mmsg struct {
	props  []mp
	recips [][]mp
	atts   []matt
}

// matt is an attachment: props, and data (PR_ATTACH_DATA_BIN), an embedded
// message or an OLE object's streams.
type matt struct {
	props    []mp
	data     []byte
	embedded *mmsg
	ole      []*cfbEntry
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

func sjis(s string) []byte {
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// propEntries writes the property stream (after header) and the value
// streams of props.
func propEntries(header []byte, props []mp) []*cfbEntry {
	ps := append([]byte(nil), header...)
	var out []*cfbEntry
	entry := func(tag uint32, val uint64) {
		var e [16]byte
		binary.LittleEndian.PutUint32(e[0:], tag)
		binary.LittleEndian.PutUint32(e[4:], 6) // readable, writable
		binary.LittleEndian.PutUint64(e[8:], val)
		ps = append(ps, e[:]...)
	}
	name := func(tag uint32) string { return fmt.Sprintf("__substg1.0_%08X", tag) }
	for _, p := range props {
		switch v := p.v.(type) {
		case uint32:
			entry(p.tag, uint64(v))
		case string:
			b := utf16le(v)
			entry(p.tag, uint64(len(b)+2))
			out = append(out, cfbStream(name(p.tag), b))
		case []byte:
			n := len(v)
			if p.tag&0xFFFF == ptString8 {
				n++
			}
			entry(p.tag, uint64(n))
			out = append(out, cfbStream(name(p.tag), v))
		case []string:
			var lens []byte
			for i, s := range v {
				b := append(utf16le(s), 0, 0)
				lens = binary.LittleEndian.AppendUint32(lens, uint32(len(b)))
				out = append(out, cfbStream(fmt.Sprintf("%s-%08X", name(p.tag), i), b))
			}
			entry(p.tag, uint64(len(lens)))
			out = append(out, cfbStream(name(p.tag), lens))
		default:
			panic(fmt.Sprintf("property %08X: %T", p.tag, p.v))
		}
	}
	return append(out, cfbStream(propsName, ps))
}

// entries returns the children of a message storage; embedded says the
// message is an attachment's (24-byte property header, no named-property
// map).
func (m *mmsg) entries(embedded bool) []*cfbEntry {
	hdr := make([]byte, 32)
	binary.LittleEndian.PutUint32(hdr[8:], uint32(len(m.recips)))
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(m.atts)))
	binary.LittleEndian.PutUint32(hdr[16:], uint32(len(m.recips)))
	binary.LittleEndian.PutUint32(hdr[20:], uint32(len(m.atts)))
	if embedded {
		hdr = hdr[:24]
	}
	out := propEntries(hdr, m.props)
	if !embedded {
		out = append(out, cfbStorage("__nameid_version1.0",
			cfbStream("__substg1.0_00020102", nil),
			cfbStream("__substg1.0_00030102", nil),
			cfbStream("__substg1.0_00040102", nil)))
	}
	for i, r := range m.recips {
		out = append(out, cfbStorage(fmt.Sprintf("%s%08X", recipPrefix, i), propEntries(make([]byte, 8), r)...))
	}
	for i, a := range m.atts {
		kids := propEntries(make([]byte, 8), a.props)
		switch {
		case a.embedded != nil:
			kids = append(kids, cfbStorage(embeddedName, a.embedded.entries(true)...))
		case a.ole != nil:
			kids = append(kids, cfbStorage(embeddedName, a.ole...))
		case a.data != nil:
			kids = append(kids, cfbStream(attachDataBin, a.data))
		}
		out = append(out, cfbStorage(fmt.Sprintf("%s%08X", attachPrefix, i), kids...))
	}
	return out
}

// bytes writes m as a .msg with sector size ss.
func (m *mmsg) bytes(ss int) []byte {
	return writeCFB(cfbStorage("Root Entry", m.entries(false)...), ss)
}

// Customer-like rows of the fixtures.
const (
	rowTaro   = "山田 太郎,03-1234-5678,taro.yamada@example.jp"
	rowHanako = "佐藤 花子,090-8765-4321,hanako.sato@example.co.jp"
)

func sender(name, addr string) []mp {
	return []mp{{0x0C1A001F, name}, {0x0C1E001F, "SMTP"}, {0x0C1F001F, addr}, {0x5D01001F, addr}}
}

func recip(typ uint32, name, addr string) []mp {
	return []mp{{0x0C150003, typ}, {0x3001001F, name}, {0x3002001F, "SMTP"}, {0x3003001F, addr}, {0x39FE001F, addr}, {0x5FF6001F, name}}
}

// fixtures are the .msg files of testdata, by file name, with their
// sector size.
var fixtures = []struct {
	name string
	ss   int
	m    func() *mmsg
}{
	{"01-unicode-japanese.msg", 512, func() *mmsg {
		return &mmsg{
			props: append([]mp{
				{0x001A001F, "IPM.Note"},
				{0x0037001F, "【至急】顧客リストの件"},
				{0x0E04001F, "佐藤 花子"},
				{0x0E03001F, "鈴木 一郎"},
				{0x1000001F, "佐藤様\r\n\r\nお世話になっております。顧客情報をお送りします。\r\n" + rowTaro + "\r\n" + rowHanako + "\r\n"},
				{0x007D001F, "Received: from mail.example.jp (mail.example.jp [192.0.2.1])\r\nFrom: taro.yamada@example.jp\r\nTo: hanako.sato@example.co.jp\r\nSubject: =?UTF-8?B?44CQ6Iez5oCl44CR6aGn5a6i44Oq44K544OI44Gu5Lu2?=\r\nMessage-ID: <0001@mail.example.jp>\r\n"},
				{0x3FDE0003, uint32(932)},
				{0x8005001F, "顧客番号 C-000123"},
			}, sender("山田 太郎", "taro.yamada@example.jp")...),
			recips: [][]mp{
				recip(1, "佐藤 花子", "hanako.sato@example.co.jp"),
				recip(2, "鈴木 一郎", "ichiro.suzuki@example.jp"),
			},
		}
	}},
	{"02-cp932-string8.msg", 512, func() *mmsg {
		return &mmsg{
			props: []mp{
				{0x001A001E, []byte("IPM.Note")},
				{0x0037001E, sjis("見積書のご送付")},
				{0x0C1A001E, sjis("山田 太郎")},
				{0x0C1F001E, []byte("taro.yamada@example.jp")},
				{0x0E04001E, sjis("佐藤 花子")},
				{0x1000001E, sjis("お客様一覧です。\r\n" + rowTaro + "\r\n" + rowHanako + "\r\n")},
				{0x3FFD0003, uint32(932)},
				{0x3FDE0003, uint32(932)},
				{0x8006001E, sjis("担当:営業部 ①")},
			},
			recips: [][]mp{{{0x0C150003, uint32(1)}, {0x3001001E, sjis("佐藤 花子")}, {0x3002001E, []byte("SMTP")}, {0x3003001E, []byte("hanako.sato@example.co.jp")}}},
		}
	}},
	{"03-csv-html-attachment.msg", 512, func() *mmsg {
		return &mmsg{
			props: append([]mp{
				{0x001A001F, "IPM.Note"},
				{0x0037001F, "顧客リスト送付"},
				{0x0E04001F, "佐藤 花子"},
				{0x1000001F, "顧客リストを添付します。\r\n"},
				{0x10130102, []byte("<html><head><meta charset=\"utf-8\"></head><body><p>顧客リストを添付します。</p><table><tr><td>山田 太郎</td><td>03-1234-5678</td></tr></table></body></html>")},
			}, sender("山田 太郎", "taro.yamada@example.jp")...),
			recips: [][]mp{recip(1, "佐藤 花子", "hanako.sato@example.co.jp")},
			atts: []matt{{
				props: []mp{{0x37050003, uint32(1)}, {0x3707001F, "顧客リスト.csv"}, {0x3704001F, "KOKYAK~1.CSV"}, {0x370E001F, "text/csv"}},
				data:  []byte("氏名,電話,メール\r\n" + rowTaro + "\r\n" + rowHanako + "\r\n"),
			}},
		}
	}},
	{"04-embedded-message.msg", 512, func() *mmsg {
		inner := &mmsg{
			props: append([]mp{
				{0x001A001F, "IPM.Note"},
				{0x0037001F, "顧客データ"},
				{0x0E04001F, "山田 太郎"},
				{0x1000001F, "今月の顧客データです。\r\n" + rowHanako + "\r\n"},
			}, sender("佐藤 花子", "hanako.sato@example.co.jp")...),
			recips: [][]mp{recip(1, "山田 太郎", "taro.yamada@example.jp")},
			atts: []matt{{
				props: []mp{{0x37050003, uint32(1)}, {0x3707001F, "customers.csv"}},
				data:  []byte("name,phone,email\r\n" + rowTaro + "\r\n"),
			}},
		}
		return &mmsg{
			props: append([]mp{
				{0x001A001F, "IPM.Note"},
				{0x0037001F, "Fwd: 顧客データ"},
				{0x0E04001F, "鈴木 一郎"},
				{0x1000001F, "転送します。\r\n"},
			}, sender("山田 太郎", "taro.yamada@example.jp")...),
			recips: [][]mp{recip(1, "鈴木 一郎", "ichiro.suzuki@example.jp")},
			atts: []matt{{
				props:    []mp{{0x37050003, uint32(attachEmbeddedMsg)}, {0x3001001F, "顧客データ"}},
				embedded: inner,
			}},
		}
	}},
	{"05-multivalue-rtf-ole.msg", 512, func() *mmsg {
		rtf := []byte(`{\rtf1\ansi\ansicpg932 {\fonttbl\f0 MS Gothic;}\f0 ` + "\\'8e\\'52\\'93\\'63 \\'91\\'be\\'98\\'59,03-1234-5678}")
		return &mmsg{
			props: append([]mp{
				{0x001A001F, "IPM.Note"},
				{0x0037001F, "分類付きメモ"},
				{0x1000001F, "本文\r\n"},
				{0x8010101F, []string{"VIP", "顧客:" + rowTaro}},
				{0x10090102, lzfuUncompressed(rtf)},
			}, sender("山田 太郎", "taro.yamada@example.jp")...),
			atts: []matt{
				{
					props: []mp{{0x37050003, uint32(attachOLE)}, {0x3001001F, "Object 1"}},
					ole:   []*cfbEntry{cfbStream("CONTENTS", []byte(rowHanako+"\r\n")), cfbStream("\x01CompObj", []byte{1, 0, 0xFE, 0xFF})},
				},
				{props: []mp{{0x37050003, uint32(1)}, {0x3707001F, "空の添付.txt"}}},
				{
					props: []mp{{0x37050003, uint32(attachOLE)}, {0x3001001F, "Package"}},
					ole:   []*cfbEntry{cfbStream("\x01Ole10Native", ole10Native("customers.csv", `C:\Users\taro\customers.csv`, []byte("name,phone\r\n"+rowTaro+"\r\n")))},
				},
			},
		}
	}},
	{"06-v4-large.msg", 4096, func() *mmsg {
		var csv strings.Builder
		csv.WriteString("id,name,phone,email\r\n")
		for i := 0; csv.Len() < 20000; i++ {
			fmt.Fprintf(&csv, "%05d,顧客 %d,00-0000-%04d,user%d@example.jp\r\n", i, i, i, i)
		}
		csv.WriteString("99999," + rowTaro + "\r\n")
		return &mmsg{
			props: append([]mp{
				{0x001A001F, "IPM.Note"},
				{0x0037001F, "大きな添付"},
				{0x1000001F, strings.Repeat("あ", 3000) + "\r\n" + rowHanako + "\r\n"},
			}, sender("山田 太郎", "taro.yamada@example.jp")...),
			atts: []matt{{
				props: []mp{{0x37050003, uint32(1)}, {0x3707001F, "全顧客.csv"}},
				data:  []byte(csv.String()),
			}},
		}
	}},
	{"11-smime-encrypted.msg", 512, func() *mmsg {
		return &mmsg{
			props: append([]mp{
				{0x001A001F, "IPM.Note.SMIME"},
				{0x0037001F, "暗号化されたメール"},
				{0x0E04001F, "佐藤 花子"},
			}, sender("山田 太郎", "taro.yamada@example.jp")...),
			recips: [][]mp{recip(1, "佐藤 花子", "hanako.sato@example.co.jp")},
			atts: []matt{{
				props: []mp{{0x37050003, uint32(1)}, {0x3707001F, "smime.p7m"}, {0x370E001F, "application/pkcs7-mime"}},
				data:  []byte{0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03, 0xA0, 0x80, 0, 0, 0, 0},
			}},
		}
	}},
}

// lzfuUncompressed wraps rtf as an uncompressed ("MELA") PR_RTF_COMPRESSED
// value ([MS-OXRTFCP] 2.1.3.1.1).
func lzfuUncompressed(rtf []byte) []byte {
	b := make([]byte, 16, 16+len(rtf))
	binary.LittleEndian.PutUint32(b[0:], uint32(len(rtf)+12))
	binary.LittleEndian.PutUint32(b[4:], uint32(len(rtf)))
	binary.LittleEndian.PutUint32(b[8:], 0x414C454D) // "MELA"
	return append(b, rtf...)
}

// ole10Native builds a Packager object's Ole10Native stream holding data.
func ole10Native(label, src string, data []byte) []byte {
	var b []byte
	b = append(b, 0, 0, 0, 0, 2, 0)
	b = append(append(b, label...), 0)
	b = append(append(b, src...), 0)
	b = append(b, 0, 0, 3, 0)
	tmp := append([]byte(`C:\Temp\`+label), 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(tmp)))
	b = append(b, tmp...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	b = append(b, 0, 0, 0, 0) // the Unicode paths that follow, empty
	binary.LittleEndian.PutUint32(b, uint32(len(b)-4))
	return b
}
