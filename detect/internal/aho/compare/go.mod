module github.com/dlprelay/dlprelay/detect/internal/aho/compare

go 1.26.8

require (
	github.com/cloudflare/ahocorasick v0.0.0-20240916140611-054963ec9396
	github.com/coregx/ahocorasick v0.3.1
	github.com/petar-dambovaliev/aho-corasick v0.0.0-20250424160509-463d218d4745
)

require (
	github.com/anknown/ahocorasick v0.0.0-20190904063843-d75dbd5169c0
	github.com/dlprelay/dlprelay v0.0.0
)

require github.com/anknown/darts v0.0.0-20151216065714-83ff685239e6 // indirect

replace github.com/dlprelay/dlprelay => ../../../..
