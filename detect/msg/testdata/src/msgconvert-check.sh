#!/bin/sh
# Checks the hand-built .msg fixtures with an independent reader, Debian's
# msgconvert (libemail-outlook-message-perl): each must convert to an
# RFC 5322 message; the subject, addresses, body lines with the customer
# rows and the attachment names it shows are printed, to compare with the
# NAME.want.txt goldens. Where msgconvert itself does not start (its
# Email::Address dependency missing), the same library, Email::Outlook::Message,
# is called directly: that is all msgconvert does with --outfile -.
#   usage: detect/msg/testdata/src/msgconvert-check.sh
cd "$(dirname "$0")/.." || exit 1
convert() {
	if msgconvert --outfile - "$1" 2>/dev/null; then
		return 0
	fi
	perl -MEmail::Outlook::Message -e 'binmode STDOUT; print Email::Outlook::Message->new($ARGV[0])->to_email_mime->as_string' "$1" 2>/dev/null
}
rc=0
for f in 0*.msg 11-*.msg; do
	echo "#### $f"
	charset=UTF-8
	case $f in 02-*) charset=CP932 ;; esac # PT_STRING8 in code page 932
	if ! out=$(convert "$f" | iconv -f "$charset" -t UTF-8); then
		echo "FAIL: $f does not convert"
		rc=1
		continue
	fi
	printf '%s\n' "$out" | grep -aiE '^(subject|from|to|cc|content-type):|filename|name=|03-1234-5678|090-8765-4321' | head -30
done
exit $rc
