package dev.flashcopy.tools.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret every admin request must present as {@code Authorization: Bearer TOKEN}. Compared in
 * constant time so response timing does not reveal how much of a guess was right. Immutable,
 * hence thread-safe.
 */
public final class BearerToken {
    private static final String SCHEME = "Bearer ";

    private final byte[] secret;

    private BearerToken(String token) {
        this.secret = token.getBytes(StandardCharsets.US_ASCII);
    }

    /** 32 random bytes from {@link SecureRandom}, as 64 hex digits. */
    public static BearerToken generate() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return new BearerToken(HexFormat.of().formatHex(bytes));
    }

    public static BearerToken of(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("token: empty (expected: a non-empty secret)");
        }
        return new BearerToken(token);
    }

    public String value() {
        return new String(secret, StandardCharsets.US_ASCII);
    }

    /** Whether an {@code Authorization} header value carries this token; {@code null} is a no. */
    public boolean matches(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] offered = authorizationHeader.substring(SCHEME.length()).trim().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(secret, offered);
    }

    @Override
    public String toString() {
        return "BearerToken[hidden]";
    }
}
