#!/bin/sh
# Regenerates the .doc fixtures of detect/doc/testdata from the flat ODF
# sources here with LibreOffice (made with 7.4.7.2), then the goldens:
#   sh detect/doc/testdata/src/gen.sh && go test ./detect/doc -run TestGolden -update
# object.fodt embeds a spreadsheet inline; LibreOffice needs the flat XML
# filter named to load it and writes it as an ObjectPool storage holding a
# Workbook stream.
set -e
cd "$(dirname "$0")/.."
for f in letter latin; do
	soffice --headless --convert-to doc --outdir . "src/$f.fodt"
done
soffice --headless --infilter="OpenDocument Text Flat XML" --convert-to 'doc:MS Word 97' --outdir . src/object.fodt
