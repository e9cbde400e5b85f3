package dev.flashcopy.nbd.handshake;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.nbd.access.Access;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.export.ExportFlags;
import dev.flashcopy.nbd.export.MetaContext;
import dev.flashcopy.nbd.export.MetaContexts;
import dev.flashcopy.nbd.metrics.RequestMetrics;
import dev.flashcopy.nbd.protocol.HandshakeFlag;
import dev.flashcopy.nbd.protocol.InfoType;
import dev.flashcopy.nbd.protocol.NbdOption;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.OptionReplyType;
import dev.flashcopy.nbd.tls.TlsMode;
import dev.flashcopy.nbd.transmission.TransmissionSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Answers options for one connection and remembers what they agreed: zero padding, TLS, structured
 * replies, selected metadata contexts. It enforces the server's TLS mode (FORCEDTLS: everything but
 * STARTTLS and ABORT is {@code NBD_REP_ERR_TLS_REQD} until TLS is up) and its export rules (a denied
 * client gets {@code NBD_REP_ERR_POLICY} and never sees the export listed). It may block (export
 * look-ups), so it runs on I/O threads.
 * Not thread-safe: the handler hands it one option at a time, each hand-over passing through a
 * task queue, which orders its state changes.
 */
public final class OptionNegotiator {
    private final DeviceProvider devices;
    private final TlsMode tlsMode;
    private final ExportAccess access;
    private final InetAddress client;
    private final RequestMetrics metrics;
    private boolean noZeroes;
    private boolean tlsActive;
    private boolean structuredReplies;
    private String contextExport;
    private List<MetaContext> contexts = List.of();

    /** No TLS, every export open. */
    public OptionNegotiator(DeviceProvider devices) {
        this(devices, TlsMode.OFF, ExportAccess.OPEN, null);
    }

    /**
     * @param client the client's IP address, null when unknown (then any address rule denies it)
     */
    public OptionNegotiator(DeviceProvider devices, TlsMode tlsMode, ExportAccess access, InetAddress client) {
        this(devices, tlsMode, access, client, RequestMetrics.NONE);
    }

    /** As above; {@code metrics} is asked once per connection, for the export the client picks. */
    public OptionNegotiator(
            DeviceProvider devices, TlsMode tlsMode, ExportAccess access, InetAddress client, RequestMetrics metrics) {
        this.devices = devices;
        this.tlsMode = tlsMode;
        this.access = access;
        this.client = client;
        this.metrics = metrics;
    }

    /** The client's flags, already checked to hold only bits we know. */
    void clientFlags(int flags) {
        noZeroes = HandshakeFlag.NO_ZEROES.isSet(flags);
    }

    /**
     * Most data bytes worth buffering for {@code option}. Options with a longer payload have it
     * skipped unread, and so do options whose data we never look at.
     */
    static int bufferLimit(int option) {
        if (!NbdOption.isKnown(option)) {
            return 0;
        }
        return switch (NbdOption.of(option)) {
            case EXPORT_NAME -> NbdWire.MAX_STRING_LENGTH;
            case INFO, GO, LIST_META_CONTEXT, SET_META_CONTEXT -> NbdWire.MAX_OPTION_LENGTH;
            default -> 0;
        };
    }

    /**
     * @param data       the option's data, or null when it was empty or skipped unread
     * @param dataLength the length the option header announced
     */
    OptionResult handle(int code, ByteBuf data, long dataLength, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer();
        try {
            return answer(code, data, dataLength, out);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private OptionResult answer(int code, ByteBuf data, long dataLength, ByteBuf out) {
        if (tlsMode == TlsMode.REQUIRE
                && !tlsActive
                && code != NbdOption.STARTTLS.code()
                && code != NbdOption.ABORT.code()) {
            if (code == NbdOption.EXPORT_NAME.code()) {
                return OptionResult.close(out); // spec, FORCEDTLS: EXPORT_NAME cannot be errored, so disconnect
            }
            // Spec, FORCEDTLS: any other option, known or not, MUST get NBD_REP_ERR_TLS_REQD before TLS.
            OptionReplies.error(
                    out,
                    code,
                    OptionReplyType.ERR_TLS_REQD,
                    "this server requires TLS: send" + " NBD_OPT_STARTTLS first (an nbds:// URI, or qemu's tls-creds)");
            return OptionResult.proceed(out);
        }
        if (!NbdOption.isKnown(code)) {
            OptionReplies.error(
                    out, code, OptionReplyType.ERR_UNSUP, "unknown option " + Integer.toUnsignedString(code));
            return OptionResult.proceed(out);
        }
        NbdOption option = NbdOption.of(code);
        boolean skipped = dataLength > 0 && data == null;
        if (skipped && bufferLimit(code) > 0) {
            if (option == NbdOption.EXPORT_NAME) {
                return OptionResult.close(out); // spec: EXPORT_NAME cannot be refused, only disconnected
            }
            if (option == NbdOption.SET_META_CONTEXT) {
                clearContexts(); // spec: SET replaces the selection even when it fails
            }
            OptionReplies.error(
                    out,
                    code,
                    OptionReplyType.ERR_TOO_BIG,
                    "option data of " + dataLength + " bytes exceeds " + NbdWire.MAX_OPTION_LENGTH);
            return OptionResult.proceed(out);
        }
        ByteBuf in = data != null ? data : Unpooled.EMPTY_BUFFER;
        switch (option) {
            case EXPORT_NAME:
                return exportName(in.toString(StandardCharsets.UTF_8), out);
            case ABORT:
                OptionReplies.ack(out, code); // spec: data sent with ABORT is ignored
                return OptionResult.close(out);
            case LIST:
                if (dataLength != 0) {
                    OptionReplies.error(out, code, OptionReplyType.ERR_INVALID, "LIST takes no data");
                    return OptionResult.proceed(out);
                }
                for (DeviceInfo info : devices.list()) {
                    if (access.decide(info.name(), client) != Access.DENIED) {
                        OptionReplies.server(out, code, info.name(), info.description());
                    }
                }
                OptionReplies.ack(out, code);
                return OptionResult.proceed(out);
            case STRUCTURED_REPLY:
                if (dataLength != 0) {
                    OptionReplies.error(out, code, OptionReplyType.ERR_INVALID, "STRUCTURED_REPLY takes no data");
                    return OptionResult.proceed(out);
                }
                structuredReplies = true;
                OptionReplies.ack(out, code);
                return OptionResult.proceed(out);
            case INFO:
            case GO:
                return infoOrGo(option, in, out);
            case LIST_META_CONTEXT:
            case SET_META_CONTEXT:
                return metaContext(option, in, out);
            case STARTTLS:
                return startTls(dataLength, out);
            default: // PEEK_EXPORT (withdrawn), EXTENDED_HEADERS (not implemented)
                OptionReplies.error(out, code, OptionReplyType.ERR_UNSUP, option + " is not supported");
                return OptionResult.proceed(out);
        }
    }

    /**
     * Spec, FORCEDTLS and SELECTIVETLS: ACK once, then everything is TLS; a second STARTTLS is
     * invalid. What was agreed in clear text is forgotten (spec: the server MUST NOT keep
     * structured replies or meta contexts negotiated before TLS; a man in the middle could have
     * injected them).
     */
    private OptionResult startTls(long dataLength, ByteBuf out) {
        int code = NbdOption.STARTTLS.code();
        if (tlsMode == TlsMode.OFF) {
            OptionReplies.error(out, code, OptionReplyType.ERR_UNSUP, "TLS is not enabled on this server");
            return OptionResult.proceed(out);
        }
        if (dataLength != 0) {
            OptionReplies.error(out, code, OptionReplyType.ERR_INVALID, "STARTTLS takes no data");
            return OptionResult.proceed(out);
        }
        if (tlsActive) {
            OptionReplies.error(out, code, OptionReplyType.ERR_INVALID, "TLS is already active");
            return OptionResult.proceed(out);
        }
        tlsActive = true;
        structuredReplies = false;
        clearContexts();
        OptionReplies.ack(out, code);
        return OptionResult.startTls(out);
    }

    private OptionResult exportName(String name, ByteBuf out) {
        Access granted = access.decide(name, client);
        if (granted == Access.DENIED) {
            return OptionResult.close(out); // EXPORT_NAME cannot carry NBD_REP_ERR_POLICY; the spec says disconnect
        }
        Optional<DeviceLease> lease = devices.acquire(name);
        if (lease.isEmpty()) {
            return OptionResult.close(
                    out); // spec: "If the server is unwilling to allow the export, it MUST terminate the session"
        }
        BlockDevice device = lease.get().device();
        boolean readOnly = device.readOnly() || granted == Access.READ_ONLY;
        out.writeLong(device.size());
        out.writeShort(ExportFlags.of(readOnly));
        if (!noZeroes) {
            out.writeZero(NbdWire.EXPORT_NAME_ZEROES);
        }
        return OptionResult.transmit(out, session(lease.get(), name, granted));
    }

    private OptionResult infoOrGo(NbdOption option, ByteBuf in, ByteBuf out) {
        int code = option.code();
        OptionPayloads.ExportRequest request;
        try {
            request = OptionPayloads.exportRequest(in);
        } catch (MalformedOptionException e) {
            OptionReplies.error(out, code, OptionReplyType.ERR_INVALID, e.getMessage());
            return OptionResult.proceed(out);
        }
        String name = request.name();
        Access granted = access.decide(name, client);
        if (granted == Access.DENIED) {
            return denied(out, code, name);
        }
        Optional<DeviceInfo> info = devices.info(name);
        DeviceLease lease = null;
        long size;
        boolean readOnly;
        if (option == NbdOption.GO) {
            lease = devices.acquire(name).orElse(null);
            if (lease == null) {
                return unknownExport(out, code, name);
            }
            size = lease.device().size();
            readOnly = lease.device().readOnly();
        } else if (info.isPresent()) {
            size = info.get().size();
            readOnly = info.get().readOnly();
        } else {
            return unknownExport(out, code, name);
        }
        OptionReplies.infoExport(out, code, size, ExportFlags.of(readOnly || granted == Access.READ_ONLY));
        if (request.infos().contains(InfoType.NAME.code())) {
            OptionReplies.infoText(
                    out, code, InfoType.NAME, info.map(DeviceInfo::name).orElse(name));
        }
        String description = info.map(DeviceInfo::description).orElse(null);
        if (request.infos().contains(InfoType.DESCRIPTION.code()) && description != null && !description.isEmpty()) {
            OptionReplies.infoText(out, code, InfoType.DESCRIPTION, description);
        }
        // Sent even unasked: these are the spec's defaults, so a client that ignores them loses nothing.
        OptionReplies.infoBlockSize(out, code);
        OptionReplies.ack(out, code);
        return lease == null ? OptionResult.proceed(out) : OptionResult.transmit(out, session(lease, name, granted));
    }

    private OptionResult denied(ByteBuf out, int code, String name) {
        OptionReplies.error(
                out,
                code,
                OptionReplyType.ERR_POLICY,
                "this client ("
                        + (client == null ? "unknown address" : client.getHostAddress()) + ") may not use export '"
                        + shorten(name) + "'");
        return OptionResult.proceed(out);
    }

    private static OptionResult unknownExport(ByteBuf out, int code, String name) {
        OptionReplies.error(out, code, OptionReplyType.ERR_UNKNOWN, "no export named '" + shorten(name) + "'");
        return OptionResult.proceed(out);
    }

    private OptionResult metaContext(NbdOption option, ByteBuf in, ByteBuf out) {
        int code = option.code();
        boolean set = option == NbdOption.SET_META_CONTEXT;
        if (set) {
            clearContexts(); // spec: SET replaces the selection, even when it fails
        }
        OptionPayloads.MetaContextRequest request;
        try {
            request = OptionPayloads.metaContextRequest(in);
        } catch (MalformedOptionException e) {
            OptionReplies.error(out, code, OptionReplyType.ERR_INVALID, e.getMessage());
            return OptionResult.proceed(out);
        }
        if (set && !structuredReplies) {
            OptionReplies.error(out, code, OptionReplyType.ERR_INVALID, "negotiate structured replies first");
            return OptionResult.proceed(out);
        }
        if (access.decide(request.name(), client) == Access.DENIED) {
            return denied(out, code, request.name());
        }
        if (devices.info(request.name()).isEmpty()) {
            return unknownExport(out, code, request.name());
        }
        List<String> dirtyMaps = dirtyMaps(request.name());
        if (set) {
            contexts = MetaContexts.select(request.queries(), dirtyMaps);
            contextExport = request.name();
            for (MetaContext context : contexts) {
                OptionReplies.metaContext(out, code, context.id(), context.name());
            }
        } else {
            for (String name : MetaContexts.list(request.queries(), dirtyMaps)) {
                OptionReplies.metaContext(out, code, MetaContexts.LIST_ID, name);
            }
        }
        OptionReplies.ack(out, code);
        return OptionResult.proceed(out);
    }

    /**
     * The dirty maps the export's device keeps now: asked of a short-lived lease, since only an open device
     * knows them. An export that cannot be opened (an inactive relationship's volume) offers none.
     */
    private List<String> dirtyMaps(String name) {
        Optional<DeviceLease> lease = devices.acquire(name);
        if (lease.isEmpty()) {
            return List.of();
        }
        try (DeviceLease held = lease.get()) {
            return held.device() instanceof DirtyMapDevice maps ? maps.dirtyMapNames() : List.of();
        }
    }

    private void clearContexts() {
        contexts = List.of();
        contextExport = null;
    }

    /** Contexts apply only to the export they were selected for (spec, SET_META_CONTEXT). */
    private TransmissionSession session(DeviceLease lease, String name, Access granted) {
        List<MetaContext> selected = name.equals(contextExport) && structuredReplies ? contexts : List.of();
        return new TransmissionSession(
                lease, structuredReplies, selected, granted == Access.READ_ONLY, metrics.export(name));
    }

    private static String shorten(String name) {
        return name.length() <= 64 ? name : name.substring(0, 64) + "...";
    }
}
