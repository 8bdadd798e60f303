// MkFixtures writes the CMS fixtures that the openssl on Debian cannot
// make (it is built without zlib, and has no authenticated-data), using
// Bouncy Castle (Debian's libbcpkix-java). make-fixtures.sh runs it as
//
//	java -cp BC_JARS MkFixtures.java DIR
//
// with DIR holding content.mime, content-big.mime, signed-stream.der and
// enveloped.der (made by openssl first). It is a test tool: it is not
// built with the Go code.
import java.io.*;
import java.nio.file.*;
import java.security.Security;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.cms.*;
import org.bouncycastle.cms.jcajce.*;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

public class MkFixtures {
    static Path dir;

    static byte[] read(String name) throws IOException { return Files.readAllBytes(dir.resolve(name)); }

    static void write(String name, byte[] b) throws IOException { Files.write(dir.resolve(name), b); }

    // compress writes a DER compressed-data of content typed as type.
    static void compress(String name, ASN1ObjectIdentifier type, byte[] content) throws Exception {
        CMSCompressedData cd = new CMSCompressedDataGenerator()
                .generate(new CMSProcessableByteArray(type, content), new ZlibCompressor());
        write(name, cd.toASN1Structure().getEncoded("DER"));
    }

    // compressStream writes a BER (indefinite-length) compressed-data whose
    // eContent is split into OCTET STRING chunks of bufSize bytes.
    static void compressStream(String name, ASN1ObjectIdentifier type, byte[] content, int bufSize) throws Exception {
        CMSCompressedDataStreamGenerator g = new CMSCompressedDataStreamGenerator();
        g.setBufferSize(bufSize);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream w = g.open(type, out, new ZlibCompressor());
        w.write(content);
        w.close();
        write(name, out.toByteArray());
    }

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        dir = Paths.get(args[0]);
        byte[] content = read("content.mime");
        compress("compressed.der", CMSObjectIdentifiers.data, content);
        compressStream("compressed-stream.der", CMSObjectIdentifiers.data, content, 1024);
        compressStream("compressed-big-stream.der", CMSObjectIdentifiers.data, read("content-big.mime"), 256);

        // Signed inside compressed. RFC 5652 puts the bare SignedData in
        // the eContent; some writers put the whole ContentInfo. One of each.
        byte[] signedCI = read("signed-stream.der");
        CMSSignedData sd = new CMSSignedData(signedCI);
        byte[] bareSigned = sd.toASN1Structure().getContent().toASN1Primitive().getEncoded("DER");
        compress("compressed-signed.der", CMSObjectIdentifiers.signedData, bareSigned);
        compressStream("compressed-signed-ci.der", CMSObjectIdentifiers.signedData, signedCI, 1024);

        // Encrypted inside compressed.
        CMSEnvelopedData ed = new CMSEnvelopedData(read("enveloped.der"));
        byte[] bareEnveloped = ed.toASN1Structure().getContent().toASN1Primitive().getEncoded("DER");
        compress("compressed-enveloped.der", CMSObjectIdentifiers.envelopedData, bareEnveloped);

        // Compressed inside signed (bare CompressedData as eContent).
        CMSCompressedData cd = new CMSCompressedDataGenerator()
                .generate(new CMSProcessableByteArray(CMSObjectIdentifiers.data, content), new ZlibCompressor());
        byte[] bareCompressed = cd.toASN1Structure().getContent().toASN1Primitive().getEncoded("DER");
        write("bare-compressed.tmp", bareCompressed); // openssl signs it; the script deletes it

        // Authenticated-data (RFC 5652 section 9): content in clear, with a MAC.
        SecretKeySpec kek = new SecretKeySpec(new byte[16], "AES");
        CMSAuthenticatedDataGenerator ag = new CMSAuthenticatedDataGenerator();
        ag.addRecipientInfoGenerator(new JceKEKRecipientInfoGenerator(new byte[] {1, 2, 3, 4}, kek).setProvider("BC"));
        CMSAuthenticatedData ad = ag.generate(new CMSProcessableByteArray(CMSObjectIdentifiers.data, content),
                // BC 1.72 has no CMS MAC calculator for AES; DES-EDE3-CBC is the one it takes.
                new JceCMSMacCalculatorBuilder(CMSAlgorithm.DES_EDE3_CBC).setProvider("BC").build());
        write("authenticated.der", ad.getEncoded());
    }
}
