#!/bin/sh
# Regenerates the .ppt fixtures of detect/ppt/testdata from the flat ODF
# sources here with LibreOffice (made with 7.4.7.2), then the goldens:
#   sh detect/ppt/testdata/src/gen.sh && go test ./detect/ppt -run TestGolden -update
# LibreOffice writes a ~440 KB thumbnail into SummaryInformation, hence the
# fixtures' size. object.fodp embeds a spreadsheet inline (the flat XML
# filter must be named to load it); it comes out as a compressed
# ExOleObjStg.
set -e
cd "$(dirname "$0")/.."
soffice --headless --convert-to ppt --outdir . src/deck.fodp
soffice --headless --infilter="OpenDocument Presentation Flat XML" --convert-to 'ppt:MS PowerPoint 97' --outdir . src/object.fodp
