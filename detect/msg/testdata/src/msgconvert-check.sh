#!/bin/sh
# Checks the hand-built .msg fixtures with an independent reader, Debian's
# msgconvert (libemail-outlook-message-perl): each must convert to an
# RFC 5322 message, and the subject, body and attachment names it shows are
# printed for comparison with the NAME.want.txt goldens.
#   usage: testdata/src/msgconvert-check.sh
cd "$(dirname "$0")/.." || exit 1
rc=0
for f in 0*.msg 11-*.msg; do
	echo "#### $f"
	if ! out=$(msgconvert --outfile - "$f" 2>&1); then
		echo "FAIL: msgconvert: $out"
		rc=1
		continue
	fi
	printf '%s\n' "$out" | grep -iE '^(subject|from|to|cc|content-type|content-disposition):|filename|name=' | head -40
	printf '%s\n' "$out" | perl -MEncode -MMIME::Base64 -ne 'print' >/dev/null
done
exit $rc
