// Package config owns dlprelay's configuration: the YAML file format, the
// defaults applied in code, validation with errors that name the field and
// line, and the embedded default used when serve runs without -config.
package config
