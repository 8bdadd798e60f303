#!/bin/sh
# Regenerates the LibreOffice-made fixtures of detect/xls/testdata from the
# flat ODF source beside this script (run from this directory):
#   book.fods -> ../book.xls    BIFF8 (Excel 97-2003): three sheets, one
#                               hidden, a comment, header/footer, Japanese,
#                               phone-like integers, formulas
#   long.py -> long.fods -> ../long.xls  an SST over several CONTINUE
#                               records, strings split across them
# then: go test ./detect/xls/ -run TestGolden -update
# The encrypted fixtures are made by the Go test helpers in helpers_test.go
# (no tool here writes RC4-encrypted .xls).
set -e
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
prof=-env:UserInstallation=file://$out/profile
mkdir "$out/97"
soffice --headless $prof --convert-to 'xls:MS Excel 97' --outdir "$out/97" book.fods
cp "$out/97/book.xls" ../book.xls
python3 long.py
soffice --headless $prof --convert-to 'xls:MS Excel 97' --outdir "$out/97" long.fods
cp "$out/97/long.xls" ../long.xls
rm long.fods
# LibreOffice 7.4 does not write BIFF5 ('MS Excel 95' fails with 0x81a):
# TestBIFF5 builds a Book stream by hand.
