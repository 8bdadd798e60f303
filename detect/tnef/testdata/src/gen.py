#!/usr/bin/env python3
"""Writes the TNEF fixtures of detect/tnef/testdata by hand, to [MS-OXTNEF].

Nothing on this machine writes TNEF, so the streams are assembled here from
the spec: the signature and key, attributes (level, ID, length, data,
checksum) and MAPI property lists. Debian's tnef(1) checks them:

    python3 testdata/src/gen.py            # from detect/tnef
    tnef --list -f testdata/01-simple.tnef
    tnef -f testdata/02-japanese.tnef -C /tmp/out --save-body

TestTnefTool (tnef_tool_test.go) runs tnef(1) on every fixture and checks
that Read finds the same attachments.
"""
import io
import os
import struct
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

u16 = lambda v: struct.pack("<H", v)
u32 = lambda v: struct.pack("<I", v)

LVL_MSG, LVL_ATT = 1, 2

# Attribute IDs, type in the high word ([MS-OXTNEF] 2.1.3.2).
attFrom = 0x00008000
attSubject = 0x00018004
attMessageID = 0x00018009
attBody = 0x0002800C
attMessageClass = 0x00078008
attAttachData = 0x0006800F
attAttachTitle = 0x00018010
attAttachRenddata = 0x00069002
attMsgProps = 0x00069003
attRecipTable = 0x00069004
attAttachment = 0x00069005
attTnefVersion = 0x00089006
attOemCodepage = 0x00069007

PT_LONG, PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT = 0x0003, 0x001E, 0x001F, 0x0102, 0x000D
MV = 0x1000
PS_PUBLIC_STRINGS = bytes.fromhex("2908020000000000C000000000000046")
IID_IMESSAGE = bytes.fromhex("0703020000000000C000000000000046")


def attr(level, aid, data):
    return bytes([level]) + u32(aid) + u32(len(data)) + data + u16(sum(data) & 0xFFFF)


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def value(ptype, v):
    """One value of base type ptype, as it is stored after the property tag."""
    if ptype == PT_LONG:
        return u32(v)
    if ptype == PT_STRING8:
        b = v + b"\0"
    elif ptype == PT_UNICODE:
        b = v.encode("utf-16-le") + b"\0\0"
    elif ptype == PT_OBJECT:
        b = v  # IID included
    else:
        b = v
    return u32(len(b)) + pad(b)


def prop(ptype, pid, v, name=None):
    """A property: tag, [named-property header], [count], value(s)."""
    out = u16(ptype) + u16(pid)
    if pid >= 0x8000:
        nm = name.encode("utf-16-le") + b"\0\0"
        out += PS_PUBLIC_STRINGS + u32(1) + u32(len(nm)) + pad(nm)
    base = ptype & ~MV
    if ptype & MV:
        out += u32(len(v))
        for x in v:
            out += value(base, x)
    elif base in (PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT):
        out += u32(1) + value(base, v)
    else:
        out += value(base, v)
    return out


def proplist(props):
    return u32(len(props)) + b"".join(props)


def rendddata():
    # atyp (1 = file), ulPosition, dxWidth, dyHeight, dwFlags.
    return u16(1) + u32(0xFFFFFFFF) + u16(0) + u16(0) + u32(0)


def trp(name, addr):
    n, a = name + b"\0", addr + b"\0"
    body = u16(0x0004) + u16(len(n) + len(a) + 8) + u16(len(n)) + u16(len(a)) + n + a
    return body + b"\0" * 8  # the TRP ends with an empty TRP


def tnef(attrs, key=0x1234):
    return u32(0x223E9F78) + u16(key) + b"".join(attrs)


# --- compressed RTF ([MS-OXRTFCP]), the compressor of 2.2.3 -----------------

INIT = (b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman "
        b"\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes "
        b"New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
        b"\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx")


def crc32(data):
    crc = 0
    for b in data:
        c = (crc ^ b) & 0xFF
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        crc = c ^ (crc >> 8)
    return crc


def lzfu(data):
    d = bytearray(4096)
    d[: len(INIT)] = INIT
    w, filled = len(INIT), len(INIT)
    out, run, ctl, bit, i = bytearray(), bytearray(), 0, 0, 0
    while True:
        if i == len(data):
            ctl |= 1 << bit
            run += bytes([w >> 4, (w << 4) & 0xFF])
            out += bytes([ctl]) + run
            break
        best, blen = 0, 0
        for off in range(filled):
            if off == w:
                continue
            n = 0
            while n < 17 and i + n < len(data):
                pos = (off + n) % 4096
                dist = (pos - w) % 4096
                b = data[i + dist] if dist < n else d[pos]
                if b != data[i + n]:
                    break
                n += 1
            if n > blen:
                best, blen = off, n
        if blen >= 2:
            ctl |= 1 << bit
            ref = best << 4 | (blen - 2)
            run += bytes([ref >> 8, ref & 0xFF])
            step = data[i : i + blen]
        else:
            run.append(data[i])
            step = data[i : i + 1]
        for b in step:
            d[w] = b
            w = (w + 1) % 4096
            filled = min(filled + 1, 4096)
        i += len(step)
        bit += 1
        if bit == 8:
            out += bytes([ctl]) + run
            run, ctl, bit = bytearray(), 0, 0
    return u32(len(out) + 12) + u32(len(data)) + b"LZFu" + u32(crc32(out)) + bytes(out)


# --- the fixtures -----------------------------------------------------------

CSV_EN = (b"name,phone,email\r\n"
          b"Taro Yamada,03-1234-5678,taro.yamada@example.jp\r\n"
          b"Hanako Suzuki,06-2345-6789,hanako.suzuki@example.jp\r\n")
CSV_JA = ("氏名,電話,メール\r\n"
          "山田 太郎,03-1234-5678,taro.yamada@example.jp\r\n"
          "鈴木 花子,06-2345-6789,hanako.suzuki@example.jp\r\n").encode("cp932")


def xlsx():
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        # Fixed timestamps keep the bytes reproducible.
        for name, text in [
            ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
            ("xl/sharedStrings.xml", "<sst><si><t>Taro Yamada 03-1234-5678</t></si></sst>"),
        ]:
            z.writestr(zipfile.ZipInfo(name, (2026, 12, 1, 0, 0, 0)), text, zipfile.ZIP_DEFLATED)
    return b.getvalue()


def attachment(title, data, props):
    return [
        attr(LVL_ATT, attAttachRenddata, rendddata()),
        attr(LVL_ATT, attAttachTitle, title + b"\0"),
        attr(LVL_ATT, attAttachData, data),
        attr(LVL_ATT, attAttachment, proplist(props)),
    ]


def simple():
    a = [
        attr(LVL_MSG, attTnefVersion, u32(0x00010000)),
        attr(LVL_MSG, attOemCodepage, u32(1252) + u32(0)),
        attr(LVL_MSG, attMessageClass, b"IPM.Note\0"),
        attr(LVL_MSG, attFrom, trp(b"Taro Yamada", b"SMTP:taro.yamada@example.jp")),
        attr(LVL_MSG, attSubject, b"Customer list for Q4\0"),
        attr(LVL_MSG, attMessageID, b"00000000DEADBEEF\0"),
        attr(LVL_MSG, attBody, b"Hello,\r\nthe list is attached. Call Taro at 03-1234-5678.\r\n\0"),
    ]
    a += attachment(b"CUSTOM~1.CSV", CSV_EN, [
        prop(PT_STRING8, 0x3707, b"customers.csv"),
        prop(PT_STRING8, 0x370E, b"text/csv"),
        prop(PT_LONG, 0x3705, 1),  # PR_ATTACH_METHOD: by value
    ])
    a += attachment(b"REPORT~1.XLS", xlsx(), [
        prop(PT_STRING8, 0x3707, b"report.xlsx"),
        prop(PT_LONG, 0x3705, 1),
    ])
    return tnef(a)


def japanese():
    html = ("<html><head><meta charset=\"shift_jis\"></head><body><p>山田 太郎 様<br>"
            "03-1234-5678</p></body></html>").encode("cp932")
    rtf = (b"{\\rtf1\\ansi\\ansicpg932\\deff0{\\fonttbl{\\f0\\fnil MS Gothic;}}"
           b"\\pard \\'8e\\'52\\'93\\'63 \\'91\\'be\\'98\\'59 03-1234-5678 taro.yamada@example.jp\\par }")
    msgprops = proplist([
        prop(PT_UNICODE, 0x0037, "顧客リストの件"),                       # PR_SUBJECT_W
        prop(PT_UNICODE, 0x0E04, "鈴木 花子"),                            # PR_DISPLAY_TO_W
        prop(PT_UNICODE, 0x0C1A, "山田 太郎"),                            # PR_SENDER_NAME_W
        prop(PT_UNICODE, 0x0C1F, "taro.yamada@example.jp"),              # PR_SENDER_EMAIL_ADDRESS_W
        prop(PT_UNICODE, 0x1000, "お世話になっております。\r\n山田 太郎,03-1234-5678,taro.yamada@example.jp\r\n"),
        prop(PT_BINARY, 0x1013, html),                                   # PR_HTML
        prop(PT_BINARY, 0x1009, lzfu(rtf)),                              # PR_RTF_COMPRESSED
        prop(PT_LONG, 0x3FDE, 932),                                      # PR_INTERNET_CPID
        prop(PT_STRING8, 0x0070, "顧客リスト".encode("cp932")),          # PR_CONVERSATION_TOPIC (CP932)
        prop(PT_UNICODE | MV, 0x8001, ["会員番号 A-1029", "電話 090-1111-2222"], name="Keywords"),
    ])
    recips = u32(2) + b"".join(proplist(row) for row in [
        [prop(PT_UNICODE, 0x3001, "鈴木 花子"), prop(PT_STRING8, 0x3003, b"hanako.suzuki@example.jp"),
         prop(PT_LONG, 0x0C15, 1)],
        [prop(PT_UNICODE, 0x3001, "佐藤 次郎"), prop(PT_STRING8, 0x3003, b"jiro.sato@example.jp"),
         prop(PT_LONG, 0x0C15, 2)],
    ])
    a = [
        attr(LVL_MSG, attTnefVersion, u32(0x00010000)),
        attr(LVL_MSG, attOemCodepage, u32(932) + u32(0)),
        attr(LVL_MSG, attMessageClass, b"IPM.Note\0"),
        attr(LVL_MSG, attSubject, "顧客リストの件".encode("cp932") + b"\0"),
        attr(LVL_MSG, attBody, "山田 太郎,03-1234-5678,taro.yamada@example.jp\r\n".encode("cp932") + b"\0"),
        attr(LVL_MSG, attRecipTable, recips),
        attr(LVL_MSG, attMsgProps, msgprops),
    ]
    a += attachment("顧客一覧.csv".encode("cp932"), CSV_JA, [
        prop(PT_UNICODE, 0x3707, "顧客一覧.csv"),
        prop(PT_UNICODE, 0x370E, "text/csv"),
        prop(PT_LONG, 0x3705, 1),
    ])
    return tnef(a)


def embedded():
    inner = tnef([
        attr(LVL_MSG, attTnefVersion, u32(0x00010000)),
        attr(LVL_MSG, attOemCodepage, u32(1252) + u32(0)),
        attr(LVL_MSG, attSubject, b"Forwarded: customer\0"),
        attr(LVL_MSG, attBody, b"Hanako Suzuki 06-2345-6789\r\n\0"),
    ])
    a = [
        attr(LVL_MSG, attTnefVersion, u32(0x00010000)),
        attr(LVL_MSG, attOemCodepage, u32(1252) + u32(0)),
        attr(LVL_MSG, attSubject, b"FW: customer\0"),
        attr(LVL_ATT, attAttachRenddata, rendddata()),
        attr(LVL_ATT, attAttachment, proplist([
            prop(PT_STRING8, 0x3001, b"Forwarded: customer"),  # PR_DISPLAY_NAME
            prop(PT_LONG, 0x3705, 5),                          # PR_ATTACH_METHOD: embedded message
            prop(PT_OBJECT, 0x3701, IID_IMESSAGE + inner),     # PR_ATTACH_DATA_OBJ
        ])),
    ]
    return tnef(a)


for name, data in [("01-simple", simple()), ("02-japanese", japanese()), ("03-embedded", embedded())]:
    with open(os.path.join(OUT, name + ".tnef"), "wb") as f:
        f.write(data)
