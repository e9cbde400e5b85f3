package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.nbd.protocol.CommandFlag;
import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import dev.flashcopy.nbd.protocol.NbdWire;

/**
 * Decides, without touching the disk, whether a request may run: known command, flags valid for
 * it, range inside the export, device writable. Writes past the end get {@code ENOSPC} (what the
 * spec asks for WRITE_ZEROES, and what a full disk would say); other commands out of range get
 * {@code EINVAL}. Stateless.
 */
final class RequestCheck {
    /** Why a request is refused, and the short message a structured reply carries. */
    record Verdict(NbdError error, String message) {}

    private static final int FUA = CommandFlag.FUA.bit();

    private RequestCheck() {}

    /** Null when {@code r} may run. */
    static Verdict check(NbdRequest r, BlockDevice device, TransmissionSession session) {
        NbdCommand command = r.command();
        if (command == null) {
            return new Verdict(NbdError.EINVAL, "unknown command " + r.type());
        }
        if (r.oversized()) {
            return new Verdict(
                    NbdError.EINVAL,
                    "write of " + r.length() + " bytes exceeds the maximum payload " + NbdWire.MAX_PAYLOAD);
        }
        int allowed = FUA
                | switch (command) {
                    case READ -> session.structuredReplies() ? CommandFlag.DF.bit() : 0;
                    case WRITE_ZEROES -> CommandFlag.NO_HOLE.bit() | CommandFlag.FAST_ZERO.bit();
                    case BLOCK_STATUS -> CommandFlag.REQ_ONE.bit();
                    default -> 0;
                };
        if ((r.flags() & ~allowed) != 0) {
            return new Verdict(
                    NbdError.EINVAL, "flags 0x" + Integer.toHexString(r.flags()) + " not valid for " + command);
        }
        switch (command) {
            case READ -> {
                if (r.length() > NbdWire.MAX_PAYLOAD) {
                    return new Verdict(
                            NbdError.EINVAL,
                            "read of " + r.length() + " bytes exceeds the maximum payload " + NbdWire.MAX_PAYLOAD);
                }
                return inRange(r, device, NbdError.EINVAL);
            }
            case WRITE, TRIM, WRITE_ZEROES -> {
                if (device.readOnly() || session.readOnly()) {
                    return new Verdict(NbdError.EPERM, "export is read-only");
                }
                return inRange(r, device, NbdError.ENOSPC);
            }
            case CACHE -> {
                return inRange(r, device, NbdError.EINVAL);
            }
            case BLOCK_STATUS -> {
                if (session.contexts().isEmpty()) {
                    return new Verdict(NbdError.EINVAL, "no metadata context was negotiated");
                }
                if (r.length() == 0) {
                    return new Verdict(NbdError.EINVAL, "block status of zero bytes");
                }
                return inRange(r, device, NbdError.EINVAL);
            }
            default -> {
                return null; // FLUSH and DISC carry no range worth checking
            }
        }
    }

    private static Verdict inRange(NbdRequest r, BlockDevice device, NbdError error) {
        long size = device.size();
        long offset = r.offset();
        if (offset < 0 || offset > size || r.length() > size - offset) {
            return new Verdict(
                    error, "range " + Long.toUnsignedString(offset) + "+" + r.length() + " beyond export size " + size);
        }
        return null;
    }
}
