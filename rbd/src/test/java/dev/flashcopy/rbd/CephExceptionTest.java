package dev.flashcopy.rbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CephExceptionTest {
    @Test
    void negativeReturnBecomesTheErrnoNameWithCallAndSubject() {
        CephException e =
                assertThrows(CephException.class, () -> CephException.check(-Errno.ENOENT, "rbd_open", "rbd/vol1"));
        assertEquals("rbd_open(rbd/vol1): ENOENT", e.getMessage());
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("rbd_open", e.call());
    }

    @Test
    void nonNegativeReturnPassesThrough() throws CephException {
        assertEquals(4096, CephException.check(4096, "rbd_read2", "rbd/vol1"));
        assertEquals(0, CephException.check(0, "rbd_flush", "rbd/vol1"));
    }

    @Test
    void errnoNamesComeFromTheCLibrary() {
        assertEquals("ERANGE", Errno.name(Errno.ERANGE));
        assertEquals("ESHUTDOWN", Errno.name(Errno.EBLOCKLISTED));
        assertEquals("ETIMEDOUT", Errno.name(Errno.ETIMEDOUT));
        assertEquals("errno 4321", Errno.name(4321));
    }
}
