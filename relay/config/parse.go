package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads the YAML file at path and parses it with Parse, naming the file
// by path in errors.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes a YAML configuration on top of Default and validates the
// result. name is used in error messages (usually the file path).
//
// The format:
//   - A field missing from the file keeps its default; a field present keeps
//     the value written, including 0, false and "". A field with no value
//     (null, as in "listen:") also keeps its default. One exception: an empty
//     hostname means the default (the machine's host name).
//   - Unknown and duplicate fields are errors.
//   - Durations are Go duration strings: "30s", "5m", "1h30m"; 0 is allowed
//     without a unit.
//   - Fields ending in _bytes are sizes: an integer number of bytes, or an
//     integer with a unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB,
//     GiB, TiB (powers of 1024), such as "50MiB".
//   - Percentages (customers.max_drop) are a number from 0 to 100 with at
//     most two decimals and a % sign: "50%", "12.5%"; 0 needs no sign. A
//     bare number other than 0 is an error: 0.5 could mean 50% or 0.5%.
//   - Lists are YAML sequences.
//
// On failure the error joins one *FieldError per problem, each naming the
// file, the line and the field path, in file order (fields not in the file
// last). Decoding and validation errors are all reported, not just the
// first.
func Parse(data []byte, name string) (*Config, error) {
	return parse(data, name, true)
}

// ParseNoValidate decodes like Parse and reports decoding problems (YAML
// syntax, unknown or duplicate fields, wrong types) the same way, but does
// not validate the values, so that the caller can change fields (say, from
// command-line flags) before calling Validate. Errors from that later
// Validate name the field but not the line; use Parse when nothing is
// changed.
func ParseNoValidate(data []byte, name string) (*Config, error) {
	return parse(data, name, false)
}

func parse(data []byte, name string, validate bool) (*Config, error) {
	if name == "" {
		name = "config"
	}
	c := Default()
	root, ferr := parseYAML(data)
	if ferr != nil {
		ferr.File = name
		return nil, ferr
	}
	d := decoder{lines: map[string]int{}}
	if root != nil {
		d.value(root, reflect.ValueOf(&c).Elem(), "")
	}
	if c.Hostname == "" {
		c.Hostname = defaultHostname()
	}
	rd := d.rulesFile(&c)
	errs := append(d.errs, rd.errs...)
	if validate {
		// A field that failed to decode kept its default (or zero, in a
		// list); do not report it twice.
		failed := map[string]bool{}
		for _, e := range errs {
			failed[e.Field] = true
		}
		for _, e := range c.validate() {
			if !failed[e.Field] {
				errs = append(errs, e)
			}
		}
	}
	if len(errs) > 0 {
		var main, ruled []*FieldError
		for _, e := range errs {
			if rd.file != "" && e.File == "" && strings.HasPrefix(e.Field, "policy.rules") {
				ruled = append(ruled, e)
			} else if e.File == "" {
				main = append(main, e)
			}
		}
		attachLines(main, name, d.lines)
		attachLines(ruled, rd.file, rd.lines)
		// In file order; fields not in the file last, in field order.
		slices.SortStableFunc(errs, func(a, b *FieldError) int {
			return cmp.Compare(lineOrLast(a.Line), lineOrLast(b.Line))
		})
		return nil, joinFieldErrors(errs)
	}
	return &c, nil
}

// rulesDecoder is what decoding policy.rules_file left: its errors, already
// naming that file, and its lines for validation errors.
type rulesDecoder struct {
	file  string
	errs  []*FieldError
	lines map[string]int
}

// rulesFile reads policy.rules_file, if set, into c.Policy.Rules. The file
// holds one mapping, "rules:" and the list; its errors name it and the
// field path as if the rules were written in the main file
// (policy.rules[2].action).
func (d *decoder) rulesFile(c *Config) rulesDecoder {
	path := c.Policy.RulesFile
	rd := rulesDecoder{file: path, lines: map[string]int{}}
	if path == "" {
		return rd
	}
	if _, inline := d.lines["policy.rules"]; inline {
		d.errs = append(d.errs, &FieldError{Line: d.lines["policy.rules"], Field: "policy.rules",
			Msg: "is set, and so is policy.rules_file; keep the rules in one place"})
		rd.file = ""
		return rd
	}
	data, err := os.ReadFile(path)
	if err != nil {
		d.errs = append(d.errs, &FieldError{Line: d.lines["policy.rules_file"], Field: "policy.rules_file", Msg: err.Error()})
		rd.file = ""
		return rd
	}
	root, ferr := parseYAML(data)
	if ferr != nil {
		ferr.File = path
		rd.errs = append(rd.errs, ferr)
		return rd
	}
	var doc struct {
		Rules []Rule `yaml:"rules"`
	}
	rdec := decoder{lines: rd.lines}
	if root != nil {
		rdec.value(root, reflect.ValueOf(&doc).Elem(), "policy")
	}
	for _, e := range rdec.errs {
		e.File = path
	}
	rd.errs = rdec.errs
	if _, ok := rd.lines["policy.rules"]; !ok && len(rdec.errs) == 0 {
		rd.errs = append(rd.errs, &FieldError{File: path, Field: "rules", Msg: "missing; the file must hold a \"rules:\" list"})
	}
	c.Policy.Rules = doc.Rules
	return rd
}

func lineOrLast(line int) int {
	if line == 0 {
		return math.MaxInt
	}
	return line
}

func joinFieldErrors(errs []*FieldError) error {
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}

// parseYAML parses data as one YAML document and returns its root node, or
// nil for an empty document.
func parseYAML(data []byte) (root *yaml.Node, ferr *FieldError) {
	defer func() {
		// The YAML library is not ours; a panic on hostile input must not
		// take the process down.
		if r := recover(); r != nil {
			root, ferr = nil, &FieldError{Msg: fmt.Sprintf("YAML parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlError(err)
		}
		return nil, &FieldError{Line: next.Line, Msg: "a second YAML document; want exactly one"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

func yamlError(err error) *FieldError {
	// The library's errors read "yaml: line N: what"; move N into Line.
	// For errors found by its parser (as opposed to its scanner) N is
	// 0-based: go.yaml.in/yaml/v3 adds 1 only for scanner errors.
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, what, ok := strings.Cut(rest, ": ")
		if line, err := strconv.Atoi(num); ok && err == nil && line > 0 {
			if isParserError(what) {
				line++
			}
			return &FieldError{Line: line, Msg: "invalid YAML: " + what}
		}
	}
	return &FieldError{Msg: "invalid YAML: " + msg}
}

// isParserError reports whether msg is one of the problems reported by the
// YAML library's parser (parserc.go) rather than its scanner.
func isParserError(msg string) bool {
	for _, p := range []string{"did not find expected ", "found duplicate %", "found incompatible YAML document", "found undefined tag handle"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// decoder copies a YAML node tree into a Config field by field, so that every
// problem names its field path and line, and records the line of every field
// it sees so that validation errors can point at them too.
type decoder struct {
	lines map[string]int // field path → line of its key (or list element)
	errs  []*FieldError
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{Line: n.Line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// value decodes n into v, which is addressable.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	n = resolveAlias(n)
	if n == nil {
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // no value: keep the default
	}
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		d.duration(n, v, path)
	case v.Type() == reflect.TypeFor[Percent]():
		d.percent(n, v, path)
	case v.Kind() == reflect.Struct:
		d.mapping(n, v, path)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	case v.Kind() == reflect.Int64 && strings.HasSuffix(path, "_bytes"):
		d.size(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

// resolveAlias follows aliases to the node they name.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == 100 {
			return nil
		}
		n = n.Alias
	}
	return n
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of fields, got %s", describe(n))
		return
	}
	t := v.Type()
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolveAlias(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			d.fail(n.Content[i], path, "want a field name, got %s", describe(k))
			continue
		}
		child := k.Value
		if path != "" {
			child = path + "." + k.Value
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, child, "duplicate field (first set at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		idx, known := fieldIndex(t, k.Value)
		if !known {
			d.fail(k, child, "%s", unknownField(t, k.Value))
			continue
		}
		d.lines[child] = k.Line
		d.value(n.Content[i+1], v.Field(idx), child)
	}
}

// fieldIndex finds the struct field whose yaml tag is name.
func fieldIndex(t reflect.Type, name string) (int, bool) {
	for i := range t.NumField() {
		if yamlName(t.Field(i)) == name {
			return i, true
		}
	}
	return 0, false
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

// unknownField explains an unknown field name, suggesting a close match.
func unknownField(t reflect.Type, name string) string {
	if name == "<<" {
		return "YAML merge keys (<<) are not supported"
	}
	var known []string
	best, bestDist := "", 3 // suggest only within 2 edits
	norm := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	for i := range t.NumField() {
		k := yamlName(t.Field(i))
		known = append(known, k)
		if dist := editDistance(norm, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown field %q; did you mean %q?", name, best)
	}
	return fmt.Sprintf("unknown field %q; known fields here: %s", name, strings.Join(known, ", "))
}

// editDistance is the Levenshtein distance between a and b, for short names.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, el := range n.Content {
		p := path + "[" + strconv.Itoa(i) + "]"
		d.lines[p] = el.Line
		if r := resolveAlias(el); r == nil || r.Kind == yaml.ScalarNode && r.ShortTag() == "!!null" {
			d.fail(el, p, "empty list entry")
			continue
		}
		d.value(el, s.Index(i), p)
	}
	v.Set(s)
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	want := "a string"
	switch v.Kind() {
	case reflect.Bool:
		want = "true or false"
	case reflect.Int, reflect.Int64:
		want = "an integer"
		if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!int" {
			// The YAML library would truncate 1.5 to 1.
			d.fail(n, path, "want %s, got %s", want, describe(n))
			return
		}
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	p := reflect.New(v.Type())
	if err := n.Decode(p.Interface()); err != nil {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	v.Set(p.Elem())
}

func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	const want = `a duration such as "30s", "5m" or "1h30m"`
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) percent(n *yaml.Node, v reflect.Value, path string) {
	const want = `a percentage from 0% to 100%, such as "50%"`
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	var p Percent
	var err error
	var f float64
	switch n.ShortTag() {
	case "!!str":
		p, err = ParsePercent(n.Value)
	case "!!int", "!!float":
		if err = n.Decode(&f); err == nil && f != 0 {
			d.fail(n, path, "want %s, got %s: a bare number is ambiguous (0.5 could mean 50%% or 0.5%%); write the %% sign", want, describe(n))
			return
		}
	default:
		err = errors.New("not a percentage")
	}
	if err != nil {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	v.SetInt(int64(p))
}

func (d *decoder) size(n *yaml.Node, v reflect.Value, path string) {
	const want = `a size in bytes, such as 52428800 or "50MiB"`
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	var size int64
	var err error
	switch n.ShortTag() {
	case "!!int":
		err = n.Decode(&size)
	case "!!str":
		size, err = parseSize(n.Value)
	default:
		err = errors.New("not a size")
	}
	if err != nil {
		d.fail(n, path, "want %s, got %s", want, describe(n))
		return
	}
	v.SetInt(size)
}

// parseSize parses a non-negative integer with an optional unit: B, KB, MB,
// GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024); units are
// case-insensitive and may follow a space.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, errors.New("no number")
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, err
	}
	var mult int64
	switch strings.ToLower(strings.TrimSpace(s[i:])) {
	case "", "b":
		mult = 1
	case "kb":
		mult = 1e3
	case "mb":
		mult = 1e6
	case "gb":
		mult = 1e9
	case "tb":
		mult = 1e12
	case "kib":
		mult = 1 << 10
	case "mib":
		mult = 1 << 20
	case "gib":
		mult = 1 << 30
	case "tib":
		mult = 1 << 40
	default:
		return 0, errors.New("unknown unit")
	}
	if n > math.MaxInt64/mult {
		return 0, errors.New("too large")
	}
	return n * mult, nil
}

// describe names what a node holds, for error messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	s := n.Value
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strconv.Quote(s)
}
