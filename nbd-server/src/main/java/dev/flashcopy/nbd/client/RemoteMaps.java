package dev.flashcopy.nbd.client;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtySink;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.nbd.export.MetaContexts;
import dev.flashcopy.nbd.protocol.NbdWire;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The maps of a {@link RemoteDevice}'s far export, read with block status: its allocation ({@code base:allocation},
 * on the device's own connection) and its dirty maps ({@code qemu:dirty-bitmap:*}, each on a connection that selected
 * it). Thread-safe.
 */
final class RemoteMaps {
    private static final System.Logger LOG = System.getLogger(RemoteMaps.class.getName());
    /** The most one BLOCK_STATUS asks for. */
    private static final long MAX_SPAN = RemoteDevice.MAX_SPAN;

    private final String name;
    private final Dialer dialer;
    /** One connection per dirty map read, by context name: each selected its map at its handshake. */
    private final Map<String, NbdConnection> mapConnections = new ConcurrentHashMap<>();

    RemoteMaps(String name, Dialer dialer) {
        this.name = name;
        this.dialer = dialer;
    }

    /**
     * The far server's {@code base:allocation} status, asked for a span at a time until the range is covered: an
     * extent that is both a hole and reads as zeroes is a hole; anything else is data. A server without the context
     * makes the whole range data, which is always a safe answer.
     */
    void allocation(NbdConnection c, long offset, long length, ExtentSink sink) throws BlockIoException {
        if (!c.details().blockStatus()) {
            sink.extent(length, false);
            return;
        }
        int hole = NbdWire.STATE_HOLE | NbdWire.STATE_ZERO;
        walk(c, ExportDetails.BASE_ALLOCATION, offset, length, (n, flags) -> sink.extent(n, (flags & hole) == hole));
    }

    /**
     * The far export's dirty maps ({@code qemu:dirty-bitmap:*} contexts), asked afresh each time on a connection that
     * only lists them: maps come and go with the far side's relationships. None when the server cannot be asked.
     */
    List<String> dirtyMapNames() {
        try {
            List<String> names = new ArrayList<>();
            for (String context : dialer.listContexts(MetaContexts.DIRTY_BITMAP)) {
                if (context.startsWith(MetaContexts.DIRTY_BITMAP)) {
                    names.add(context.substring(MetaContexts.DIRTY_BITMAP.length()));
                }
            }
            names.sort(null);
            return names;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list the dirty maps of {0}: {1}", name, e.getMessage());
            return List.of();
        }
    }

    /**
     * Map {@code mapName} of the far export, read with block status on a connection of its own that selected its
     * context (a connection's contexts are fixed at its handshake). A map the far server does not have (any more)
     * fails with {@link BlockError#INVALID}, as it would there.
     */
    void mapDirty(String mapName, long offset, long length, DirtySink sink) throws BlockIoException {
        String context = MetaContexts.DIRTY_BITMAP + mapName;
        NbdConnection c = mapConnection(context);
        try {
            walk(c, context, offset, length, (n, flags) -> sink.extent(n, (flags & NbdWire.STATE_DIRTY) != 0));
        } catch (BlockIoException e) {
            if (e.error() == BlockError.INVALID) {
                mapConnections.remove(context, c);
                c.close(); // the map is gone; a new one of that name needs a new handshake
            }
            throw e;
        }
    }

    private NbdConnection mapConnection(String context) throws BlockIoException {
        synchronized (mapConnections) {
            NbdConnection c = mapConnections.get(context);
            if (c != null && c.isOpen()) {
                return c;
            }
            try {
                c = dialer.dial(List.of(context));
            } catch (IOException e) {
                throw new BlockIoException(
                        BlockError.IO, "cannot read " + context + " of " + name + ": " + e.getMessage(), e);
            }
            if (c.details().context(context) < 0) {
                c.close();
                throw new BlockIoException(BlockError.INVALID, name + " has no map " + context);
            }
            mapConnections.put(context, c);
            return c;
        }
    }

    /** Receives one status descriptor, clamped to the range; false stops the walk. */
    @FunctionalInterface
    private interface StatusVisitor {
        boolean extent(long length, int flags);
    }

    /** Block status of {@code context} a span at a time until {@code [offset, offset + length)} is covered. */
    private void walk(NbdConnection c, String context, long offset, long length, StatusVisitor visitor)
            throws BlockIoException {
        long end = offset + length;
        long pos = offset;
        while (pos < end) {
            List<StatusExtent> extents =
                    Completions.await(c.blockStatus(context, pos, Math.min(MAX_SPAN, end - pos), 0));
            if (extents.isEmpty()) {
                throw new BlockIoException(BlockError.IO, "the server of " + name + " sent no extents at " + pos);
            }
            for (StatusExtent e : extents) {
                long n = Math.min(e.length(), end - pos);
                if (n <= 0) {
                    break;
                }
                if (!visitor.extent(n, e.flags())) {
                    return;
                }
                pos += n;
            }
        }
    }

    void close() {
        synchronized (mapConnections) {
            mapConnections.values().forEach(NbdConnection::close);
            mapConnections.clear();
        }
    }
}
