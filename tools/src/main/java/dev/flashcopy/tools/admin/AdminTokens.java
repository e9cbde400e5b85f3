package dev.flashcopy.tools.admin;

/**
 * The two secrets the admin API accepts: the full token (every call) and the read-only token for
 * monitoring (GET and HEAD only; anything else is 403). Both are compared on every request, each
 * in constant time, so timing tells nothing about either. Immutable, hence thread-safe.
 */
public record AdminTokens(BearerToken full, BearerToken read) {
    /** What a request's {@code Authorization} header grants. */
    public enum Grant {
        NONE,
        READ,
        FULL
    }

    public AdminTokens {
        if (full == null) {
            throw new IllegalArgumentException("full: null (expected: the admin token)");
        }
    }

    /** Only a full token: what the API had before read-only tokens. */
    public static AdminTokens fullOnly(BearerToken full) {
        return new AdminTokens(full, null);
    }

    public Grant grant(String authorizationHeader) {
        boolean isFull = full.matches(authorizationHeader);
        boolean isRead = read != null && read.matches(authorizationHeader); // always evaluated: no early exit
        return isFull ? Grant.FULL : isRead ? Grant.READ : Grant.NONE;
    }

    /** Methods that change nothing, hence allowed to the read-only token. */
    public static boolean isReadOnly(String method) {
        return method.equals("GET") || method.equals("HEAD");
    }
}
