#!/bin/sh
# make-fixtures.sh remakes the OpenPGP fixtures in this directory. Tests do
# not run it and need none of these tools; the outputs are committed.
#
# Needs (Debian 12): gnupg (2.2.40) and rnp (0.16.3, for the AEAD packet
# that gpg 2.2 cannot write):
#   apt-get install -y --no-install-recommends gnupg rnp
#
# The key is a throwaway one made here in a throwaway GNUPGHOME; its public
# and secret parts are exported as fixtures (it is a test key, protected by
# no passphrase). Every run makes different bytes (fresh keys, session keys,
# timestamps); the tests assert kinds and the unwrapped content, which do
# not change.
set -eu
cd "$(dirname "$0")"
GNUPGHOME=$(mktemp -d)
export GNUPGHOME
trap 'gpgconf --kill all; rm -rf "$GNUPGHOME"' EXIT
gpg="gpg --batch --yes --quiet --no-tty"

# The content: one customer line (UTF-8), and a longer file that gpg
# writes with partial body lengths when it reads it from a pipe.
printf 'C0001,山田太郎,taro@example.jp,03-1234-5678\n' >list.csv
i=1
while [ $i -le 60 ]; do
	printf 'C%04d,山田太郎,taro@example.jp,03-1234-5678\n' $i
	i=$((i + 1))
done >big.csv
# Text to clear-sign: lines starting with "-" are dash-escaped ("- -").
printf 'Dear customer,\n-- \nC0001,山田太郎,taro@example.jp,03-1234-5678\n- item\nFrom here\n' >clear.txt

$gpg --passphrase '' --quick-gen-key 'dlprelay test <test@example.invalid>' ed25519 sign,cert never
fpr=$($gpg --list-keys --with-colons | awk -F: '/^fpr/ {print $10; exit}')
$gpg --passphrase '' --quick-add-key "$fpr" cv25519 encr never
enc="$gpg --trust-model always -r test@example.invalid"

# Encrypted: public-key (PKESK + SEIPD), binary and armored; symmetric
# (SKESK + SEIPD); RFC 2440 symmetric without MDC (SED, tag 9).
$enc --encrypt -o encrypted.gpg list.csv
$enc --encrypt --armor -o encrypted.asc list.csv
$enc --encrypt --sign -o encrypted-signed.gpg list.csv
$gpg --pinentry-mode loopback --passphrase test --symmetric -o symmetric.gpg list.csv
$gpg --pinentry-mode loopback --passphrase test --symmetric --armor -o symmetric.asc list.csv
$gpg --pinentry-mode loopback --passphrase test --rfc2440 --symmetric -o symmetric-sed.gpg list.csv 2>/dev/null
# rnp: symmetric with an AEAD (OCB) encrypted data packet (tag 20).
rnp --homedir "$GNUPGHOME/rnp" --overwrite -c --aead=ocb --password test list.csv --output symmetric-aead.rnp

# Signed, not encrypted: compressed(one-pass signature, literal, signature).
$gpg --sign -o signed.gpg list.csv
$gpg --sign --armor -o signed.asc list.csv
$gpg --sign --compress-algo zip -o signed-zip.gpg list.csv
$gpg --sign --compress-algo zlib -o signed-zlib.gpg list.csv
$gpg --sign --compress-algo bzip2 -o signed-bzip2.gpg list.csv
$gpg --sign -z 0 -o signed-z0.gpg list.csv # no compressed packet
$gpg --sign -z 0 <big.csv >signed-partial.gpg # literal with partial body lengths
$gpg --sign --compress-algo zlib <big.csv >signed-zlib-partial.gpg
$gpg --clearsign -o clearsigned.asc clear.txt
$gpg --detach-sign -o detached.sig list.csv
$gpg --detach-sign --armor -o detached.asc list.csv

# Literal only.
$gpg --store -z 0 -o stored.gpg list.csv # gpg 2.2 --store compresses unless -z 0
$gpg --store -o stored-zip.gpg list.csv
$gpg --store --compress-algo zlib -o stored-zlib.gpg list.csv

# Keys.
$gpg --export -o public-key.gpg "$fpr"
$gpg --export --armor -o public-key.asc "$fpr"
$gpg --export-secret-keys --armor -o private-key.asc "$fpr"

# A bzip2 bomb: 8 MiB of zeros, stored in a compressed packet (Go has no
# bzip2 writer to make it in the tests).
head -c 8388608 /dev/zero | $gpg --store --compress-algo bzip2 >bomb-bzip2.gpg
