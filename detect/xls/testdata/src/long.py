#!/usr/bin/env python3
"""Writes long.fods: 150 rows of unique strings, Japanese (UTF-16 in the
SST) and ASCII (compressed), long enough that LibreOffice's SST runs over
several CONTINUE records and splits strings across them. The rows are
also checked by TestLongLibreOffice, which rebuilds them the same way."""
rows = []
for i in range(150):
    ja = f"顧客{i:03d} 山田 太郎 東京都千代田区丸の内{i}-2-3 電話03-1234-{i:04d}"
    en = f"customer{i:03d} taro.yamada{i}@example.jp +81-3-1234-{i:04d} account"
    rows.append(
        "<table:table-row>"
        f'<table:table-cell office:value-type="string"><text:p>{ja}</text:p></table:table-cell>'
        f'<table:table-cell office:value-type="string"><text:p>{en}</text:p></table:table-cell>'
        f'<table:table-cell office:value-type="float" office:value="{312345000 + i}"><text:p>{312345000 + i}</text:p></table:table-cell>'
        "</table:table-row>")
doc = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:body><office:spreadsheet><table:table table:name="Long">
{"".join(rows)}
</table:table></office:spreadsheet></office:body></office:document>
"""
open("long.fods", "w", encoding="utf-8").write(doc)
