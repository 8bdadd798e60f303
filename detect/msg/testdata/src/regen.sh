#!/bin/sh
# Regenerates the fixtures of detect/msg/testdata and their goldens.
#
# Nothing on Debian writes .msg, so the .msg fixtures (and 10-truncated.msg,
# 12-not-a-message.cfb, 13-truncated-attachment.msg) are built by the test
# helpers of the package: a minimal compound-file writer (cfbwrite_test.go)
# and a [MS-OXMSG] message builder (build_test.go, the list "fixtures").
# TestFixturesCurrent fails when a committed fixture differs from what the
# generator writes; -update rewrites fixtures and goldens together.
#
# 14-libreoffice.xls is a real Excel 97 file, a compound file that is not a
# message (Read must say ErrUnsupported), made by LibreOffice from
# 14-libreoffice.csv.
set -e
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=go1.27.3
if command -v soffice >/dev/null; then
	tmp=$(mktemp -d)
	soffice --headless --infilter="CSV:44,34,76" --convert-to xls --outdir "$tmp" testdata/src/14-libreoffice.csv
	cp "$tmp/14-libreoffice.xls" testdata/14-libreoffice.xls
	rm -rf "$tmp"
fi
go test -run 'TestFixturesCurrent|TestGolden' -update .
go test -run 'TestFixturesCurrent|TestGolden' .
