#!/usr/bin/env python3
"""Writes sample messages 93-96: Japanese bodies encoded by nkf (the real
tool Japanese mail systems use), wrapped in MIME by Python's email package,
with the charset labels real mailers get wrong. Run from testdata/mail:
    python3 src/make_charsets.py
"""
import base64
import subprocess
from email.message import Message
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone

DATE = format_datetime(datetime(2026, 11, 28, 11, 0, tzinfo=timezone.utc))


def nkf(flags, text):
    return subprocess.run(["nkf"] + flags, input=text.encode("utf-8"),
                          stdout=subprocess.PIPE, check=True).stdout


def write(name, subject, label, raw, cte):
    m = Message(policy=SMTP)
    m["From"] = "Sales <sales@corp.example>"
    m["To"] = "someone@example.net"
    m["Subject"] = subject
    m["Date"] = DATE
    m["Message-ID"] = make_msgid(domain="corp.example")
    m["MIME-Version"] = "1.0"
    m["Content-Type"] = "text/plain; charset=" + label
    m["Content-Transfer-Encoding"] = cte
    if cte == "base64":
        m.set_payload(base64.encodebytes(raw).decode("ascii"))
    else:  # 7bit ISO-2022-JP
        m.set_payload(raw.decode("ascii"))
    with open(name, "wb") as f:
        f.write(m.as_bytes(policy=SMTP))


# Shift_JIS body labelled ISO-2022-JP (a common mislabel).
write("93-sjis-labelled-iso2022jp.eml", "customer list", "ISO-2022-JP",
      nkf(["-s", "-W"], "顧客リスト\n鈴木 一郎 06-2345-6789 ichiro.suzuki@example.co.jp\n"), "base64")
# Shift_JIS body with the non-standard label x-sjis.
write("94-x-sjis-label.eml", "list", "x-sjis",
      nkf(["-s", "-W"], "高橋 美咲 様 080-3333-4444\n伊藤 さくら 様 070-5555-6666\n"), "base64")
# ISO-2022-JP with half-width katakana kept as JIS X 0201 (ESC ( I), as
# CP50220-style encoders write it: nkf -j -x.
write("95-cp50220-halfwidth-kana.eml", "kana", "ISO-2022-JP",
      nkf(["-j", "-x", "-W"], "ﾔﾏﾀﾞ ﾀﾛｳ 様\n電話 03-1234-5678\n"), "7bit")
# EUC-JP body.
write("96-eucjp.eml", "euc", "EUC-JP",
      nkf(["-e", "-W"], "中村 陽子 011-222-3333 yoko.nakamura@example.jp\n"), "base64")
