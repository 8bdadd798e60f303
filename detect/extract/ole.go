package extract

import (
	"io"

	"github.com/dlprelay/dlprelay/detect/internal/cfb"
)

// oleKind says what an OLE compound file of size bytes is by the streams
// at its top level: "xls" (Workbook, or Book for BIFF5), "doc"
// (WordDocument), "ppt" (PowerPoint Document), "msg" (an Outlook item's
// property stream), "encrypted-ooxml" (EncryptedPackage: a
// password-protected docx, xlsx or pptx), or "ole" for anything else or a
// directory that cannot be read (or is too large to: detect/internal/cfb
// reads it on a budget).
func oleKind(r io.ReaderAt, size int64) string {
	doc, err := cfb.Open(r, size)
	if err != nil {
		return "ole"
	}
	kind := "ole"
	for _, f := range doc.Files {
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
