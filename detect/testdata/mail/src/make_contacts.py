#!/usr/bin/env python3
"""Writes sample messages 16-18 (contacts, addresses, attachments):
Japanese text encoded by nkf, headers with RFC 2047 encoded words written
out by hand (so each charset is the one named), CRLF line endings. Run
from detect/testdata/mail:
    python3 src/make_contacts.py
"""
import base64
import subprocess
from email import quoprimime
from email.header import Header
from email.utils import format_datetime
from datetime import datetime, timezone

DATE = format_datetime(datetime(2026, 11, 29, 9, 30, tzinfo=timezone.utc))


def nkf(flags, text):
    return subprocess.run(["nkf"] + flags, input=text.encode("utf-8"),
                          stdout=subprocess.PIPE, check=True).stdout


def word(charset, raw):
    """One B-encoded word of raw bytes already in charset."""
    return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode("ascii"))


def write(name, lines):
    data = "\n".join(lines).replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n"
    with open(name, "wb") as f:
        f.write(data.encode("ascii"))


def b64lines(raw):
    enc = base64.b64encode(raw).decode("ascii")
    return "\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))


# 16: ISO-2022-JP body whose signature gives a private free-mail address in
# full-width letters and a mobile number, plus a mobile number in +81 form
# and a landline (not a mobile: no contact).
body16 = nkf(["-j", "-W"], "株式会社パートナー\n青木様\n\n"
             "いつもお世話になっております。\n"
             "今後のご連絡は下記の個人アドレスと携帯にお願いします。\n\n"
             "--\n営業部 田村 健\n"
             "メール：ｔａｍｕｒａ．ｋｅｎ＠ｇｍａｉｌ．ｃｏｍ\n"
             "携帯：090-8765-4321\n"
             "海外から：+81 80 2345 6789\n"
             "会社：03-9876-5432\n").decode("ascii")
write("16-private-contact-iso2022jp.eml", [
    "From: " + word("ISO-2022-JP", nkf(["-j", "-W"], "田村 健")) + " <tamura@corp.example>",
    "To: " + word("ISO-2022-JP", nkf(["-j", "-W"], "青木 恵")) + " <aoki@partner.example>",
    "Subject: " + Header("今後のご連絡先", "iso-2022-jp").encode(),
    "Date: " + DATE,
    "Message-ID: <16-contact@corp.example>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=ISO-2022-JP",
    "Content-Transfer-Encoding: 7bit",
    "",
    body16.rstrip("\n"),
])

# 17: the customers' own addresses and mobile number, as a message to
# them would give them (C0001, C0002, C0003 of testdata/customers.csv):
# customer data, not contacts.
write("17-customer-own-address.eml", [
    "From: Support <support@corp.example>",
    "To: taro.yamada@example.jp",
    "Subject: " + Header("ご登録内容の確認", "utf-8").encode(),
    "Date: " + DATE,
    "Message-ID: <17-own@corp.example>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "",
    b64lines("山田様\n\n"
             "ご登録のメールアドレス（taro.yamada@example.jp）宛てに確認メールをお送りしました。\n"
             "届かない場合は mailto:hanako.sato@example.jp にもお送りします。\n"
             "ご家族の連絡先：ｉｃｈｉｒｏ．ｓｕｚｕｋｉ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ\n"
             "携帯 090-1111-2222 にもお電話いたします。\n".replace("\n", "\r\n").encode("utf-8")),
])

# 18: address fields with RFC 2047 display names in ISO-2022-JP, UTF-8 (Q)
# and Shift_JIS, a broken Cc entry, a Bcc (not listed); an attached
# message whose own fields are not listed but whose attachment counts; an
# inline image with a name (counts).
inner = "\n".join([
    "From: " + word("UTF-8", "取引先 担当".encode("utf-8")) + " <contact@vendor.example>",
    "To: aoki@partner.example",
    "Subject: memo",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="in18"',
    "",
    "--in18",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "See the memo.",
    "--in18",
    'Content-Type: text/plain; charset=utf-8; name="memo.txt"',
    'Content-Disposition: attachment; filename="memo.txt"',
    "",
    "Meeting at ten.",
    "--in18--",
])
png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgAB4iG8MwAAAABJRU5ErkJggg==")
write("18-to-rfc2047-names.eml", [
    "From: " + word("ISO-2022-JP", nkf(["-j", "-W"], "営業部")) + " <sales@corp.example>",
    "Sender: mailer@corp.example",
    "Reply-To: " + word("UTF-8", "田村 健".encode("utf-8")) + " <Tamura.Ken@Gmail.com>",
    "To: " + word("ISO-2022-JP", nkf(["-j", "-W"], "青木 恵")) + " <aoki@partner.example>,",
    " " + quoprimime.header_encode("パートナー 営業部".encode("utf-8"), charset="UTF-8") + " <sales@partner.example>",
    "Cc: " + word("Shift_JIS", nkf(["-s", "-W"], "小野 誠")) + " <ono@partner.example>, Broken <broken@partner.example",
    "Bcc: hidden@corp.example",
    "Subject: =?UTF-8?Q?=E8=B3=87=E6=96=99?=",
    "Date: " + DATE,
    "Message-ID: <18-names@corp.example>",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="out18"',
    "",
    "--out18",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Please see the forwarded message.",
    "--out18",
    'Content-Type: message/rfc822; name="fwd.eml"',
    'Content-Disposition: attachment; filename="fwd.eml"',
    "",
    inner,
    "--out18",
    'Content-Type: image/png; name="logo.png"',
    "Content-Disposition: inline",
    "Content-Transfer-Encoding: base64",
    "",
    b64lines(png),
    "--out18--",
])
