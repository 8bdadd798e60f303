#!/bin/sh
# Regenerates the PDF fixtures of detect/pdf with LibreOffice (7.4 made the
# committed ones, with fonts-noto-cjk installed). Run from this directory.
# The sources are in src/; customers-long-ja.txt is built from
# testdata/customers.csv; customers-scanned-ja.png is a 60 dpi pdftoppm
# rendering of the top of customers-ja.pdf.
set -eu
lo="soffice -env:UserInstallation=file:///tmp/lo-pdf-$$ --headless"
ja='Text (encoded):UTF8,LF,Noto Sans CJK JP,ja'
en='Text (encoded):UTF8,LF,Liberation Sans,en-US'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp src/* "$tmp"/
cp src/customers-ja.txt "$tmp"/customers-ja-encrypted.txt
cp src/customers-en.txt "$tmp"/customers-en-permissions.txt
i=1
while [ $i -le 40 ]; do
	echo "第${i}章 取引履歴"
	tail -n +2 ../../customers.csv | awk -F, '{print $1" "$2" "$3" "$5" "$4" 今月の請求額は確定しました。"}'
	i=$((i + 1))
done >"$tmp"/customers-long-ja.txt
$lo --infilter="$ja" --convert-to pdf --outdir . "$tmp"/customers-ja.txt "$tmp"/customers-long-ja.txt
$lo --infilter="$en" --convert-to pdf --outdir . "$tmp"/customers-en.txt
$lo --infilter='CSV:44,34,76,1' --convert-to pdf --outdir . "$tmp"/customers-sheet.csv
$lo --convert-to pdf --outdir . "$tmp"/customers-table-ja.fodt "$tmp"/customers-scanned-ja.png
$lo --infilter="$ja" --convert-to 'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"secret"}}' --outdir . "$tmp"/customers-ja-encrypted.txt
$lo --infilter="$en" --convert-to 'pdf:writer_pdf_Export:{"RestrictPermissions":{"type":"boolean","value":"true"},"PermissionPassword":{"type":"string","value":"owner"},"Printing":{"type":"long","value":"0"},"EnableCopyingOfContent":{"type":"boolean","value":"false"}}' --outdir . "$tmp"/customers-en-permissions.txt
