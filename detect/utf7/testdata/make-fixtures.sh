#!/bin/sh
# Remakes the UTF-7 fixtures. Needs python3 (any 3.x) and glibc's iconv
# (Debian: libc-bin). Run from this directory: sh make-fixtures.sh
#
#   strings.txt  random strings, one a line, UTF-8 (made by the Python
#                below with a fixed seed: ASCII with "+", "-", "~" and "\",
#                Latin-1, Greek, kana, half-width kana, Han, full-width
#                forms, emoji and CJK extension B outside the BMP)
#   python.tsv   <Python's str.encode('utf-7')> TAB <the string>
#   iconv.tsv    <iconv -f UTF-8 -t UTF-7 of the line> TAB <the string>
#
# The tests decode the first column and compare it with the second; they
# never run the tools.
set -eu
python3 - <<'PY'
import random
rnd = random.Random(2152)
pools = [
    "abcXYZ019 '(),-./:?",
    "+-~\\!\"#$%&*;<=>@[]^_`{|}",
    "éü£ßÅ",
    "ΑΒΓαβγ≢",
    "あいうアイウ",
    "ｱｲｳﾀﾞ",
    "山田太郎日本語株式会社",
    "ＡＢＣ０１２　",
    "\U0001F600\U0001F4E7\U0002000B\U00020B9F",
]
with open("strings.txt", "w", encoding="utf-8", newline="\n") as f:
    for i in range(80):
        n = rnd.randrange(0, 16)
        s = "".join(rnd.choice(rnd.choice(pools)) for _ in range(n))
        f.write(s + "\n")
with open("strings.txt", encoding="utf-8", newline="\n") as f, \
     open("python.tsv", "w", encoding="utf-8", newline="\n") as out:
    for s in f.read().split("\n")[:-1]:
        out.write(s.encode("utf-7").decode("ascii") + "\t" + s + "\n")
PY
# iconv ends a line's run before its newline, so each output line is the
# UTF-7 of one input line.
iconv -f UTF-8 -t UTF-7 strings.txt | paste - strings.txt > iconv.tsv
