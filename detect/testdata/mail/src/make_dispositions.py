#!/usr/bin/env python3
"""Helper of make_dispositions.sh, which runs it twice (run that script,
not this one):

    python3 src/make_dispositions.py parts DIR   # before the tools run
    python3 src/make_dispositions.py mail DIR    # after
    python3 src/make_dispositions.py check DIR   # to verify 35

"parts" writes into DIR the MIME entities and files that the tools then
sign, encrypt or convert (inner30.eml ...); "mail" wraps the tools' output
into sample messages 30-54 in the current directory (detect/testdata/mail),
with CRLF line endings; "check" takes 35's signed part out again, for the
script to verify. MIME is assembled with Python's email package
where it can say what the message needs; the messages whose exact bytes
matter (signed content, raw 8-bit headers, message/partial and
message/external-body) are written line by line.
"""
import base64
import subprocess
import sys
from datetime import datetime, timezone
from email.header import Header
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

DATE = format_datetime(datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc))
CSV = Path("../../../testdata/customers.csv")
FROM = "Sales <sales@corp.example>"
TO = "Aoki Megumi <aoki@partner.example>"
MAX_SIZE = 64 << 10


def customer(cid):
    """The row of customer cid in the sample list, as a list of fields."""
    for line in CSV.read_text(encoding="utf-8").splitlines():
        f = line.split(",")
        if f[0] == cid:
            return f
    raise KeyError(cid)


def csv_rows(*ids):
    """A CSV of the header line and the rows of ids, CRLF line endings."""
    lines = CSV.read_text(encoding="utf-8").splitlines()
    return "\r\n".join([lines[0]] + [",".join(customer(i)) for i in ids]) + "\r\n"


def rows(w, name):
    """A CSV file written by make_dispositions.sh, as text lines."""
    return (w / name).read_text(encoding="utf-8").replace("\r\n", "\n")


def nkf(flags, text):
    return subprocess.run(["nkf"] + flags, input=text.encode("utf-8"),
                          stdout=subprocess.PIPE, check=True).stdout


def b64lines(raw):
    enc = base64.b64encode(raw).decode("ascii")
    return "\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))


def word(text, charset="utf-8"):
    """text as RFC 2047 encoded words."""
    return Header(text, charset).encode()


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def write(name, data):
    """Writes one message, CRLF line endings, refusing one too large."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = crlf(data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    if len(data) > MAX_SIZE:
        sys.exit("%s: %d bytes, over %d" % (name, len(data), MAX_SIZE))
    Path(name).write_bytes(data)


def head(n, name, subject, frm=FROM, to=TO, mime=True):
    """The top header lines of message n (From, To, Subject, Date,
    Message-ID, and MIME-Version unless the body brings its own)."""
    lines = [
        "From: " + frm,
        "To: " + to,
        "Subject: " + (subject if subject.isascii() else word(subject)),
        "Date: " + DATE,
        "Message-ID: <%d-%s@corp.example>" % (n, name),
    ]
    if mime:
        lines.append("MIME-Version: 1.0")
    return "\n".join(lines) + "\n"


def message(n, name, subject, frm=FROM, to=TO):
    m = EmailMessage(policy=SMTP)
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = DATE
    m["Message-ID"] = "<%d-%s@corp.example>" % (n, name)
    return m


def attach(m, data, ctype, filename, **params):
    maintype, subtype = ctype.split("/")
    m.add_attachment(data, maintype=maintype, subtype=subtype,
                     filename=filename, params=params or None)


def raw_part(headers, payload):
    """A part with exactly the given header fields (no Content-Type unless
    named) and an already encoded payload."""
    p = MIMEPart(policy=SMTP)
    for k, v in headers:
        p[k] = v
    p.set_payload(payload)
    return p


def save(name, m, boundary):
    """Writes an EmailMessage, its multiparts given fixed boundaries."""
    i = 0
    for p in m.walk():
        if p.is_multipart():
            p.set_boundary(boundary if i == 0 else "%s-%d" % (boundary, i))
            i += 1
    write(name, m.as_bytes(policy=SMTP))


def mixed_with_csv(text, filename, data, boundary):
    """A multipart/mixed entity (no message header) of a text and a CSV
    attachment, as the content of a signed or encrypted message."""
    m = MIMEPart(policy=SMTP)
    m.set_content(text, charset="utf-8", cte="base64")
    m.add_attachment(data, maintype="text", subtype="csv", filename=filename,
                     params={"charset": "utf-8"})
    m.set_boundary(boundary)
    return m.as_bytes(policy=SMTP)


def text_entity(text, cte="quoted-printable"):
    m = MIMEPart(policy=SMTP)
    m.set_content(text, charset="utf-8", cte=cte)
    return m.as_bytes(policy=SMTP)


def parts(w):
    """The entities and files the tools work on."""
    (w / "inner30.eml").write_bytes(mixed_with_csv(
        "青木様\n\n対象顧客の一覧を添付します（署名付き）。\n",
        "customers.csv", (w / "rows30.csv").read_bytes(), "inner30"))
    (w / "inner31.eml").write_bytes(mixed_with_csv(
        "Aoki-san,\n\nThe customer list is attached (signed).\n",
        "export.csv", (w / "rows31.csv").read_bytes(), "inner31"))
    (w / "signed32.part").write_bytes(text_entity(
        "青木様\n\n本日の対象顧客です。\n\n" + rows(w, "rows32.csv")
        + "\n営業部\n"))
    (w / "inner33.eml").write_bytes(text_entity(
        "青木様\n\n暗号化して送ります。\n\n" + rows(w, "rows33.csv")))
    (w / "inner34.eml").write_bytes(mixed_with_csv(
        "青木様\n\nPGP で暗号化した一覧です。\n",
        "customers.csv", (w / "rows34.csv").read_bytes(), "inner34"))
    (w / "signed35.part").write_bytes(text_entity(
        "Aoki-san,\n\nToday's customers, signed with PGP/MIME:\n\n"
        + rows(w, "rows35.csv") + "\nSales\n"))

    # 42: a whole message (an .eml file) with a base64 CSV attachment,
    # and a vCard of two customers.
    fwd = message(0, "fwd", "顧客リスト", frm="Vendor <contact@vendor.example>", to=FROM)
    fwd.replace_header("Message-ID", "<fwd-42@vendor.example>")
    fwd.set_content("リストをお送りします。\n", charset="utf-8", cte="base64")
    attach(fwd, (w / "rows42-eml.csv").read_bytes(), "text/csv", "customers.csv",
           charset="utf-8")
    for p in fwd.walk():
        if p.is_multipart():
            p.set_boundary("fwd42")
    (w / "42-fwd.eml").write_bytes(fwd.as_bytes(policy=SMTP))
    cards = []
    for cid in ("C0015", "C0016"):
        f = customer(cid)
        last, first = f[1].split(" ")
        klast, kfirst = f[2].split(" ")
        cards += ["BEGIN:VCARD", "VERSION:3.0",
                  "N:%s;%s;;;" % (last, first), "FN:" + f[1],
                  "X-PHONETIC-LAST-NAME:" + klast, "X-PHONETIC-FIRST-NAME:" + kfirst,
                  "EMAIL;TYPE=INTERNET:" + f[3], "TEL;TYPE=CELL:" + f[4],
                  "END:VCARD"]
    (w / "42-contacts.vcf").write_bytes(("\r\n".join(cards) + "\r\n").encode("utf-8"))

    # 53: the text iconv turns into UTF-7.
    f, g = customer("C0017"), customer("C0029")
    (w / "53-text.txt").write_text(
        "清水様\n\n顧客：%s（%s）%s %s\n担当：%s <%s>\n"
        % (f[1], f[2], f[3], f[4], g[1], g[3]), encoding="utf-8")


def tool_message(n, name, subject, smime):
    """A message whose MIME header and body are openssl's SMIME output."""
    return head(n, name, subject, mime=False) + smime.decode("ascii")


def armor_text(before, block, after):
    return before + block.decode("ascii").replace("\r\n", "\n") + after


def mail(w):
    r = lambda f: (w / f).read_bytes()

    # 30-33: S/MIME, openssl cms.
    write("30-smime-signed-opaque.eml", tool_message(
        30, "smime", "顧客一覧（署名付き）", r("30.smime")))
    write("31-smime-signed-ber.eml", tool_message(
        31, "smime", "Customer export (signed)", r("31.smime")))
    write("32-smime-signed-detached.eml", tool_message(
        32, "smime", "本日の対象顧客", r("32.smime")))
    write("33-smime-encrypted.eml", tool_message(
        33, "smime", "暗号化メール", r("33.smime")))

    # 34: PGP/MIME encrypted (RFC 3156 section 4), as Thunderbird lays it out.
    write("34-pgpmime-encrypted.eml", head(34, "pgp", "暗号化メール") + "\n".join([
        'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";',
        ' boundary="enc34"',
        "",
        "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)",
        "--enc34",
        "Content-Type: application/pgp-encrypted",
        "Content-Description: PGP/MIME version identification",
        "",
        "Version: 1",
        "",
        "--enc34",
        'Content-Type: application/octet-stream; name="encrypted.asc"',
        "Content-Description: OpenPGP encrypted message",
        'Content-Disposition: inline; filename="encrypted.asc"',
        "",
        r("34.asc").decode("ascii").rstrip("\n"),
        "",
        "--enc34--",
    ]))

    # 35: PGP/MIME signed (RFC 3156 section 5): the signed part's bytes as
    # gpg signed them (ending in CRLF), then the CRLF that belongs to the
    # boundary.
    write("35-pgpmime-signed.eml", head(35, "pgp", "Today's customers").encode("ascii") + b"\n".join([
        b'Content-Type: multipart/signed; micalg=pgp-sha256;',
        b' protocol="application/pgp-signature"; boundary="sig35"',
        b"",
        b"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)",
        b"--sig35",
        r("signed35.part"),
        b"--sig35",
        b'Content-Type: application/pgp-signature; name="signature.asc"',
        b"Content-Description: OpenPGP digital signature",
        b'Content-Disposition: attachment; filename="signature.asc"',
        b"",
        r("35.sig").rstrip(b"\n"),
        b"",
        b"--sig35--",
    ]))

    # 36-38: inline OpenPGP.
    m = message(36, "pgp", "署名付きリスト")
    m.set_content(armor_text("青木様\n\n署名付きで一覧を貼り付けます。\n\n", r("36.asc"),
                             "\n営業部\n"), charset="utf-8", cte="8bit")
    save("36-pgp-inline-signed.eml", m, "b36")

    f = customer("C0007")
    m = message(37, "pgp", "ご連絡")
    m.set_content(armor_text(
        "青木様\n\n%s様（%s）の件は本日対応済みです。\n残りの一覧は暗号化して以下に貼ります。\n\n"
        % (f[1], f[4]), r("37.asc"),
        "\n復号できない場合はお電話ください。\n営業部\n"),
        charset="utf-8", cte="quoted-printable")
    save("37-pgp-inline-encrypted.eml", m, "b37")

    m = message(38, "pgp", "署名付きファイル")
    m.set_content("青木様\n\n署名付きのファイルを添付します。\n", charset="utf-8", cte="8bit")
    attach(m, r("customers.csv.gpg"), "application/octet-stream", "customers.csv.gpg")
    save("38-pgp-binary-signed.eml", m, "b38")

    # 39: uuencode.
    m = message(39, "uu", "顧客データ")
    m.set_content("青木様\n\n古いシステム向けに uuencode で貼ります。\n\n"
                  + r("39.uue").decode("ascii") + "\nよろしくお願いします。\n",
                  charset="utf-8", cte="8bit")
    m.make_mixed()
    m.attach(raw_part([
        ("Content-Type", 'text/csv; name="list.csv"'),
        ("Content-Disposition", 'attachment; filename="list.csv"'),
        ("Content-Transfer-Encoding", "x-uuencode"),
    ], r("39b.uue").decode("ascii")))
    save("39-uuencode.eml", m, "b39")

    # 40-42: types and charsets that lie.
    m = message(40, "lies", "ファイル送付")
    m.set_content("青木様\n\nファイルを3点お送りします。\n", charset="utf-8", cte="8bit")
    attach(m, r("rows40-dat.csv"), "application/octet-stream", "customers.dat")
    attach(m, r("rows40-jpg.csv"), "image/jpeg", "photo.jpg")
    m.attach(raw_part([
        ("Content-Disposition", 'attachment; filename="list"'),
        ("Content-Transfer-Encoding", "base64"),
    ], b64lines(r("rows40-none.csv")) + "\n"))
    save("40-lie-csv-types.eml", m, "b40")

    m = message(41, "lies", "顧客一覧（Excel出力）")
    m.set_content("青木様\n\nExcel から出力した一覧です。\n", charset="utf-8", cte="8bit")
    attach(m, r("41-sjis.csv"), "application/octet-stream", "customers.csv")
    attach(m, r("41-utf16le.txt"), "text/plain", "customers.txt")
    save("41-lie-sjis-utf16.eml", m, "b41")

    m = message(42, "lies", "転送します")
    m.set_content("青木様\n\n取引先からのメールと連絡先を転送します。\n", charset="utf-8", cte="8bit")
    attach(m, r("42-fwd.eml"), "application/octet-stream", "fwd.eml")
    attach(m, r("42-contacts.vcf"), "application/octet-stream", "contacts.vcf")
    save("42-lie-eml-vcard.eml", m, "b42")

    # 43-45: media.
    m = message(43, "media", "写真と地図")
    m.set_content("青木様\n\n地図と写真を添付します。\n", charset="utf-8", cte="8bit")
    attach(m, r("43.png"), "image/png", "map.png")
    attach(m, r("43.jpg"), "image/jpeg", "photo.jpg")
    save("43-media-metadata.eml", m, "b43")

    m = message(44, "media", "写真")
    m.set_content("青木様\n\n写真を2枚添付します。\n", charset="utf-8", cte="8bit")
    attach(m, r("44.jpg"), "image/jpeg", "photo.jpg")
    attach(m, r("44.png"), "image/png", "chart.png")
    save("44-media-appended.eml", m, "b44")

    m = message(45, "media", "ロゴ画像")
    m.set_content("青木様\n\nロゴ画像を添付します。\n", charset="utf-8", cte="8bit")
    attach(m, r("45.png"), "image/png", "logo.png")
    attach(m, r("45.jpg"), "image/jpeg", "banner.jpg")
    save("45-media-clean.eml", m, "b45")

    # 46-47: binary.
    m = message(46, "binary", "バックアップ")
    m.set_content("青木様\n\nデータベースのバックアップです。\n", charset="utf-8", cte="8bit")
    attach(m, r("backup.db"), "application/octet-stream", "backup.db")
    save("46-sqlite.eml", m, "b46")

    m = message(47, "binary", "ツールとダンプ")
    m.set_content("Aoki-san,\n\nThe export tool and a memory dump are attached.\n",
                  charset="utf-8", cte="8bit")
    attach(m, r("export-tool"), "application/octet-stream", "export-tool")
    attach(m, r("dump.bin"), "application/octet-stream", "dump.bin")
    save("47-binary-elf-dump.eml", m, "b47")

    # 48: rows in header fields: a raw UTF-8 X- field (RFC 6532 style), an
    # ASCII X- field, Comments in UTF-8 B words, Keywords in ISO-2022-JP B
    # words, a part's Content-Description in UTF-8 Q words.
    f2, f20, f3, f4, f5 = (customer(c) for c in ("C0002", "C0020", "C0003", "C0004", "C0005"))
    write("48-header-fields.eml", head(48, "headers", "定例報告") + "\n".join([
        "X-Customer-Row: " + ",".join(f2),
        "X-Export-Note: last row " + ",".join(f20),
        "Comments: " + word("担当 %s %s" % (f3[1], f3[4])),
        "Keywords: =?ISO-2022-JP?B?%s?=, %s"
        % (base64.b64encode(nkf(["-j", "-W"], f4[1])).decode("ascii"), f4[3]),
        'Content-Type: multipart/mixed; boundary="b48"',
        "",
        "--b48",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "青木様",
        "",
        "定例の報告書を添付します。",
        "--b48",
        'Content-Type: text/plain; charset=utf-8; name="report.txt"',
        "Content-Description: =?UTF-8?Q?%s?=" % q_word("報告書 %s %s" % (f5[1], f5[4])),
        'Content-Disposition: attachment; filename="report.txt"',
        "Content-Transfer-Encoding: base64",
        "",
        b64lines("今月の対応件数は12件でした。\r\n".encode("utf-8")),
        "--b48--",
    ]))

    # 49-50: HTML.
    f6, f7, f8, f9, f10 = (customer(c) for c in ("C0006", "C0007", "C0008", "C0009", "C0010"))
    pct = "".join("%%%02X" % b for b in f10[3].encode("ascii"))
    html = "\n".join([
        "<!DOCTYPE html>",
        "<html><head><meta charset=\"utf-8\"><title>ご案内</title>",
        "<script>var last = {\"id\": \"%s\", \"name\": \"%s\", \"mail\": \"%s\"};</script>"
        % (f9[0], f9[1], f9[3]),
        "</head><body>",
        "<!-- 対象: %s %s %s -->" % (f6[1], f6[3], f6[4]),
        "<p>青木様</p>",
        "<p>いつもお世話になっております。</p>",
        "<p><img src=\"cid:photo\" alt=\"%s %s\" width=\"1\" height=\"1\"></p>" % (f7[1], f7[4]),
        "<p><span title=\"%s %s\">担当者</span>までご連絡ください。</p>" % (f8[1], f8[3]),
        "<p>お問い合わせは<a href=\"mailto:%s\">こちら</a>へ。</p>" % pct,
        "</body></html>",
    ])
    m = message(49, "html", "ご案内")
    m.set_content(html + "\n", subtype="html", charset="utf-8", cte="quoted-printable")
    save("49-html-hidden.eml", m, "b49")

    f1, f12, f13 = customer("C0001"), customer("C0012"), customer("C0013")
    srcdoc = ("&lt;p&gt;%s &lt;b&gt;%s&lt;/b&gt;&lt;/p&gt;" % (f13[1], f13[3]))
    l1, g1 = f1[1].split(" ")
    p1 = f1[4].split("-")
    html = "\n".join([
        "<html><body>",
        "<p>青木様</p>",
        "<p>ご担当: <b>%s</b><span>%s</span> 様（<span>%s</span>-<span>%s</span>-%s）</p>"
        % (l1, g1, p1[0], p1[1], p1[2]),
        "<!-->%s %s<!-- 以上 -->" % (f12[1], f12[4]),
        "<iframe srcdoc=\"%s\" width=\"0\" height=\"0\"></iframe>" % srcdoc,
        "<p>よろしくお願いします。</p>",
        "</body></html>",
    ])
    m = message(50, "html", "担当者のご案内")
    m.set_content(html + "\n", subtype="html", charset="utf-8", cte="base64")
    save("50-html-split.eml", m, "b50")

    # 51: message/partial, fragment 1 of 2 (RFC 2046 section 5.2.2): the
    # first half of a message whose text lists two customers.
    inner = head(0, "whole", "顧客一覧").replace("Message-ID: <0-whole@corp.example>",
                                                 "Message-ID: <51-whole@corp.example>")
    rows51 = csv_rows("C0014", "C0015").replace("\r\n", "\n")
    whole = inner + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" \
        + "青木様\n\n一覧です。\n\n" + rows51 + "\n" \
        + "".join("備考 %d: 特記事項なし。\n" % i for i in range(1, 21)) + "\n営業部\n"
    lines = whole.split("\n")
    # The first fragment ends a few lines after the rows, mid-body, as a
    # mailer that splits by size would cut it.
    cut = next(i for i, l in enumerate(lines) if l.startswith("備考 5:"))
    write("51-message-partial.eml", head(51, "partial", "顧客一覧 (1/2)") + "\n".join([
        'Content-Type: message/partial; id="<51-whole@corp.example>"; number=1; total=2',
        "",
        "\n".join(lines[:cut]),
    ]))

    # 52: message/external-body (RFC 2046 section 5.2.3): the content is
    # named by URL, and the body, which leaves with the mail, holds rows.
    rows52 = csv_rows("C0016", "C0017").replace("\r\n", "\n")
    write("52-message-external-body.eml", head(52, "external", "共有リンク") + "\n".join([
        'Content-Type: multipart/mixed; boundary="b52"',
        "",
        "--b52",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "青木様",
        "",
        "一覧は共有サーバーに置きました。",
        "--b52",
        'Content-Type: message/external-body; access-type=URL;',
        ' URL="https://files.example/share/customers.csv"',
        "",
        "Content-Type: text/csv; charset=utf-8",
        'Content-Disposition: attachment; filename="customers.csv"',
        "",
        rows52.rstrip("\n"),
        "--b52--",
    ]))

    # 53: invisible characters in values (zero-width space, soft hyphen,
    # zero-width (non-)joiner, VS16 between kanji) and a UTF-7 body.
    f25, f9, f8 = customer("C0025"), customer("C0009"), customer("C0008")
    zw = "\u200b"
    shy = "\u00ad"
    text = "\n".join([
        "青木様",
        "",
        "%s, %s" % (f25[1].replace("Wilson", "Wil" + shy + "son"),
                    f25[3].replace("wilson", "wil" + zw + "son")),
        "%s <%s>" % ("\ufe0f".join(f9[1].replace(" ", "")) ,
                     f9[3].replace("kobayashi", "koba" + shy + "yashi")),
        "%s %s" % (f8[1].replace("中村", "中" + zw + "村").replace("陽子", "陽\u200c子"),
                   f8[2].replace("ヨウコ", "ヨウ\u200dコ")),
        "",
    ])
    m = message(53, "text", "連絡先の確認")
    m.set_content(text, charset="utf-8", cte="quoted-printable")
    m.make_mixed()
    m.attach(raw_part([
        ("Content-Type", "text/plain; charset=utf-7"),
        ("Content-Transfer-Encoding", "7bit"),
    ], r("53-utf7.txt").decode("ascii")))
    save("53-text-invisible-utf7.eml", m, "b53")

    # 54: precision negatives: customers' addresses inside longer ones, and
    # customers' Latin names made of words across a sentence end, a
    # semicolon and a comma.
    text = "\n".join([
        "Hello,",
        "",
        "For the reunion, please write to mary.taro.yamada@example.jp or to",
        "old-kenta.tanaka@example.jp; the archive copy goes to",
        "misaki.takahashi@example.jp.example and the club list to",
        "mary.ann.lee@example.com.",
        "",
        "We thanked Oliver. Brown rice was served at lunch.",
        "The rota says John; Smith & Co. take the late shift.",
        "Alkali metals such as Li, Na and K react with water.",
        "",
        "Regards,",
        "Sales",
        "",
    ])
    m = message(54, "negatives", "Reunion notes", to="Club <club@partner.example>")
    m.set_content(text, charset="utf-8", cte="7bit")
    save("54-precision-negatives.eml", m, "b54")


def q_word(text):
    """The encoded text of one RFC 2047 Q word (UTF-8)."""
    out = []
    for b in text.encode("utf-8"):
        c = chr(b)
        if c == " ":
            out.append("_")
        elif c.isascii() and c.isalnum():
            out.append(c)
        else:
            out.append("=%02X" % b)
    return "".join(out)


def check(w):
    """Takes the signed part and the signature out of 35 as a verifier
    would (RFC 3156: the part's bytes up to the CRLF before the boundary),
    for make_dispositions.sh to check with gpg --verify."""
    data = Path("35-pgpmime-signed.eml").read_bytes()
    pieces = data.split(b"\r\n--sig35")
    (w / "check35.part").write_bytes(pieces[1][len(b"\r\n"):])
    (w / "check35.sig").write_bytes(pieces[2].split(b"\r\n\r\n", 1)[1])


if __name__ == "__main__":
    steps = {"parts": parts, "mail": mail, "check": check}
    if len(sys.argv) != 3 or sys.argv[1] not in steps:
        sys.exit("usage: make_dispositions.py parts|mail|check DIR (run make_dispositions.sh)")
    steps[sys.argv[1]](Path(sys.argv[2]))
