#!/bin/sh
# Remakes the media fixtures of this directory with the real tools, from
# Debian: imagemagick, libimage-exiftool-perl, ffmpeg, webp, libheif-examples,
# fonts-dejavu-core, python3-fonttools, python3-brotli.
#   apt-get install -y --no-install-recommends imagemagick libimage-exiftool-perl \
#     ffmpeg webp libheif-examples fonts-dejavu-core python3-fonttools python3-brotli
# Run it from this directory; then `go test ./detect/media -update` rewrites
# the .want.json goldens (read the diff before committing them).
# The people and addresses are made up.
set -eu
CONVERT=/usr/bin/convert
PY=/usr/bin/python3
ET="exiftool -q -overwrite_original"
FF="ffmpeg -hide_banner -loglevel error -y -bitexact"
CSV='name,email
Yamada Taro,taro.yamada@example.jp'
JA='山田太郎 (taro.yamada@example.jp)'

# PNG: tEXt from ImageMagick's comment, zTXt (exiftool -z), iTXt (UTF-8).
$CONVERT -size 8x8 xc:red -set comment "$CSV" png-text.png
$ET -PNG:Author='Émile Zola' png-text.png
$ET -z -PNG:Title='compressed title: hanako@example.jp hanako@example.jp hanako@example.jp hanako@example.jp' png-text.png
$ET -PNG:Description="$JA" png-text.png
# PNG with eXIf and XMP.
$CONVERT -size 8x8 xc:blue png-exif.png
$ET -EXIF:ImageDescription='exif in png' -EXIF:Artist="$JA" -XMP-dc:Description='xmp in png' png-exif.png
# APNG: two frames.
$FF -f lavfi -i testsrc=size=8x8:rate=2 -t 1 -plays 0 -f apng apng.png

# JPEG with COM, EXIF (UserComment, XPComment in UTF-16LE), XMP, IPTC.
$CONVERT -size 16x16 xc:blue -quality 50 jpeg-exif.jpg
$ET -Comment="$CSV" -EXIF:ImageDescription='a description' -EXIF:UserComment="$JA" \
   -EXIF:XPComment="$JA" -EXIF:Artist='Hanako Suzuki' -XMP-dc:Description='xmp description' \
   -IPTC:Caption-Abstract='iptc caption' -IPTC:Keywords='secret' jpeg-exif.jpg
# Progressive JPEG with restart markers.
$CONVERT -size 24x24 gradient:red-blue -interlace Plane -define jpeg:restart-interval=1 -quality 50 jpeg-progressive.jpg

# GIF: a comment, two frames, and XMP (application extension).
$CONVERT -comment "$CSV" -size 8x8 xc:green -size 8x8 xc:red gif-comment.gif
$ET -XMP-dc:Description="$JA" gif-comment.gif

# WebP: lossy with EXIF and XMP taken from the JPEG; lossless.
cwebp -quiet -metadata all jpeg-exif.jpg -o webp-exif.webp
cwebp -quiet -lossless png-exif.png -o webp-lossless.webp

# TIFF, little- and big-endian.
$CONVERT -size 8x8 xc:red -compress none tiff-le.tif
$ET -EXIF:ImageDescription='tiff description' -EXIF:XPComment="$JA" -EXIF:UserComment="$JA" tiff-le.tif
$CONVERT -size 8x8 xc:red -compress lzw -endian MSB tiff-be.tif

# BMP (BITMAPINFOHEADER, and the default V5 header), ICO.
$CONVERT -size 5x3 xc:red bmp3:bmp3.bmp
$CONVERT -size 4x4 xc:red bmp.bmp
$CONVERT -size 16x16 xc:red icon.ico

# HEIC and AVIF from a PNG, with EXIF written by exiftool.
$CONVERT -size 64x64 gradient:red-blue PNG24:heif-src.png # (a flat picture makes heif-enc -A abort)
heif-enc -q 10 heif-src.png -o image.heic >/dev/null
heif-enc -A -q 10 heif-src.png -o image.avif >/dev/null
$ET -EXIF:ImageDescription='heic description' -XMP-dc:Description="$JA" image.heic
$ET -EXIF:ImageDescription='avif description' image.avif
rm -f heif-src.png

# Video: MP4 (iTunes ilst), MOV (QuickTime udta strings), 3GP.
$FF -f lavfi -i testsrc=size=16x16:rate=1 -t 1 -c:v libx264 -preset ultrafast \
   -metadata title="$JA" -metadata comment="$CSV" video.mp4
$FF -f lavfi -i testsrc=size=16x16:rate=1 -t 1 -c:v mjpeg -q:v 20 \
   -metadata title="$JA" -metadata comment='mov comment' video.mov
$FF -f lavfi -i testsrc=size=16x16:rate=1 -t 1 -c:v libx264 -preset ultrafast \
   -metadata title='3gp title' -f 3gp video.3gp
# MOV with QuickTime mdta keys (meta/keys + ilst indexed by key).
$FF -f lavfi -i testsrc=size=16x16:rate=1 -t 1 -c:v mjpeg -q:v 20 -movflags use_metadata_tags \
   -metadata com.example.note="$CSV" -metadata title="$JA" video-mdta.mov
# Audio: M4A (AAC), MP3 (ID3v2.3 with UTF-16, ID3v2.4 with UTF-8, ID3v1), WAV
# (LIST/INFO), AVI (LIST/INFO), Ogg Vorbis, Opus, FLAC.
$FF -f lavfi -i sine=frequency=440:sample_rate=8000:duration=0.2 -c:a aac -b:a 16k \
   -metadata comment="$JA" audio.m4a
$FF -f lavfi -i sine=frequency=440:sample_rate=8000:duration=0.3 -c:a libmp3lame -b:a 8k \
   -id3v2_version 3 -write_id3v1 1 -metadata title="$JA" -metadata comment="$CSV" -metadata artist='Émile' audio-id3v23.mp3
$FF -f lavfi -i sine=frequency=440:sample_rate=8000:duration=0.3 -c:a libmp3lame -b:a 8k \
   -id3v2_version 4 -metadata title="$JA" -metadata comment='v2.4 comment' audio-id3v24.mp3
$FF -f lavfi -i sine=frequency=440:sample_rate=8000:duration=0.3 -c:a libmp3lame -b:a 8k \
   -write_xing 0 -id3v2_version 0 audio-bare.mp3
$FF -f lavfi -i sine=frequency=440:sample_rate=8000:duration=0.05 -c:a pcm_u8 \
   -metadata comment="$CSV" -metadata title="$JA" audio.wav
# lame writes a COMM frame (ffmpeg writes TXXX:comment), in UTF-16.
$FF -f lavfi -i sine=frequency=440:sample_rate=8000:duration=0.3 -c:a pcm_s16le lame-src.wav
lame --quiet -b 8 --id3v2-only --id3v2-utf16 --tt "$JA" --tc "$CSV" lame-src.wav audio-lame.mp3
rm -f lame-src.wav
$FF -f lavfi -i testsrc=size=16x16:rate=1 -t 1 -c:v mjpeg -q:v 20 -metadata comment='avi comment' video.avi
$FF -f lavfi -i sine=frequency=440:sample_rate=8000:duration=0.2 -c:a libvorbis -q:a 0 \
   -metadata comment="$CSV" -metadata title="$JA" audio.ogg
$FF -f lavfi -i sine=frequency=440:sample_rate=8000:duration=0.2 -c:a libopus -b:a 6k \
   -metadata comment='opus comment' audio.opus
$FF -f lavfi -i sine=frequency=440:sample_rate=8000:duration=0.2 -c:a flac -sample_fmt s16 \
   -metadata comment="$CSV" -metadata title="$JA" audio.flac

# Fonts: DejaVu Sans (free license) cut down to two glyphs, as TTF, WOFF, WOFF2.
DJ=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
set -f # no globbing of the * below
SUB="--text=Ab --name-IDs=* --no-hinting --drop-tables+=FFTM,GPOS,GSUB,kern"
$PY -m fontTools.subset "$DJ" $SUB --output-file=font.ttf
$PY -m fontTools.subset "$DJ" $SUB --flavor=woff --with-zopfli=false --output-file=font.woff 2>/dev/null ||
  $PY -m fontTools.subset "$DJ" $SUB --flavor=woff --output-file=font.woff
$PY -m fontTools.subset "$DJ" $SUB --flavor=woff2 --output-file=font.woff2
# A TrueType collection of that font, and a small CFF (OpenType) font made
# with fontTools' FontBuilder, whose names include Japanese and Mac Roman.
$PY -c "
from fontTools.ttLib import TTFont, TTCollection
c = TTCollection(); c.fonts = [TTFont('font.ttf')]; c.save('font.ttc')"
$PY - <<'PYEOF'
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
fb = FontBuilder(1000, isTTF=False)
fb.setupGlyphOrder(['.notdef', 'A'])
fb.setupCharacterMap({0x41: 'A'})
pen = T2CharStringPen(600, None)
pen.moveTo((0, 0)); pen.lineTo((300, 700)); pen.lineTo((600, 0)); pen.closePath()
fb.setupCFF('TinyCFF', {'FullName': 'Tiny CFF'}, {'.notdef': T2CharStringPen(600, None).getCharString(), 'A': pen.getCharString()}, {})
fb.setupHorizontalMetrics({'.notdef': (600, 0), 'A': (600, 0)})
fb.setupHorizontalHeader(ascent=800, descent=-200)
fb.setupNameTable({'familyName': 'Tiny CFF', 'styleName': 'Regular',
                   'copyright': '山田太郎 (taro.yamada@example.jp)', 'description': 'Café'}, mac=True)
fb.setupOS2(); fb.setupPost()
fb.save('font.otf')
PYEOF
# WOFF with a metadata block (XML); WOFF2 with one (Brotli) and a private
# block. (fontTools 4.38 cannot write a WOFF 1 private block: it pads it
# with a str.)
$PY - <<'PYEOF'
from fontTools.ttLib import TTFont
from fontTools.ttLib.woff2 import WOFFFlavorData
for flavor in ('woff', 'woff2'):
    f = TTFont('font.ttf')
    f.flavor = flavor
    f.flavorData = WOFFFlavorData()
    f.flavorData.metaData = b'<?xml version="1.0" encoding="UTF-8"?><metadata version="1.0"><description><text>hanako@example.jp</text></description></metadata>'
    if flavor == 'woff2':
        f.flavorData.privData = b'\x00\x01private: taro.yamada@example.jp\x00'
    f.save('font-meta.' + flavor)
PYEOF

# FLAC with a picture (its description is text), MP3 with a cover (APIC).
$CONVERT -size 4x4 xc:red PNG24:cover.png
cp audio.flac audio-picture.flac
metaflac --remove --block-type=PADDING --dont-use-padding audio-picture.flac
metaflac --import-picture-from='3|image/png|cover: taro.yamada@example.jp|4x4x24|cover.png' audio-picture.flac
$FF -i audio-bare.mp3 -i cover.png -map 0 -map 1 -c copy -id3v2_version 3 \
   -metadata:s:v title='cover: hanako@example.jp' -metadata:s:v comment='Cover (front)' audio-apic.mp3
rm -f cover.png
# MP4 with XMP written by exiftool.
cp video.mp4 video-xmp.mp4
$ET -XMP-dc:Description="$JA" video-xmp.mp4
