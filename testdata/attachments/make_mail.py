#!/usr/bin/env python3
"""Builds testdata/mail/11-*.eml ... 15-*.eml from the files beside this
script, with Python's email package (CRLF line endings).

Run from the repository root: python3 testdata/attachments/make_mail.py
The archive fixtures are made with zip and 7z (see README.md here)."""

import email.policy
import io
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE.parent / "mail"
POLICY = email.policy.SMTP  # CRLF


def message(subject, body, files, sender="営業部 <sales@example.co.jp>"):
    m = EmailMessage(policy=POLICY)
    m["From"] = sender
    m["To"] = "partner@example.net"
    m["Subject"] = subject
    m["Date"] = format_datetime(datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc))
    m["Message-ID"] = "<%s@example.co.jp>" % subject.encode().hex()[:16]
    m.set_content(body)
    for name, data, ctype in files:
        maintype, subtype = ctype.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m


def read(rel):
    return (HERE / rel).read_bytes()


def zip_of(entries):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 28, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return b.getvalue()


OCTET = "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

msgs = {
    "11-zip-nested.eml": message(
        "顧客リスト（圧縮）",
        "お世話になっております。\n圧縮ファイルを添付します。\n",
        [("customers.zip", read("archive/nested.zip"), "application/zip"),
         ("memo.7z", read("archive/list.7z"), "application/x-7z-compressed")]),
    "12-ooxml.eml": message(
        "資料送付",
        "Please find the documents attached.\n",
        [("letter.docx", read("office/letter.docx"), DOCX),
         ("顧客一覧.xlsx", read("office/sheet.xlsx"), XLSX),
         ("review.pptx", read("office/slides.pptx"), OCTET)]),
    "13-opendocument.eml": message(
        "Meeting notes",
        "Notes and the account sheet, in OpenDocument.\n",
        [("memo.odt", read("office/memo.odt"), "application/vnd.oasis.opendocument.text"),
         ("accounts.ods", read("office/ods.ods"), OCTET),
         ("review.odp", read("office/slides.odp"), "application/vnd.oasis.opendocument.presentation")]),
    "14-unreadable.eml": message(
        "パスワード付きファイル",
        "パスワードは別途お送りします。\n",
        [("locked.zip", read("archive/encrypted.zip"), "application/zip"),
         ("secret.docx", read("office/encrypted-stub.docx"), DOCX),
         ("legacy.xls", read("office/ods.xls"), "application/vnd.ms-excel"),
         ("locked.7z", read("archive/locked.7z"), OCTET),
         ("backup.rar", b"Rar!\x1a\x07\x01\x00" + bytes(64), "application/vnd.rar")]),
    "15-zip-pdf-docx.eml": message(
        "export",
        "Zipped export.\n",
        [("export.zip", zip_of([("export/customers-en.pdf", read("pdf/customers-en.pdf")),
                                ("export/letter.docx", read("office/letter.docx")),
                                ("export/readme", b"Exported for Oliver Brown, 03-4444-1010\n")]),
          "application/zip")]),
}

for name, m in msgs.items():
    data = m.as_bytes(policy=POLICY)
    assert b"\n" not in data.replace(b"\r\n", b""), name
    assert len(data) < 200_000, (name, len(data))
    (OUT / name).write_bytes(data)
    print(name, len(data))
