package dev.flashcopy.nbd.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal NBD client over a blocking socket, for tests that send what real clients never send (bad
 * magic, out-of-range requests, garbage): nbd-server's socket tests and the integration tests against the
 * real server process. Not thread-safe.
 */
public final class RawNbdClient implements AutoCloseable {
    public static final long NBD_MAGIC = 0x4e42444d41474943L;
    public static final long OPTION_MAGIC = 0x49484156454F5054L;
    public static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    public static final int REQUEST_MAGIC = 0x25609513;
    public static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    public static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    public static final int CMD_READ = 0;
    public static final int CMD_WRITE = 1;
    public static final int CMD_DISC = 2;
    public static final int CMD_FLUSH = 3;
    public static final int CMD_TRIM = 4;
    public static final int CMD_CACHE = 5;
    public static final int CMD_WRITE_ZEROES = 6;
    public static final int CMD_BLOCK_STATUS = 7;

    /** One option reply. */
    public record OptionReply(int option, int type, byte[] data) {}

    /** One structured reply chunk, or a simple reply ({@code type == -1}). */
    public record Chunk(int flags, int type, long cookie, byte[] payload, int error) {
        public boolean done() {
            return type == -1 || (flags & 1) != 0;
        }
    }

    private Socket socket;
    private DataInputStream in;
    private DataOutputStream out;
    public long exportSize;
    public int transmissionFlags;
    /** The cookie {@link #request(int, int, long, long, byte[])} uses next. */
    private long nextCookie = 1;

    public RawNbdClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    public RawNbdClient(String host, int port) throws IOException {
        this(new InetSocketAddress(host, port));
    }

    /** {@link #greet(int)} answering FIXED_NEWSTYLE | NO_ZEROES, as real clients do. */
    public int greet() throws IOException {
        return greet(3);
    }

    /** Reads the greeting and answers with {@code clientFlags}; returns the handshake flags. */
    public int greet(int clientFlags) throws IOException {
        if (in.readLong() != NBD_MAGIC || in.readLong() != OPTION_MAGIC) {
            throw new IOException("bad greeting");
        }
        int flags = in.readUnsignedShort();
        out.writeInt(clientFlags);
        out.flush();
        return flags;
    }

    /**
     * Sends STARTTLS and, when acknowledged, runs the TLS handshake over the same socket (a handshake
     * the server refuses throws). Returns the reply type of the STARTTLS answer.
     */
    public int startTls(SSLSocketFactory tls) throws IOException {
        sendOption(5, new byte[0]);
        OptionReply reply = readOptionReply();
        if (reply.type() != 1) {
            return reply.type();
        }
        SSLSocket secure =
                (SSLSocket) tls.createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        secure.startHandshake();
        socket = secure;
        in = new DataInputStream(secure.getInputStream());
        out = new DataOutputStream(secure.getOutputStream());
        return reply.type();
    }

    /** The TLS version STARTTLS agreed ({@code TLSv1.3}, {@code TLSv1.2}), null before it. */
    public String tlsProtocol() {
        return socket instanceof SSLSocket s ? s.getSession().getProtocol() : null;
    }

    public void sendOption(int option, byte[] data) throws IOException {
        out.writeLong(OPTION_MAGIC);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    public OptionReply readOptionReply() throws IOException {
        if (in.readLong() != OPTION_REPLY_MAGIC) {
            throw new IOException("bad option reply magic");
        }
        int option = in.readInt();
        int type = in.readInt();
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return new OptionReply(option, type, data);
    }

    /** Replies up to and including the first that is not INFO, SERVER or META_CONTEXT. */
    public List<OptionReply> readOptionReplies() throws IOException {
        List<OptionReply> replies = new ArrayList<>();
        OptionReply reply;
        do {
            reply = readOptionReply();
            replies.add(reply);
        } while (reply.type() >= 2 && reply.type() <= 4);
        return replies;
    }

    public static byte[] goData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length);
        b.putInt(n.length).put(n).putShort((short) infos.length);
        for (int info : infos) {
            b.putShort((short) info);
        }
        return b.array();
    }

    public static byte[] metaData(String name, String... queries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bytes);
        try {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            d.writeInt(n.length);
            d.write(n);
            d.writeInt(queries.length);
            for (String q : queries) {
                byte[] qb = q.getBytes(StandardCharsets.UTF_8);
                d.writeInt(qb.length);
                d.write(qb);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Full handshake: optional structured replies and {@code base:allocation}, then GO. Fails
     * unless every step is acknowledged.
     */
    public RawNbdClient connect(String export, boolean structured) throws IOException {
        greet(3);
        return negotiate(export, structured);
    }

    /** {@link #connect} after the greeting (for instance after STARTTLS). */
    public RawNbdClient negotiate(String export, boolean structured) throws IOException {
        if (structured) {
            selectContexts(export, "base:allocation");
        }
        go(export);
        return this;
    }

    /**
     * Full handshake with structured replies, selecting {@code contexts}, then GO; returns the selected
     * contexts' ids by name.
     */
    public Map<String, Integer> connect(String export, String... contexts) throws IOException {
        greet(3);
        Map<String, Integer> ids = selectContexts(export, contexts);
        go(export);
        return ids;
    }

    /** Structured replies, then SET_META_CONTEXT; the selected contexts' ids by name. */
    private Map<String, Integer> selectContexts(String export, String... contexts) throws IOException {
        sendOption(8, new byte[0]);
        expectAck(readOptionReplies());
        sendOption(10, metaData(export, contexts));
        List<OptionReply> replies = readOptionReplies();
        expectAck(replies);
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (OptionReply reply : replies.subList(0, replies.size() - 1)) {
            ByteBuffer b = ByteBuffer.wrap(reply.data());
            int id = b.getInt();
            ids.put(StandardCharsets.UTF_8.decode(b).toString(), id);
        }
        return ids;
    }

    /**
     * NBD_OPT_GO for {@code export}; returns its size (also kept in {@link #exportSize}). A refusal throws,
     * naming the reply type in hex (as the spec writes error types, e.g. {@code 0x80000006}).
     */
    public long go(String export) throws IOException {
        sendOption(7, goData(export));
        for (OptionReply reply : readOptionReplies()) {
            if (reply.type() == 3 && reply.data().length == 12 && reply.data()[1] == 0) {
                ByteBuffer b = ByteBuffer.wrap(reply.data());
                b.getShort();
                exportSize = b.getLong();
                transmissionFlags = b.getShort() & 0xffff;
            } else if (reply.type() != 3 && reply.type() != 1) {
                throw new IOException("GO refused, reply type 0x" + Integer.toHexString(reply.type()));
            }
        }
        return exportSize;
    }

    private static void expectAck(List<OptionReply> replies) throws IOException {
        if (replies.getLast().type() != 1) {
            throw new IOException("option refused: "
                    + Integer.toUnsignedString(replies.getLast().type()));
        }
    }

    public void request(int flags, int type, long cookie, long offset, long length, byte[] payload) throws IOException {
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt((int) length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    /** {@link #request(int, int, long, long, long, byte[])} with the next cookie of this client; returns it. */
    public long request(int flags, int type, long offset, long length, byte[] payload) throws IOException {
        long cookie = nextCookie++;
        request(flags, type, cookie, offset, length, payload);
        return cookie;
    }

    public void sendRaw(byte[] bytes) throws IOException {
        sendRaw(bytes, 0, bytes.length);
    }

    public void sendRaw(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
        out.flush();
    }

    /** A simple reply; for a successful READ of {@code readLength} bytes, its data too. */
    public Chunk readSimple(int readLength) throws IOException {
        int magic = in.readInt();
        if (magic != SIMPLE_REPLY_MAGIC) {
            throw new IOException("expected a simple reply, got magic 0x" + Integer.toHexString(magic));
        }
        int error = in.readInt();
        long cookie = in.readLong();
        byte[] data = new byte[error == 0 ? readLength : 0];
        in.readFully(data);
        return new Chunk(0, -1, cookie, data, error);
    }

    /**
     * A simple reply that must answer {@code cookie} (another cookie throws); returns its error (0 for
     * success) and, for a successful READ, fills {@code data} (null for other commands).
     */
    public int readSimpleReply(long cookie, byte[] data) throws IOException {
        Chunk reply = readSimple(data == null ? 0 : data.length);
        if (reply.cookie() != cookie) {
            throw new IOException("reply for cookie " + reply.cookie() + ", expected " + cookie);
        }
        if (reply.error() == 0 && data != null) {
            System.arraycopy(reply.payload(), 0, data, 0, data.length);
        }
        return reply.error();
    }

    /** The next reply message, simple (without data) or one structured chunk. */
    public Chunk readChunk() throws IOException {
        int magic = in.readInt();
        if (magic == SIMPLE_REPLY_MAGIC) {
            int error = in.readInt();
            return new Chunk(0, -1, in.readLong(), new byte[0], error);
        }
        if (magic != STRUCTURED_REPLY_MAGIC) {
            throw new IOException("bad reply magic 0x" + Integer.toHexString(magic));
        }
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long cookie = in.readLong();
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        int error = (type & 0x8000) != 0 ? ByteBuffer.wrap(payload).getInt() : 0;
        return new Chunk(flags, type, cookie, payload, error);
    }

    /** All chunks of one structured reply (they may not interleave with others in these tests). */
    public List<Chunk> readReply() throws IOException {
        List<Chunk> chunks = new ArrayList<>();
        Chunk chunk;
        do {
            chunk = readChunk();
            chunks.add(chunk);
        } while (!chunk.done());
        return chunks;
    }

    /** True when the server closed the connection (EOF within the timeout). */
    public boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain whatever was in flight
            }
            return true;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
