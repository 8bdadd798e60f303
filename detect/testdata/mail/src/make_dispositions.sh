#!/bin/sh
# Writes sample messages 30-54 (one per disposition the scanner gives a
# part: wrapped, signature, none/encrypted, media, strings, lies about
# types and charsets, header and HTML tricks) with the real tools that
# make such files. Run from detect/testdata/mail:
#     sh src/make_dispositions.sh
#
# Debian packages it needs:
#     apt-get install -y --no-install-recommends gnupg openssl sharutils \
#         sqlite3 imagemagick libimage-exiftool-perl zip gcc libc6-dev nkf \
#         python3
# (iconv comes with libc-bin.)
#
# Every file this script makes goes to a throwaway directory ($W), keys
# and certificates included; only the .eml files are kept. The leaked
# content is rows of testdata/customers.csv (fictional). The shell below
# makes every file a tool makes; src/make_dispositions.py writes the MIME
# entities the tools sign or encrypt ("parts") and then wraps everything
# into messages ("mail"), with CRLF line endings.
#
# Not reproducible byte for byte (everything else is):
#   - S/MIME (30-33): the throwaway certificates and keys are new on every
#     run, the signing time is now, openssl picks the multipart/signed
#     boundary of 32 and the content-encryption key of 33 at random.
#   - OpenPGP (34-38): new keys, signature times, session keys.
# A re-run therefore changes those messages' bytes and the goldens'
# byte counts for the wrapped parts, never what is found in them.
set -eu

if [ ! -f README.md ] || [ ! -d src ]; then
	echo "run from detect/testdata/mail" >&2
	exit 2
fi
CSV=../../../testdata/customers.csv
export TZ=UTC LC_ALL=C.UTF-8
W=$(mktemp -d)
export GNUPGHOME="$W/gnupg"
cleanup() {
	gpgconf --kill gpg-agent 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT

# rows FILE ID...: the header line and the rows of IDs from the sample
# list, CRLF line endings, as a spreadsheet exports them.
rows() {
	out=$1
	shift
	{
		head -n 1 "$CSV"
		for id in "$@"; do grep "^$id," "$CSV"; done
	} | sed 's/\r*$/\r/' >"$W/$out"
}

# Fixed file times, so zip writes the same bytes each run.
stamp() { touch -d '2026-12-01 09:00:00' "$@"; }

# --- Leaked content: the customers each file leaks (messages 48-54 and
# the text around 37's block name theirs in make_dispositions.py) ---
rows rows30.csv C0001 C0004 C0010
rows rows31.csv C0002 C0019 C0028
rows rows32.csv C0003 C0011 C0021
rows rows33.csv C0005 C0006
rows rows34.csv C0007 C0008
rows rows35.csv C0005 C0012 C0022
rows rows37.csv C0008 C0009
rows rows40-dat.csv C0017 C0020
rows rows40-jpg.csv C0030 C0001
rows rows40-none.csv C0002 C0003
rows rows41-sjis.csv C0004 C0005 C0006
rows rows41-utf16.csv C0010 C0011 C0012
rows rows42-eml.csv C0013 C0014
rows rows44-png.csv C0020 C0021
rows rows46.csv C0010 C0016 C0022 C0024 C0028
mkdir "$W/pgp36" "$W/pgp38" "$W/uu39" "$W/uu39b" "$W/zip44"
rows pgp36/customers.csv C0006 C0013 C0023
rows pgp38/customers.csv C0008 C0014 C0024
rows uu39/customers.csv C0009 C0015 C0025
rows uu39b/list.csv C0016 C0026 C0029
rows zip44/list.csv C0017 C0019
# (43's PNG comment holds C0011, its JPEG comments C0012 and C0013; 47's
# ELF C0028 and C0029, its dump C0030 and C0001: see below.)

# MIME entities to sign or encrypt, the .eml and the vCard of 42, the
# text of 53 before iconv.
python3 src/make_dispositions.py parts "$W"

# --- Throwaway S/MIME certificates (self-signed, RSA 2048) ---
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
	-subj "/CN=Sales/emailAddress=sales@corp.example" \
	-addext "subjectAltName=email:sales@corp.example" \
	-keyout "$W/sales.key" -out "$W/sales.crt" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
	-subj "/CN=Aoki Megumi/emailAddress=aoki@partner.example" \
	-addext "subjectAltName=email:aoki@partner.example" \
	-keyout "$W/aoki.key" -out "$W/aoki.crt" 2>/dev/null

# 30: opaque signed-data (DER, definite lengths) around a multipart entity
# with a CSV attachment.
openssl cms -sign -nodetach -binary -md sha256 -in "$W/inner30.eml" \
	-signer "$W/sales.crt" -inkey "$W/sales.key" -outform SMIME -out "$W/30.smime"
# 31: the same with -stream: BER, indefinite lengths, the content as a
# constructed OCTET STRING.
openssl cms -sign -nodetach -binary -stream -md sha256 -in "$W/inner31.eml" \
	-signer "$W/sales.crt" -inkey "$W/sales.key" -outform SMIME -out "$W/31.smime"
# 32: detached: multipart/signed with application/pkcs7-signature.
openssl cms -sign -binary -md sha256 -in "$W/signed32.part" \
	-signer "$W/sales.crt" -inkey "$W/sales.key" -outform SMIME -out "$W/32.smime"
# 33: enveloped-data to the partner's certificate.
openssl cms -encrypt -binary -aes-256-cbc -in "$W/inner33.eml" \
	-outform SMIME -out "$W/33.smime" "$W/aoki.crt"

# --- Throwaway OpenPGP keys (ed25519 signing, cv25519 encryption) ---
mkdir -m 700 "$GNUPGHOME"
gpg() { command gpg --batch --quiet --pinentry-mode loopback --passphrase '' --trust-model always "$@"; }
gpg --quick-gen-key 'Sales <sales@corp.example>' future-default default never
gpg --quick-gen-key 'Aoki Megumi <aoki@partner.example>' future-default default never

# 34: PGP/MIME encrypted: the multipart entity, armored.
gpg --armor --encrypt -r aoki@partner.example -o "$W/34.asc" "$W/inner34.eml"
# 35: PGP/MIME signed: a detached armored signature of the text part.
gpg --armor --detach-sign --digest-algo SHA256 -u sales@corp.example \
	-o "$W/35.sig" "$W/signed35.part"
# 36: inline signed message (compressed data holding literal data and
# the signature), armored, pasted into a text body.
(cd "$W/pgp36" && gpg --armor --sign -u sales@corp.example -o ../36.asc customers.csv)
# 37: inline encrypted message, armored, in the middle of a text.
gpg --armor --encrypt -r aoki@partner.example -o "$W/37.asc" "$W/rows37.csv"
# 38: a binary signed message (no armor) as an attachment.
(cd "$W/pgp38" && gpg --sign -u sales@corp.example -o ../customers.csv.gpg customers.csv)

# --- uuencode (sharutils) ---
# 39: a block in a text body; and a part sent with
# Content-Transfer-Encoding: x-uuencode.
(cd "$W/uu39" && uuencode customers.csv customers.csv) >"$W/39.uue"
(cd "$W/uu39b" && uuencode list.csv list.csv) >"$W/39b.uue"

# --- Charsets (iconv) ---
# 41: Shift_JIS CSV; UTF-16LE tab-separated text without a BOM (what
# Excel's "Unicode text" export holds, less its BOM).
iconv -f UTF-8 -t SHIFT_JIS "$W/rows41-sjis.csv" >"$W/41-sjis.csv"
tr ',' '\t' <"$W/rows41-utf16.csv" | iconv -f UTF-8 -t UTF-16LE >"$W/41-utf16le.txt"

# --- Media (ImageMagick, exiftool, zip) ---
# 43: a PNG whose tEXt "comment" holds a row (ImageMagick writes the
# UTF-8 bytes as they are); a JPEG with EXIF UserComment (exiftool writes
# it as UNICODE, UCS-2 big-endian) and XPComment (UTF-16LE), in Japanese.
convert -size 8x8 xc:white -define png:exclude-chunks=date,time \
	-set comment 'C0011,吉田 拓海,ヨシダ タクミ,takumi.yoshida@example.jp,075-111-2222' \
	"$W/43.png"
convert -size 8x8 xc:'#3366cc' -strip "$W/43.jpg"
exiftool -q -overwrite_original \
	-UserComment='顧客 C0012 山本 結衣 ヤマモト ユイ yui.yamamoto@example.jp 080-1212-3434' \
	-XPComment='顧客 C0013 松本 蓮 マツモト レン ren.matsumoto@example.jp 03-5656-7878' \
	"$W/43.jpg"
# 44: a valid JPEG with a zip of a CSV after its end (cat a.jpg b.zip);
# a PNG signature followed by CSV text.
convert -size 8x8 xc:'#cc6633' -strip "$W/44-base.jpg"
stamp "$W/zip44/list.csv"
(cd "$W/zip44" && zip -q -X ../44.zip list.csv)
cat "$W/44-base.jpg" "$W/44.zip" >"$W/44.jpg"
{
	printf '\211PNG\r\n\032\n'
	cat "$W/rows44-png.csv"
} >"$W/44.png"
# 45: clean images, no metadata at all.
convert -size 8x8 xc:'#228844' -define png:exclude-chunks=date,time -strip "$W/45.png"
convert -size 8x8 xc:'#884422' -strip "$W/45.jpg"

# --- Binary ---
# 46: a SQLite database with a customers table.
sqlite3 "$W/backup.db" ".import --csv $W/rows46.csv customers"
# 47: a small ELF program with rows as string constants (gcc, dynamic,
# stripped, no separate code segment: about 6 KB); and pseudo-random
# bytes (AES-CTR of zeros under a fixed key, so the same each run) with
# NUL-delimited rows in the middle.
cat >"$W/export-tool.c" <<'EOF'
#include <stdio.h>

static const char *rows[] = {
	"C0028,Wang Wei,ワン ウェイ,wang.wei@example.com,0120-000-111",
	"C0029,Sophie Martin,,sophie.martin@example.com,",
};

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++)
			puts(rows[i]);
	return 0;
}
EOF
gcc -Os -s -Wl,-z,noseparate-code -o "$W/export-tool" "$W/export-tool.c"
noise() { head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt -K "$2" -iv 00000000000000000000000000000000; }
{
	noise 1024 000102030405060708090a0b0c0d0e0f
	printf '\0'
	grep -E '^C00(30|01),' "$CSV" | tr -d '\r' | tr '\n' '\0'
	noise 1024 0f0e0d0c0b0a09080706050403020100
} >"$W/dump.bin"

# 53: a UTF-7 body (iconv).
iconv -f UTF-8 -t UTF-7 "$W/53-text.txt" >"$W/53-utf7.txt"

python3 src/make_dispositions.py mail "$W"

# --- Check: the signatures verify in the messages as written, and the
# encrypted ones decrypt (so the fixtures are what they claim to be) ---
for f in 30-smime-signed-opaque.eml 31-smime-signed-ber.eml 32-smime-signed-detached.eml; do
	openssl cms -verify -inform SMIME -in "$f" -CAfile "$W/sales.crt" -out /dev/null 2>/dev/null ||
		{ echo "$f: S/MIME signature does not verify" >&2; exit 1; }
done
openssl cms -decrypt -inform SMIME -in 33-smime-encrypted.eml \
	-recip "$W/aoki.crt" -inkey "$W/aoki.key" | grep -q '^C0005,' ||
	{ echo "33: does not decrypt to the rows" >&2; exit 1; }
python3 src/make_dispositions.py check "$W"
gpg --verify "$W/check35.sig" "$W/check35.part" 2>/dev/null ||
	{ echo "35: PGP/MIME signature does not verify" >&2; exit 1; }
gpg --decrypt "$W/34.asc" 2>/dev/null | grep -q 'inner34' ||
	{ echo "34: does not decrypt" >&2; exit 1; }
gpg --verify "$W/36.asc" 2>/dev/null && gpg --verify "$W/customers.csv.gpg" 2>/dev/null ||
	{ echo "36/38: signature does not verify" >&2; exit 1; }
echo "wrote 30-54; signatures verify" >&2
