#!/bin/sh
# Remakes the uuencode fixtures. Needs Debian's sharutils (uuencode),
# glibc's iconv and python3. Run from this directory: sh make-fixtures.sh
#
# Originals:
#   customers.csv       a small customer list, UTF-8
#   customers-sjis.csv  the same in Shift_JIS (iconv -t SHIFT_JIS)
#   random.bin          every byte value, 256 random bytes (fixed seed), 100 zeros
# Encoded by sharutils:
#   *.uu                uuencode FILE FILE        (classic, "`" for zero)
#   *.b64               uuencode -m FILE FILE     (begin-base64 framing)
# Encoded by Python the way its old uu module did (binascii.b2a_uu, 45
# bytes a line, " " for zero, mode 666, " " then "end" at the end):
#   *.py.uu
#   random.bin.py-stripped.uu  the same with trailing spaces stripped, as
#                       some mail systems do (sed 's/ *$//')
# Text bodies with blocks in them, and the text the Splitter must leave:
#   body.txt, body.want.txt          one classic block in the middle
#   body-crlf.txt, body-crlf.want.txt  the same with CRLF line ends
#   body-mixed.txt, body-mixed.want.txt  a Shift_JIS classic block, a
#                       "begin 644" line that starts no block, a
#                       begin-base64 block, a block without its "end" line
set -eu

cat > customers.csv <<'CSV'
id,name,email,phone
C0001,山田太郎,taro@example.jp,03-1234-5678
C0002,佐藤花子,hanako.sato@example.co.jp,090-8765-4321
C0003,ﾀﾅｶ ｲﾁﾛｳ,ichiro+dlp@example.com,+81 6 1111 2222
CSV
iconv -f UTF-8 -t SHIFT_JIS customers.csv > customers-sjis.csv
python3 -c '
import random, sys
sys.stdout.buffer.write(bytes(range(256)) + random.Random(1980).randbytes(256) + bytes(100))
' > random.bin

for f in customers.csv customers-sjis.csv random.bin; do
	uuencode "$f" "$f" > "$f.uu"
	uuencode -m "$f" "$f" > "$f.b64"
done

pyuu() {
	python3 -c '
import binascii, sys
name = sys.argv[1]
data = open(name, "rb").read()
out = sys.stdout.buffer
out.write(b"begin 666 " + name.encode() + b"\n")
for i in range(0, len(data), 45):
    out.write(binascii.b2a_uu(data[i:i+45]))
out.write(b" \nend\n")
' "$1"
}
pyuu customers.csv > customers.csv.py.uu
pyuu random.bin > random.bin.py.uu
sed 's/ *$//' random.bin.py.uu > random.bin.py-stripped.uu

intro() { printf 'Hello Hanako,\n\nhere is the list you asked for:\n\n'; }
outro() { printf '\nRegards,\nTaro\n-- \nbegin again tomorrow\n'; }
{ intro; uuencode customers.csv customers.csv; outro; } > body.txt
{ intro; outro; } > body.want.txt
sed 's/$/\r/' body.txt > body-crlf.txt
sed 's/$/\r/' body.want.txt > body-crlf.want.txt

middle() { printf '\nand the binary one. Note:\nbegin 644 notes.txt\nis how the old format starts.\n\n'; }
{ intro; uuencode customers-sjis.csv "list (sjis).csv"; middle
  uuencode -m random.bin random.bin
  uuencode customers.csv customers.csv | sed '/^end$/d'; outro; } > body-mixed.txt
{ intro; middle; outro; } > body-mixed.want.txt
