#!/usr/bin/env python3
"""Writes the negative sample messages 90-92 with Python's email package.

Each one holds text that looks like customer data to a naive matcher but is
not: a lone surname, a company phone number one digit off a customer's, a
newsletter full of names that are not customers. Run from testdata/mail:
    python3 src/make_negatives.py
"""
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone

DATE = format_datetime(datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc))


def base(subject, frm="Sales <sales@corp.example>", to="partner@example.net"):
    m = EmailMessage(policy=SMTP)
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = DATE
    m["Message-ID"] = make_msgid(domain="corp.example")
    return m


def write(name, m):
    with open(name, "wb") as f:
        f.write(m.as_bytes(policy=SMTP))


m = base("明日の打ち合わせ")
m.set_content(
    "田中さん\n\nお疲れさまです。明日の打ち合わせの件、山田さんと佐藤さんにも\n"
    "声をかけておきます。鈴木部長は午後から参加です。\n\nよろしくお願いします。\n"
)
write("90-lone-surname.eml", m)

m = base("Quotation / お見積り")
m.set_content(
    "Dear partner,\n\nPlease find our quotation below. Call us any time.\n\n"
    "--\nCorp Example K.K. / 株式会社コープ・エグザンプル\n"
    "Tel: 03-1234-5679 (main)  Fax: 03-1234-5670\n"
    "Support: +81 3 5555 0100\nhttps://corp.example/\n"
)
write("91-company-phone.eml", m)

m = base("Monthly newsletter — 12月号", frm="Newsletter <news@corp.example>",
         to="subscribers@corp.example")
text = (
    "This month: Annual report, new offices, and a word from our CEO, Annabel Leeds.\n"
    "今月の話題: 年次報告、新オフィス、代表取締役 山田 花道 からのご挨拶。\n"
    "Meet the team: Johnny Smithers, Marianne Garcia-Lopez, Oliver Browning.\n"
    "Unsubscribe: https://corp.example/unsubscribe?id=0000\n"
)
m.set_content(text)
m.add_alternative(
    "<html><body><h1>Newsletter</h1><p>This month: <b>Annual report</b>, new offices,"
    " and a word from our CEO, Annabel Leeds.</p><p>今月の話題: 年次報告、新オフィス、"
    "代表取締役 山田 花道 からのご挨拶。</p><ul><li>Johnny Smithers</li>"
    "<li>Marianne Garcia-Lopez</li><li>Oliver Browning</li></ul>"
    "<p><a href=\"https://corp.example/unsubscribe?id=0000\">Unsubscribe</a></p></body></html>",
    subtype="html",
)
write("92-newsletter.eml", m)
