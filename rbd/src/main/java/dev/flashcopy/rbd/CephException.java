package dev.flashcopy.rbd;

import java.io.IOException;

/**
 * A librados or librbd call that returned a negative errno. The message names the call, what it acted on and the
 * errno's symbolic name, for example {@code rbd_open(rbd/vol1): ENOENT}; {@link #errno()} is the positive number
 * for callers that branch on it (see {@link Errno}).
 */
public final class CephException extends IOException {
    private final int errno;
    private final String call;

    CephException(String call, String subject, int errno) {
        super(call + "(" + subject + "): " + Errno.name(errno));
        this.errno = errno;
        this.call = call;
    }

    /** The positive errno, e.g. {@link Errno#ENOENT}. */
    public int errno() {
        return errno;
    }

    /** The C function that failed, e.g. {@code rbd_open}. */
    public String call() {
        return call;
    }

    /** Returns {@code rc} when it is not negative; otherwise throws for {@code -rc}. */
    static long check(long rc, String call, String subject) throws CephException {
        if (rc < 0) {
            throw new CephException(call, subject, (int) -rc);
        }
        return rc;
    }
}
