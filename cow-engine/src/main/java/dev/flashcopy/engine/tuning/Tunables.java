package dev.flashcopy.engine.tuning;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The list of every tunable, with the constant each reader uses. Adding a {@code flashcopy.*} property means
 * adding it here (and to the docs table), or the server refuses to start with it. Stateless.
 */
public final class Tunables {
    /** Copy-on-write copies runs of grains with one read, write and record each; false copies grain by grain. */
    public static final Tunable COW_BATCH = new Tunable(
            "flashcopy.cowBatch",
            "true",
            "true | false",
            "copy-on-write in runs of grains (false: one grain per read, write and journal record)");
    /** Largest READ the event loop answers itself from the page cache. */
    public static final Tunable INLINE_READS = new Tunable(
            "flashcopy.inlineReads",
            "131072",
            "bytes",
            "largest read answered on the event loop from the page cache (preadv2 RWF_NOWAIT); 0 turns it off");
    /** Largest plain WRITE the event loop does itself into the page cache. */
    public static final Tunable INLINE_WRITES = new Tunable(
            "flashcopy.inlineWrites",
            "1048576",
            "bytes",
            "largest plain write done on the event loop into the page cache when its file's lane is idle and dirty"
                    + " memory is low; 0 turns it off");
    /** Large cached READs leave as file regions (sendfile), except to a client on this host's loopback. */
    public static final Tunable ZEROCOPY = new Tunable(
            "flashcopy.zerocopy",
            "true",
            "true | false | always",
            "send large cached reads of plain files with sendfile instead of copying them: true for clients on"
                    + " another host (over loopback a copied read was faster), always for every client");
    /** Plain writes to one file go through that file's serial lane. */
    public static final Tunable SERIAL_WRITES = new Tunable(
            "flashcopy.serialWrites",
            "true",
            "true | false",
            "run plain writes to one file one at a time on a serial lane instead of on any I/O thread");
    /** Largest plain WRITE that goes through its file's serial lane; larger ones run on any I/O thread. */
    public static final Tunable LANE_WRITES = new Tunable(
            "flashcopy.laneWrites",
            "131072",
            "bytes",
            "largest plain write run on its file's serial lane; larger writes run concurrently on any I/O thread");
    /** I/O threads of the pool dispatcher. */
    public static final Tunable IO_THREADS = new Tunable(
            "flashcopy.ioThreads", "32", "threads", "threads doing device I/O for all connections (pool dispatcher)");
    /** Where blocking work goes: a thread pool or the Disruptor ring. */
    public static final Tunable DISPATCHER = new Tunable(
            "flashcopy.dispatcher",
            "pool",
            "pool | disruptor",
            "where requests that may block run: a thread pool, or an LMAX Disruptor ring");
    /** Consumer stages of the Disruptor dispatcher. */
    public static final Tunable IO_STAGES =
            new Tunable("flashcopy.ioStages", "4", "stages", "consumer stages of the disruptor dispatcher");
    /** Replies a serial lane holds at most before it hands them back together. */
    public static final Tunable HELD_REPLIES = new Tunable(
            "flashcopy.heldReplies",
            "32",
            "replies",
            "replies a busy serial lane holds before handing them back to the event loop together; 1 hands each back alone");
    /** The socket transport. */
    public static final Tunable TRANSPORT = new Tunable(
            "flashcopy.transport",
            "epoll",
            "epoll | io_uring | nio",
            "socket transport; a native one the system lacks falls back to nio");
    /** Who encrypts NBD's TLS: BoringSSL through netty-tcnative, or the JDK's SSLEngine. */
    public static final Tunable TLS_PROVIDER = new Tunable(
            "flashcopy.tlsProvider",
            "auto",
            "auto | openssl | jdk",
            "TLS engine for NBD: openssl (BoringSSL, netty-tcnative) when it loads, else jdk; openssl refuses to start without it");
    /** Relationships on a store that keeps points in time (RBD) keep their T0 in a snapshot of the source. */
    public static final Tunable SOURCE_VIEWS = new Tunable(
            "flashcopy.views",
            "true",
            "true | false",
            "on RBD, keep each relationship's T0 in a snapshot of its source (false: copy-on-write, as on files)");

    public static final List<Tunable> ALL = List.of(
            COW_BATCH,
            INLINE_READS,
            INLINE_WRITES,
            ZEROCOPY,
            SERIAL_WRITES,
            LANE_WRITES,
            IO_THREADS,
            DISPATCHER,
            IO_STAGES,
            HELD_REPLIES,
            TRANSPORT,
            TLS_PROVIDER,
            SOURCE_VIEWS);

    private Tunables() {}

    /**
     * One message per {@code flashcopy.*} property in {@code properties} that is not in {@link #ALL} (a typo
     * would otherwise be ignored silently, and an A/B run would measure the default twice), naming the
     * nearest known one, and one per known property whose value does not parse. The server checks this
     * before anything reads a tunable, so a reader may keep its value in a constant without failing later.
     */
    public static List<String> problems(Properties properties) {
        List<String> problems = new ArrayList<>();
        for (String key : properties.stringPropertyNames().stream().sorted().toList()) {
            if (!key.startsWith(Tunable.PREFIX)) {
                continue;
            }
            Tunable known =
                    ALL.stream().filter(t -> t.name().equals(key)).findFirst().orElse(null);
            if (known != null) {
                try {
                    known.check(properties);
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
                continue;
            }
            Tunable nearest = ALL.get(0);
            for (Tunable t : ALL) {
                if (distance(key, t.name()) < distance(key, nearest.name())) {
                    nearest = t;
                }
            }
            problems.add("-D" + key + " is not a flashcopy setting (did you mean -D" + nearest.name()
                    + "? the list is in docs/ARCHITECTURE.md, \"Tunables\")");
        }
        return problems;
    }

    /** Levenshtein distance, ignoring case: enough to suggest the property a typo meant. */
    static int distance(String a, String b) {
        a = a.toLowerCase(Locale.ROOT);
        b = b.toLowerCase(Locale.ROOT);
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
