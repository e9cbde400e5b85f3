package dev.flashcopy.it.support;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A few dozen lines of NBD client over a plain socket, for sending what real clients never send
 * (garbage, bad magic, out-of-range requests). It speaks fixed newstyle with simple replies only.
 * Not thread-safe.
 */
public final class RawNbdClient implements AutoCloseable {
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    public static final long IHAVEOPT = 0x49484156454F5054L;
    public static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    public static final int REQUEST_MAGIC = 0x25609513;
    public static final int SIMPLE_REPLY_MAGIC = 0x67446698;

    public static final int CMD_READ = 0;
    public static final int CMD_WRITE = 1;
    public static final int CMD_FLUSH = 3;

    private final Socket socket;
    public final DataInputStream in;
    public final DataOutputStream out;
    private long cookie = 1;

    public RawNbdClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Reads the server greeting and answers with FIXED_NEWSTYLE | NO_ZEROES. */
    public void greet() throws IOException {
        if (in.readLong() != NBDMAGIC || in.readLong() != IHAVEOPT) {
            throw new IOException("not an NBD newstyle server");
        }
        in.readUnsignedShort();
        out.writeInt(3);
        out.flush();
    }

    public void sendOption(int option, byte[] data) throws IOException {
        out.writeLong(IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    /** One option reply: {type, payload}. */
    public record OptionReply(int option, int type, byte[] data) {
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

    /** NBD_OPT_GO for {@code export}; returns its size. Throws when the server refuses. */
    public long go(String export) throws IOException {
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + name.length + 2);
        b.putInt(name.length).put(name).putShort((short) 0);
        sendOption(7, b.array());
        long size = -1;
        while (true) {
            OptionReply r = readOptionReply();
            if (r.type() == 1) {
                return size;
            }
            if (r.type() < 0) {
                throw new IOException("GO refused, reply type 0x" + Integer.toHexString(r.type()));
            }
            if (r.type() == 3 && r.data().length >= 12 && r.data()[0] == 0 && r.data()[1] == 0) {
                size = java.nio.ByteBuffer.wrap(r.data(), 2, 8).getLong();
            }
        }
    }

    public long request(int flags, int type, long offset, int length, byte[] payload) throws IOException {
        long c = cookie++;
        out.writeInt(REQUEST_MAGIC);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(c);
        out.writeLong(offset);
        out.writeInt(length);
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
        return c;
    }

    /** Reads one simple reply; returns its error (0 = success) and fills {@code data} when given. */
    public int readSimpleReply(long expectedCookie, byte[] data) throws IOException {
        if (in.readInt() != SIMPLE_REPLY_MAGIC) {
            throw new IOException("bad reply magic");
        }
        int error = in.readInt();
        long c = in.readLong();
        if (c != expectedCookie) {
            throw new IOException("reply for cookie " + c + ", expected " + expectedCookie);
        }
        if (error == 0 && data != null) {
            in.readFully(data);
        }
        return error;
    }

    /** True when the server closed the connection (EOF or reset) within the socket timeout. */
    public boolean closedByServer() {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
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
