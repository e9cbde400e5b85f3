package dev.flashcopy.nbd.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The one log line a client's failed TLS gets keeps the reason the engine wrapped. */
class PeerTlsFailureTest {
    @Test
    void reasonKeepsTheTrustManagersWordsUnderTheEnginesError() {
        // What Netty's OpenSSL engine reports for a client certificate our trust manager refused.
        SSLHandshakeException e = new SSLHandshakeException("error:1000007d:SSL routines:CERTIFICATE_VERIFY_FAILED");
        e.initCause(new CertificateException("PKIX path building failed: unable to find valid certification path"));
        assertEquals(
                "error:1000007d:SSL routines:CERTIFICATE_VERIFY_FAILED: PKIX path building failed: unable to find"
                        + " valid certification path",
                PeerTlsFailure.reason(e));
    }

    @Test
    void reasonIsTheMessageAloneWhenTheCauseSaysNothingNew() {
        // The JDK engine puts the same words in the exception and its cause.
        SSLHandshakeException e = new SSLHandshakeException("Empty client certificate chain");
        e.initCause(new SSLHandshakeException("Empty client certificate chain"));
        assertEquals("Empty client certificate chain", PeerTlsFailure.reason(e));
        assertEquals("no cause", PeerTlsFailure.reason(new SSLHandshakeException("no cause")));
    }
}
