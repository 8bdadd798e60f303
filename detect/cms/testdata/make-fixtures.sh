#!/bin/sh
# make-fixtures.sh remakes the CMS fixtures in this directory. Tests do not
# run it and need none of these tools; the outputs are committed.
#
# Needs (Debian 12): openssl (3.0), a JDK (java 17 runs MkFixtures.java as a
# single source file) and libbcpkix-java libbcprov-java (Bouncy Castle 1.72):
#   apt-get install -y --no-install-recommends openssl default-jdk-headless libbcpkix-java libbcprov-java
#
# Debian's openssl is built without zlib ("cms -compress" fails with
# "unsupported compression algorithm"), so the compressed-data and the
# authenticated-data fixtures are made by Bouncy Castle (MkFixtures.java).
#
# The signing key and certificate are throwaway ones made here and deleted;
# signatures are not verified by the package, so tests do not need them.
# Every run makes different bytes (fresh keys, random IVs); the tests assert
# kinds and the unwrapped content, which do not change.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" bare-compressed.tmp' EXIT

# The inner content: a MIME entity with one customer line (UTF-8, CRLF).
printf 'Content-Type: text/csv; charset=utf-8\r\n\r\nC0001,山田太郎,taro@example.jp,03-1234-5678\r\n' >content.mime
# A larger one, so that -stream splits eContent into several OCTET STRINGs
# (openssl writes 4096-byte chunks).
{
	printf 'Content-Type: text/csv; charset=utf-8\r\n\r\n'
	i=1
	while [ $i -le 120 ]; do
		printf 'C%04d,山田太郎,taro@example.jp,03-1234-5678\r\n' $i
		i=$((i + 1))
	done
} >content-big.mime

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" -subj /CN=dlprelay-test -days 3650 2>/dev/null
# openssl smime (PKCS#7) encrypts only to RSA keys: an RSA one for encryption.
openssl req -x509 -newkey rsa:2048 -nodes \
	-keyout "$tmp/rsakey.pem" -out "$tmp/rsacert.pem" -subj /CN=dlprelay-test -days 3650 2>/dev/null
sign="openssl cms -sign -binary -signer $tmp/cert.pem -inkey $tmp/key.pem"

# signed-data, content inside (opaque-signed).
$sign -nodetach -in content.mime -outform DER -out signed.der
$sign -nodetach -stream -in content.mime -outform DER -out signed-stream.der   # BER, indefinite lengths
$sign -nodetach -stream -in content-big.mime -outform DER -out signed-big-stream.der # eContent in 2 chunks
$sign -nodetach -in content.mime -outform PEM -out signed.pem
$sign -nodetach -in content.mime -outform SMIME -out signed-smime.eml
$sign -nodetach -stream -in content.mime -outform SMIME -out signed-smime-stream.eml
# The older openssl smime command (PKCS#7 rather than CMS code paths).
openssl smime -sign -binary -nodetach -signer "$tmp/cert.pem" -inkey "$tmp/key.pem" \
	-in content.mime -outform DER -out smime-signed.der

# Detached signatures (the application/pkcs7-signature part). (With -stream
# and -outform DER, openssl embeds the content even without -nodetach.)
$sign -in content.mime -outform DER -out detached.der
$sign -in content.mime -outform SMIME -out detached-smime.eml # multipart/signed

# Encrypted.
openssl cms -encrypt -binary -aes256 -in content.mime -outform DER -out enveloped.der "$tmp/cert.pem"
openssl cms -encrypt -binary -aes256 -stream -in content.mime -outform DER -out enveloped-stream.der "$tmp/cert.pem"
openssl cms -encrypt -binary -aes-256-gcm -in content.mime -outform DER -out authenveloped.der "$tmp/cert.pem"
openssl cms -encrypt -binary -aes256 -in content.mime -outform SMIME -out enveloped-smime.eml "$tmp/cert.pem"
openssl smime -encrypt -binary -aes256 -in content.mime -outform DER -out smime-enveloped.der "$tmp/rsacert.pem"
openssl cms -EncryptedData_encrypt -binary -aes128 -secretkey 000102030405060708090a0b0c0d0e0f \
	-in content.mime -outform DER -out encrypted-data.der

# data and digested-data.
openssl cms -data_create -binary -in content.mime -outform DER -out data.der
openssl cms -data_create -binary -stream -in content.mime -outform DER -out data-stream.der
openssl cms -digest_create -binary -in content.mime -outform DER -out digested.der
openssl cms -digest_create -binary -stream -in content.mime -outform DER -out digested-stream.der

# Bouncy Castle: compressed-data (DER and BER), signed inside compressed
# (bare SignedData and whole ContentInfo), enveloped inside compressed,
# authenticated-data, and the bare CompressedData signed below.
bc=/usr/share/java/bcprov.jar:/usr/share/java/bcpkix.jar:/usr/share/java/bcutil.jar
java -cp "$bc" MkFixtures.java .

# Compressed inside signed: eContentType id-ct-compressedData.
$sign -nodetach -econtent_type 1.2.840.113549.1.9.16.1.9 -in bare-compressed.tmp -outform DER -out signed-compressed.der
