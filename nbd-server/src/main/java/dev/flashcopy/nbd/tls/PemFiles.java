package dev.flashcopy.nbd.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys with the JDK alone. Keys may be PKCS#8 ({@code BEGIN
 * PRIVATE KEY}, what {@code openssl genpkey} writes) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY},
 * what older {@code openssl genrsa} and {@code certtool} write), which is rewrapped as PKCS#8.
 * Every failure is an {@link IOException} whose one-line message names the file and what to do.
 * Stateless.
 */
final class PemFiles {
    private static final Pattern KEY_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----(.*?)-----END \\1PRIVATE KEY-----", Pattern.DOTALL);
    /** AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters, DER. */
    private static final byte[] RSA_ALGORITHM = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00
    };

    private PemFiles() {}

    /** Every certificate in {@code file}, in order (leaf first for a chain). */
    static List<X509Certificate> certificates(Path file, String role) throws IOException {
        byte[] bytes = read(file, role);
        try {
            List<X509Certificate> out = new ArrayList<>();
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (var c : factory.generateCertificates(new ByteArrayInputStream(bytes))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new CertificateException("no certificate found");
            }
            return out;
        } catch (CertificateException e) {
            throw new IOException(role + " " + file + " holds no PEM X.509 certificate (expected: a"
                    + " '-----BEGIN CERTIFICATE-----' block): " + e.getMessage());
        }
    }

    /** The private key in {@code file}, for a certificate whose public key uses {@code algorithm}. */
    static PrivateKey privateKey(Path file, String algorithm) throws IOException {
        String text = new String(read(file, "TLS key"), StandardCharsets.US_ASCII);
        Matcher m = KEY_BLOCK.matcher(text);
        if (!m.find()) {
            throw new IOException("TLS key " + file + " holds no PEM private key (expected: a"
                    + " '-----BEGIN PRIVATE KEY-----' block)");
        }
        String kind = m.group(1).trim();
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2).trim());
        } catch (IllegalArgumentException e) {
            throw new IOException("TLS key " + file + " is not valid base64: " + e.getMessage());
        }
        byte[] pkcs8 = switch (kind) {
            case "" -> der;
            case "RSA" -> rsaPkcs1ToPkcs8(der);
            case "ENCRYPTED" ->
                throw new IOException("TLS key " + file + " is encrypted; the server cannot ask"
                        + " for a passphrase. Decrypt it with: openssl pkey -in " + file + " -out KEY.pem");
            default ->
                throw new IOException("TLS key " + file + " is a '" + kind + " PRIVATE KEY' block; convert it"
                        + " to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out KEY.pem");
        };
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS key " + file + " is not a valid " + algorithm + " private key, the kind"
                    + " the certificate's public key needs: " + e.getMessage());
        }
    }

    private static byte[] read(Path file, String role) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException(role + " " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new IOException(role + " " + file + " is not readable by this user (check its permissions)");
        } catch (IOException e) {
            throw new IOException("cannot read " + role + " " + file + ": " + e.getMessage());
        }
    }

    /** PrivateKeyInfo ::= SEQUENCE { version INTEGER 0, algorithm, privateKey OCTET STRING (the PKCS#1 key) }. */
    private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.write(0x04);
        body.writeBytes(derLength(pkcs1.length));
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.writeBytes(derLength(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static byte[] derLength(int length) {
        if (length < 0x80) {
            return new byte[] {(byte) length};
        }
        if (length < 0x100) {
            return new byte[] {(byte) 0x81, (byte) length};
        }
        if (length < 0x10000) {
            return new byte[] {(byte) 0x82, (byte) (length >> 8), (byte) length};
        }
        return new byte[] {(byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
    }
}
