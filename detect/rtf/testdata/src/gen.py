#!/usr/bin/env python3
"""Regenerates the RTF fixtures of detect/rtf/testdata.

Run from this directory:  python3 gen.py
Needs LibreOffice (soffice) for 01 and for the .xls embedded in 03:
  soffice --headless --convert-to rtf --outdir .. 01-libreoffice.fodt
  soffice --headless --infilter=CSV:44,34,76,1 --convert-to xls --outdir TMP customers.csv
The others are written by hand here, to the RTF 1.9.1 spec (02, as Word
writes Japanese: \\ansicpg932, \\fcharset128 fonts, \\'xx pairs), to
MS-OLEDS 2.2.4 (03: OLE1 ObjectHeader + EmbeddedObject in \\objdata)
and to MS-OXRTFEX (04: \\fromhtml1 encapsulated HTML).
Then regenerate the goldens: go test ./detect/rtf/ -run TestGolden -update
"""
import os, shutil, struct, subprocess, tempfile

OUT = os.path.abspath("..")


def soffice(args):
    subprocess.run(["soffice", "--headless"] + args, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def esc_cp932(s):
    """Text as Word writes it in a \\fcharset128 run: ASCII as is,
    everything else as \\'xx escapes of its CP932 bytes, except that a
    trail byte in the ASCII letter range is sometimes written literally."""
    out = []
    for ch in s:
        b = ch.encode("cp932")
        if len(b) == 1 and b[0] < 0x80:
            out.append({"\\": "\\\\", "{": "\\{", "}": "\\}"}.get(ch, ch))
            continue
        if len(b) == 2 and 0x41 <= b[1] <= 0x5A:
            out.append("\\'%02x%s" % (b[0], chr(b[1])))  # literal trail byte
            continue
        out.append("".join("\\'%02x" % x for x in b))
    return "".join(out)


def lpstr(s):
    b = s.encode("ascii") + b"\0"
    return struct.pack("<I", len(b)) + b


def ole1(cls, native):
    # MS-OLEDS 2.2.4 ObjectHeader (OLEVersion, FormatID 2 = embedded,
    # ClassName, TopicName, ItemName) then NativeDataSize and NativeData.
    return (struct.pack("<II", 0x00000501, 2) + lpstr(cls) + lpstr("") + lpstr("")
            + struct.pack("<I", len(native)) + native)


def package(name, data):
    # OLE Packager native data: header 2, label, original path, type
    # 0x00030000, temporary path, data size and data.
    tmp = ("C:\\Users\\taro\\AppData\\Local\\Temp\\" + name).encode("ascii") + b"\0"
    return (struct.pack("<H", 2) + name.encode("ascii") + b"\0"
            + ("C:\\Users\\taro\\Desktop\\" + name).encode("ascii") + b"\0"
            + struct.pack("<I", 0x00030000) + struct.pack("<I", len(tmp)) + tmp
            + struct.pack("<I", len(data)) + data)


def hexlines(b):
    h = b.hex()
    return "\n".join(h[i:i + 128] for i in range(0, len(h), 128))


def main():
    soffice(["--convert-to", "rtf", "--outdir", OUT, "01-libreoffice.fodt"])

    word = (
        "{\\rtf1\\ansi\\ansicpg932\\uc2\\deff0\\deflang1033\\deflangfe1041"
        "{\\fonttbl{\\f0\\froman\\fcharset0\\fprq2 Times New Roman;}"
        "{\\f1\\fmodern\\fcharset128\\fprq1{\\*\\panose 02020609040205080304}" + esc_cp932("ＭＳ 明朝") + ";}"
        "{\\f2\\fswiss\\fcharset134\\fprq2 SimSun;}{\\f3\\fswiss\\fcharset204 Arial Cyr;}}\n"
        "{\\colortbl;\\red0\\green0\\blue0;}\n"
        "{\\info{\\title " + esc_cp932("顧客名簿") + "}{\\author " + esc_cp932("山田 太郎") + "}"
        "{\\operator taro}{\\*\\company " + esc_cp932("株式会社サンプル") + "}"
        "{\\creatim\\yr2026\\mo12\\dy1\\hr9\\min0}}\n"
        "\\pard\\plain\\f1\\fs21\\loch\\af0\\hich\\af0\\dbch\\f1 " + esc_cp932("ご担当：山田 太郎（営業部）") + "\\par\n"
        "\\loch\\f0 Phone \\hich\\f1 " + esc_cp932("電話") + "\\loch\\f0 : 03-1234-5678\\par\n"
        # A double-byte character whose two escapes are split over a
        # line break, as long lines are wrapped.
        + "\\f1 " + esc_cp932("表計算ソフト").replace("\\'95\\'5c", "\\'95\n\\'5c") + "\\par\n"
        # Unicode with a two-byte fallback (\uc2), as Word writes it.
        "\\f1 \\u21513\\'8b\\'67\\u30000\\'93\\'63 " + esc_cp932("一郎") + " 090-9876-5432\\par\n"
        "{\\f2 \\'d6\\'d0\\'ce\\'c4}{\\f3  \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2}\\par\n"
        "\\trowd\\cellx2000\\cellx4000\\cellx8000\\pard\\intbl\\f1 " + esc_cp932("山田 太郎") + "\\cell 03-1234-5678\\cell taro.yamada@example.jp\\cell\\row\n"
        "\\pard\\plain{\\field{\\*\\fldinst {HYPERLINK \"mailto:hanako@example.jp\" \\\\o \"mail\"}}{\\fldrslt {\\f1 " + esc_cp932("花子さん") + "}}}"
        " {\\v hidden 4111-1111-1111-1111}\\par\n"
        "{\\pict\\pngblip\\picw10\\pich10 89504e470d0a1a0a0000000d49484452}"
        "{\\*\\bkmkstart secret}x{\\*\\bkmkend secret}\\bin4 {}\\x\\par\n"
        "{\\footer \\pard\\plain\\f1 " + esc_cp932("社外秘") + "\\par}\n"
        "}\n")
    with open(os.path.join(OUT, "02-word-cp932.rtf"), "w", encoding="latin-1") as f:
        f.write(word)

    tmp = tempfile.mkdtemp()
    try:
        soffice(["--infilter=CSV:44,34,76,1", "--convert-to", "xls", "--outdir", tmp, "customers.csv"])
        with open(os.path.join(tmp, "customers.xls"), "rb") as f:
            xls = f.read()
    finally:
        shutil.rmtree(tmp)
    note = "山田 太郎,03-1234-5678,taro.yamada@example.jp\r\n".encode("utf-8")
    objects = (
        "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Arial;}}\n"
        "\\pard Sheet follows:\\par\n"
        "{\\object\\objemb\\objw2000\\objh1000{\\*\\objclass Excel.Sheet.8}{\\*\\objdata\n"
        + hexlines(ole1("Excel.Sheet.8", xls)) + "\n}"
        "{\\result {\\pict\\wmetafile8 0100090000}}}\\par\n"
        "A packaged file:\\par\n"
        "{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata "
        + hexlines(ole1("Package", package("list.csv", note))) + "}}\\par\n"
        "{\\object\\objlink{\\*\\objclass Word.Document.8}{\\*\\objdata "
        + hexlines(struct.pack("<II", 0x501, 1) + lpstr("Word.Document.8") + lpstr("C:\\x.doc") + lpstr("")) + "}}\n"
        "}\n")
    with open(os.path.join(OUT, "03-objects.rtf"), "w", encoding="ascii") as f:
        f.write(objects)

    # MS-OXRTFEX: HTML encapsulated as Outlook stores it.
    html = (
        "{\\rtf1\\ansi\\ansicpg932\\fromhtml1 \\fbidis \\deff0"
        "{\\fonttbl{\\f0\\fswiss\\fcharset128 MS PGothic;}{\\f1\\fmodern Courier New;}"
        "{\\f2\\fnil\\fcharset2 Symbol;}{\\f3\\fmodern\\fcharset0 Courier New;}}\n"
        "{\\colortbl\\red0\\green0\\blue0;\\red0\\green0\\blue255;}\n"
        "\\uc1\\pard\\plain\\deftab360 \\f0\\fs24 \n"
        "{\\*\\htmltag19 <html>}\n"
        "{\\*\\htmltag34 <head>}\n"
        "{\\*\\htmltag17 <meta http-equiv=\"Content-Type\" content=\"text/html; charset=shift_jis\">}\n"
        "{\\*\\htmltag41 <style>p \\{ margin: 0 \\}</style>}\n"
        "{\\*\\htmltag2 \\par }\n"
        "{\\*\\htmltag41 </head>}\n"
        "{\\*\\htmltag50 <body>}\\htmlrtf \\lang1041 \\htmlrtf0 \n"
        "{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 " + esc_cp932("山田様") + "\n"
        "{\\*\\htmltag84 &nbsp;}\\htmlrtf \\'81\\'40\\htmlrtf0 03-1234-5678"
        "{\\*\\htmltag148 <br>}\\htmlrtf \\line\n\\htmlrtf0 "
        "{\\*\\htmltag84 <a href=\"mailto:taro.yamada@example.jp\">}\\htmlrtf {\\field{\\*\\fldinst{HYPERLINK \"mailto:taro.yamada@example.jp\"}}{\\fldrslt\\cf1\\ul \\htmlrtf0 "
        "taro.yamada@example.jp\\htmlrtf }\\htmlrtf0 \\htmlrtf }\\htmlrtf0 {\\*\\htmltag92 </a>}"
        "\\htmlrtf \\par\n}\\htmlrtf0 {\\*\\htmltag72 </p>}\n"
        "{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 RTF-only text follows\\htmlrtf  SKIPPED\\htmlrtf0 .\\uc2\\u8212\\'81\\'5c\\uc1  done"
        "{\\*\\htmltag244 <o:p>}{\\*\\htmltag252 </o:p>}\\htmlrtf \\par\n}\\htmlrtf0 {\\*\\htmltag72 </p>}\n"
        "{\\*\\mhtmltag84 <img src=\"cid:image001.png@01D\">}{\\*\\htmltag84 <img src=\"image001.png\">}\n"
        "{\\*\\htmltag58 </body>}\n"
        "{\\*\\htmltag27 </html>}}\n")
    with open(os.path.join(OUT, "04-fromhtml.rtf"), "w", encoding="latin-1") as f:
        f.write(html)

    with open(os.path.join(OUT, "01-libreoffice.rtf"), "rb") as f:
        lo = f.read()
    with open(os.path.join(OUT, "05-truncated.rtf"), "wb") as f:
        f.write(lo[: len(lo) * 2 // 3])
    with open(os.path.join(OUT, "06-urtf.rtf"), "wb") as f:
        f.write(b"{\\urtf1\\ansi{\\fonttbl{\\f0 Arial;}}Hello}\n")


if __name__ == "__main__":
    main()
