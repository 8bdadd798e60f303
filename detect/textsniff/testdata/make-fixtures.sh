#!/bin/sh
# Remakes the fixtures of textsniff_test.go. Run from this directory:
#   sh make-fixtures.sh
# Tools (Debian 12): iconv (libc-bin), sqlite3, gzip, zip, netpbm
# (pnmtopng, pnmtojpeg), openssl, coreutils. The customer data is made up.
set -eu
export LC_ALL=C.UTF-8 TZ=UTC

# --- text -------------------------------------------------------------
cat > csv-utf8.csv <<'CSV'
顧客番号,氏名,フリガナ,電話番号,メールアドレス,住所
1001,山田 太郎,ヤマダ タロウ,03-1234-5678,taro.yamada@example.jp,東京都千代田区丸の内1-1-1
1002,佐藤 花子,サトウ ハナコ,06-2345-6789,hanako.sato@example.co.jp,大阪府大阪市北区梅田2-2-2
1003,John Smith,ジョン スミス,+81-90-3456-7890,john.smith@example.com,神奈川県横浜市西区3-3-3
1004,髙橋 一郎,タカハシ イチロウ,080-4567-8901,ichiro@example.ne.jp,福岡県福岡市中央区天神4-4-4
CSV
# The same rows with CRLF line ends, as Windows tools write them.
sed 's/$/\r/' csv-utf8.csv > crlf.tmp
{ printf '\357\273\277'; cat crlf.tmp; } > csv-utf8-bom.csv
iconv -f UTF-8 -t CP932 crlf.tmp > csv-sjis.csv
# EUC-JP-MS: glibc's EUC-JP lacks 髙 (an IBM extension kanji).
iconv -f UTF-8 -t EUC-JP-MS csv-utf8.csv > csv-eucjp.csv
iconv -f UTF-8 -t UTF-16LE crlf.tmp > csv-utf16le.csv
iconv -f UTF-8 -t UTF-16BE crlf.tmp > csv-utf16be.csv
iconv -f UTF-8 -t UTF-16 crlf.tmp > csv-utf16le-bom.csv   # glibc: BOM FF FE, little-endian
{ printf '\376\377'; iconv -f UTF-8 -t UTF-16BE crlf.tmp; } > csv-utf16be-bom.csv
rm crlf.tmp

cat > note.txt.tmp <<'TXT'
山田様

いつもお世話になっております。ご依頼の顧客一覧をお送りします。
担当: 佐藤 花子 (hanako.sato@example.co.jp, 06-2345-6789)
TXT
iconv -f UTF-8 -t ISO-2022-JP note.txt.tmp > note-iso2022jp.txt
iconv -f UTF-8 -t UTF-7 note.txt.tmp > note-utf7.txt
# Japanese only, no ASCII at all: UTF-16LE without a BOM has no zero byte.
printf '山田太郎佐藤花子髙橋一郎鈴木次郎' | iconv -f UTF-8 -t UTF-16LE > names-utf16le.txt
rm note.txt.tmp

# A vCard as a Japanese feature phone exports it: Shift_JIS in N and FN,
# quoted-printable Shift_JIS in ADR.
adr=$(printf '東京都千代田区丸の内1-1-1' | iconv -f UTF-8 -t CP932 | od -An -tx1 | tr -d ' \n' | tr a-f A-F | sed 's/../=&/g')
{
	printf 'BEGIN:VCARD\r\nVERSION:2.1\r\n'
	printf 'N;CHARSET=SHIFT_JIS:山田;太郎;;;\r\nFN;CHARSET=SHIFT_JIS:山田 太郎\r\n' | iconv -f UTF-8 -t CP932
	printf 'SOUND;X-IRMC-N;CHARSET=SHIFT_JIS:ﾔﾏﾀﾞ;ﾀﾛｳ;;;\r\n' | iconv -f UTF-8 -t CP932
	printf 'TEL;CELL:090-1234-5678\r\nEMAIL;INTERNET:taro.yamada@example.jp\r\n'
	printf 'ADR;HOME;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:;;%s;;;;\r\n' "$adr"
	printf 'END:VCARD\r\n'
} > phone-vcard.vcf

cat > message.eml <<'EML'
From sender@example.jp Mon Jan  5 09:00:00 2026
Return-Path: <sender@example.jp>
Received: from mail.example.jp (mail.example.jp [192.0.2.1])
	by mx.example.com with ESMTPS id 4F2A1B
	for <list@example.com>; Mon, 5 Jan 2026 09:00:00 +0900
From: Sato Hanako <hanako.sato@example.co.jp>
To: list@example.com
Subject: =?UTF-8?B?6aGn5a6i5LiA6Kan?=
Date: Mon, 5 Jan 2026 09:00:00 +0900
Message-ID: <20260105090000.1@example.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

山田 太郎, 03-1234-5678, taro.yamada@example.jp
EML

cat > data.json <<'JSON'
{"customers": [
  {"id": 1001, "name": "山田 太郎", "tel": "03-1234-5678", "email": "taro.yamada@example.jp"},
  {"id": 1002, "name": "Hanako Sato", "tel": "06-2345-6789", "email": "hanako.sato@example.co.jp"}
]}
JSON

cat > data.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<customers>
  <customer id="1001"><name>山田 太郎</name><tel>03-1234-5678</tel></customer>
  <customer id="1002"><name>Hanako Sato</name><email>hanako.sato@example.co.jp</email></customer>
</customers>
XML

# --- binary -----------------------------------------------------------
head -c 1024 /bin/true > elf-head.bin
ppmmake rgb:20/40/80 16 16 | pnmtopng > image.png
ppmmake rgb:20/40/80 16 16 | pnmtojpeg > image.jpg
rm -f list.zip && zip -q -X list.zip csv-utf8.csv
gzip -9 -n -c csv-utf8.csv > csv-utf8.csv.gz
rm -f customers.db
sqlite3 customers.db "create table c(name,phone); insert into c values('山田太郎','03-1234-5678');"
head -c 4096 customers.db > sqlite-head.bin && rm customers.db
# Random bytes, made repeatable: AES-CTR of zeros under a fixed key.
head -c 4096 /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 > random.bin
