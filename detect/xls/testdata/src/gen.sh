#!/bin/sh
# Regenerates the LibreOffice-made fixtures of detect/xls/testdata from the
# flat ODF source beside this script (run from this directory):
#   book.fods -> ../book.xls    BIFF8 (Excel 97-2003): three sheets, one
#                               hidden, a comment, header/footer, Japanese,
#                               phone-like integers, formulas
#   long.py -> long.fods -> ../long.xls  an SST over several CONTINUE
#                               records, strings split across them
#   book.fods -> ../velvet.xls  saved with the password "VelvetSweatshop"
#                               (Excel's default: RC4, read by Read)
#   book.fods -> ../secret.xls  saved with the password "secret"
#                               (ErrEncrypted)
#   The two are saved by the Basic macro Encrypt.xba (LibreOffice writes
#   RC4 v1.1, [MS-OFFCRYPTO] 2.3.6), run in a fresh profile.
# then: go test ./detect/xls/ -run TestGolden -update
# RC4 CryptoAPI fixtures, which LibreOffice does not write, are made by the
# Go test helpers in helpers_test.go.
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
# the macro: a profile made by a first start, with Encrypt.xba as Module1
soffice --headless $prof --terminate_after_init
cp Encrypt.xba "$out/profile/user/basic/Standard/Module1.xba"
for f in velvet:VelvetSweatshop secret:secret; do
	soffice --headless $prof "macro:///Standard.Module1.Enc(\"$PWD/book.fods\",\"$out/${f%%:*}.xls\",\"${f#*:}\")"
	cp "$out/${f%%:*}.xls" "../${f%%:*}.xls"
done
# LibreOffice 7.4 does not write BIFF5 ('MS Excel 95' fails with 0x81a):
# TestBIFF5 builds a Book stream by hand.
