#!/bin/sh
# Remakes the fixtures of detect/htmltext that tools make. Run from this
# directory (detect/htmltext/testdata). Tests do not need the tools.
#
# Tools (Debian 12):
#   apt-get install -y --no-install-recommends libreoffice-writer-nogui   # LibreOffice 7.4.7
#   apt-get install -y chromium                                           # Chromium 156
set -eu

# 23-libreoffice.html: a customer table written in Writer (libreoffice/
# customers.rtf, hand-written RTF: a heading, a word half in bold, a table
# with mailto: links) and saved as HTML by LibreOffice, with a comment in
# front saying what it tests, as every golden has.
tmp=$(mktemp -d)
soffice --headless --convert-to html --outdir "$tmp" libreoffice/customers.rtf
{
	echo '<!-- HTML as LibreOffice Writer saves it (testdata/make-fixtures.sh): font and span wrappers around every run, "Ya<b>mada</b>" across two font elements, <col> and valign in the table, mailto: links. A browser shows each cell on its own and "Yamada" whole. -->'
	cat "$tmp/customers.html"
} > 23-libreoffice.html
rm -r "$tmp"

# chromium/NN-name.json: the text nodes, comments and processing
# instructions of the DOM Chromium builds from each golden, for
# TestChromium (see README.md).
(cd ../../.. && go run ./detect/htmltext/testdata/chromium/dump -o detect/htmltext/testdata/chromium detect/htmltext/testdata/*.html)

# The goldens themselves (NN-name.txt) are this package's output, checked
# by hand: go test ./detect/htmltext -run TestGolden -update
