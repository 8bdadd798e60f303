// Package config owns dlprelay's configuration: the YAML file format, the
// defaults applied in code, validation with errors that name the field and
// line, and the embedded default used when serve runs without -config.
//
// Load and Parse start from Default, decode the file on top and validate;
// every problem comes back as a *FieldError reading
// "file:line: field.path: what is wrong". Parse documents the format;
// configs/dlprelay.yaml lists every field with its default. The package also
// reads the SMTP AUTH users file (LoadUsers, CheckPassword) and the upstream
// password file (Config.UpstreamPassword).
package config
