package extract

import (
	"io"

	"github.com/richardlehane/mscfb"
)

// maxOLEEntries bounds the directory entries looked at to tell what an
// OLE compound file holds: the streams that name it are at its top level.
const maxOLEEntries = 10000

// oleKind says what an OLE compound file is by the streams at its top
// level: "xls" (Workbook, or Book for BIFF5), "doc" (WordDocument),
// "ppt" (PowerPoint Document), "msg" (an Outlook item's property stream),
// "encrypted-ooxml" (EncryptedPackage: a password-protected docx, xlsx or
// pptx), or "ole" for anything else or a directory that cannot be read.
func oleKind(r io.ReaderAt) string {
	doc, err := mscfb.New(r)
	if err != nil {
		return "ole"
	}
	kind := "ole"
	for i := 0; i < maxOLEEntries; i++ {
		f, err := doc.Next()
		if err != nil {
			break
		}
		if len(f.Path) != 0 {
			continue
		}
		switch f.Name {
		case "EncryptedPackage":
			return "encrypted-ooxml"
		case "Workbook", "Book":
			kind = "xls"
		case "WordDocument":
			kind = "doc"
		case "PowerPoint Document":
			kind = "ppt"
		case "__properties_version1.0":
			if kind == "ole" {
				kind = "msg"
			}
		}
	}
	return kind
}
