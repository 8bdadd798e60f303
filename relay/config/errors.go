package config

import (
	"strconv"
	"strings"
)

// FieldError is one problem in a configuration. Parse and Load return every
// problem found, joined with errors.Join; use errors.As to get at one.
//
// Its text reads "file:line: field: message", for example
//
//	dlprelay.yaml:12: smtp.allowed_networks[1]: invalid network "10.0.0.0/33": ...
//
// A field that is not in the file (so the default, or nothing, applied) reads
// "file: field (not set): message". Errors from Validate on a Config built in
// code have no file and read "field: message".
type FieldError struct {
	// File is the name given to Parse; "" for Validate.
	File string
	// Line is the 1-based line where the field (or the problem) appears; 0
	// when the field is not in the file.
	Line int
	// Field is the path of the field, as written in YAML: "smtp.listen",
	// "smtp.allowed_networks[1]". "" for problems with the file as a whole,
	// such as a YAML syntax error.
	Field string
	// Msg says what is wrong.
	Msg string

	// alt is a related field to blame instead when Field is not in the file
	// but alt is (for example the other side of a threshold ordering).
	alt string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		if e.File != "" && e.Line == 0 {
			b.WriteString(" (not set)")
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// attachLines sets File on every error and, for errors found by validation,
// the line where their field appears in the file (lines maps field paths to
// lines, as built by the decoder).
func attachLines(errs []*FieldError, file string, lines map[string]int) {
	for _, e := range errs {
		e.File = file
		if e.Line > 0 || e.Field == "" {
			continue
		}
		if l, ok := lines[e.Field]; ok {
			e.Line = l
		} else if l, ok := lines[e.alt]; ok && e.alt != "" {
			e.Field, e.Line = e.alt, l
		}
	}
}
