package dev.flashcopy.nbd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import org.junit.jupiter.api.Test;

class WireEnumsTest {
    @Test
    void everyEnumResolvesItsOwnNumbersAndRejectsOthers() {
        for (NbdOption o : NbdOption.values()) {
            assertEquals(o, NbdOption.of(o.code()));
        }
        for (NbdCommand c : NbdCommand.values()) {
            assertEquals(c, NbdCommand.of(c.code()));
        }
        for (OptionReplyType t : OptionReplyType.values()) {
            assertEquals(t, OptionReplyType.of(t.code()));
        }
        for (ReplyType t : ReplyType.values()) {
            assertEquals(t, ReplyType.of(t.code()));
        }
        assertFalse(NbdOption.isKnown(0));
        assertFalse(NbdCommand.isKnown(8));
        assertFalse(NbdCommand.isKnown(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NbdOption.of(12));
        assertEquals("option: 12 (expected: a code defined by the NBD spec)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NbdError.of(2));
        assertThrows(IllegalArgumentException.class, () -> CommandFlag.of(3));
    }

    @Test
    void valuesMatchTheSpec() {
        assertEquals(0x80000001, OptionReplyType.ERR_UNSUP.code());
        assertTrue(OptionReplyType.ERR_TOO_BIG.isError());
        assertEquals(0x8001, ReplyType.ERROR.code());
        assertEquals(1 << 11, TransmissionFlag.SEND_FAST_ZERO.bit());
        assertEquals(108, NbdError.ESHUTDOWN.code());
    }

    @Test
    void everyBlockErrorMapsToAnNbdError() {
        assertEquals(NbdError.EPERM, NbdError.of(BlockError.PERMISSION));
        assertEquals(NbdError.EIO, NbdError.of(BlockError.IO));
        assertEquals(NbdError.ENOSPC, NbdError.of(BlockError.NO_SPACE));
        assertEquals(NbdError.EINVAL, NbdError.of(BlockError.INVALID));
        assertEquals(NbdError.ENOTSUP, NbdError.of(BlockError.NOT_SUPPORTED));
        assertEquals(NbdError.ESHUTDOWN, NbdError.of(BlockError.SHUTDOWN));
    }
}
