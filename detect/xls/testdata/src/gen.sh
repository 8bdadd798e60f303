#!/bin/sh
# Regenerates the LibreOffice-made fixtures of detect/xls/testdata from the
# flat ODF source beside this script (run from this directory):
#   book.fods -> ../book.xls    BIFF8 (Excel 97-2003): three sheets, one
#                               hidden, a comment, header/footer, Japanese,
#                               phone-like integers, formulas
#   book.fods -> ../book95.xls  BIFF5 (Excel 95): the "Book" stream
# then: go test ./detect/xls/ -run TestGolden -update
# The encrypted fixtures are made by the Go test helper in encrypt_test.go
# (no tool here writes RC4-encrypted .xls).
set -e
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
prof=-env:UserInstallation=file://$out/profile
mkdir "$out/97" "$out/95"
soffice --headless $prof --convert-to 'xls:MS Excel 97' --outdir "$out/97" book.fods
cp "$out/97/book.xls" ../book.xls
soffice --headless $prof --convert-to 'xls:MS Excel 95' --outdir "$out/95" book.fods
cp "$out/95/book.xls" ../book95.xls
