package config

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const examplePath = "../../configs/dlprelay.yaml"

// TestExampleConfig checks configs/dlprelay.yaml: it validates, it shows
// exactly the defaults (but for the sample customer list), and it lists and
// comments every field.
func TestExampleConfig(t *testing.T) {
	t.Parallel()
	c, err := Load(examplePath)
	if err != nil {
		t.Fatalf("the example config does not load:\n%v", err)
	}
	want := Default()
	want.Customers.File = "testdata/customers.csv"
	for _, d := range diffValues(reflect.ValueOf(*c), reflect.ValueOf(want), "") {
		t.Errorf("the example config differs from the defaults: %s", d)
	}

	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	keys := map[string]*yaml.Node{}
	collectKeys(doc.Content[0], "", keys)
	fields := structPaths(reflect.TypeFor[Config](), "")
	if len(fields) < 50 {
		t.Fatalf("found only %d fields in Config; the walk is broken", len(fields))
	}
	for _, f := range fields {
		k, ok := keys[f.path]
		if !ok {
			t.Errorf("field %s is missing from %s", f.path, examplePath)
			continue
		}
		comment := k.HeadComment + k.LineComment
		if comment == "" {
			t.Errorf("field %s (line %d) has no comment", f.path, k.Line)
		} else if f.leaf && !strings.Contains(strings.ToLower(comment), "default") {
			t.Errorf("field %s (line %d): comment does not state the default: %q", f.path, k.Line, comment)
		}
	}
}

type fieldPath struct {
	path string
	leaf bool
}

// structPaths lists the YAML path of every field of t, sections included.
func structPaths(t reflect.Type, prefix string) []fieldPath {
	var out []fieldPath
	for i := range t.NumField() {
		f := t.Field(i)
		p := yamlName(f)
		if prefix != "" {
			p = prefix + "." + p
		}
		section := f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]()
		out = append(out, fieldPath{p, !section})
		if section {
			out = append(out, structPaths(f.Type, p)...)
		}
	}
	return out
}

// collectKeys records the key node of every mapping entry under n by path.
func collectKeys(n *yaml.Node, prefix string, keys map[string]*yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		p := k.Value
		if prefix != "" {
			p = prefix + "." + p
		}
		keys[p] = k
		collectKeys(n.Content[i+1], p, keys)
	}
}

// diffValues lists the YAML paths where two configs differ.
func diffValues(got, want reflect.Value, prefix string) []string {
	if got.Kind() == reflect.Slice && got.Len() == 0 && want.Len() == 0 {
		return nil // an empty list written as [] is the default nil list
	}
	if got.Kind() != reflect.Struct || got.Type() == reflect.TypeFor[time.Duration]() {
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			return []string{fmt.Sprintf("%s is %v, want %v", prefix, got.Interface(), want.Interface())}
		}
		return nil
	}
	var out []string
	for i := range got.NumField() {
		p := yamlName(got.Type().Field(i))
		if prefix != "" {
			p = prefix + "." + p
		}
		out = append(out, diffValues(got.Field(i), want.Field(i), p)...)
	}
	return out
}
