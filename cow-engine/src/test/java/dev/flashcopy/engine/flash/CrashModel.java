package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each volume must read, now and after a power loss. {@code current} is what reads return now;
 * {@code stable} what a crash must keep (set by FLUSH and FUA); a byte written since its volume's last
 * flush is {@code dirty}, and after a crash it may read as its stable value or as the byte of any write
 * made since (writes are not atomic: a crash may keep part of one). Bytes in {@code unknown} (left
 * undefined by a forced withdraw) may read as anything, and so may a byte written since without a flush (its
 * stable value is the undefined one). A target is its source's bytes at T0; the test
 * establishes only from a flushed source, so T0 itself is stable. Not thread-safe.
 */
final class CrashModel {
    private record Write(long offset, byte[] data) {}

    private static final class Volume {
        byte[] current;
        byte[] stable;
        final BitSet dirty = new BitSet();
        final BitSet unknown = new BitSet();
        final BitSet stableUnknown = new BitSet();
        final List<Write> unflushed = new ArrayList<>();

        Volume(int size) {
            current = new byte[size];
            stable = new byte[size];
        }
    }

    private final Map<String, Volume> volumes = new HashMap<>();

    void add(String name, int size) {
        volumes.put(name, new Volume(size));
    }

    /** A write, zero or trim acknowledged; with {@code fua} it is stable at once. */
    void write(String name, long offset, byte[] data, boolean fua) {
        Volume v = volumes.get(name);
        int from = (int) offset;
        System.arraycopy(data, 0, v.current, from, data.length);
        v.unknown.clear(from, from + data.length);
        if (fua) {
            System.arraycopy(data, 0, v.stable, from, data.length);
            v.stableUnknown.clear(from, from + data.length);
            v.dirty.clear(from, from + data.length);
        } else {
            v.dirty.set(from, from + data.length);
            v.unflushed.add(new Write(offset, data.clone()));
        }
    }

    /** A write whose reply never came (the power failed inside it): it may or may not be there. */
    void writeInFlight(String name, long offset, byte[] data) {
        write(name, offset, data, false);
    }

    void flush(String name) {
        Volume v = volumes.get(name);
        v.stable = v.current.clone();
        v.stableUnknown.clear();
        v.stableUnknown.or(v.unknown);
        v.dirty.clear();
        v.unflushed.clear();
    }

    boolean clean(String name) {
        return volumes.get(name).dirty.isEmpty();
    }

    /** Establish from a clean source: the target is the source's bytes, stable. */
    void snapshot(String source, String target) {
        Volume s = volumes.get(source);
        Volume t = volumes.get(target);
        if (!s.dirty.isEmpty()) {
            throw new IllegalStateException("source " + source + " not flushed before establish");
        }
        t.current = s.current.clone();
        t.stable = s.current.clone();
        t.unknown.clear();
        t.unknown.or(s.unknown);
        t.stableUnknown.clear();
        t.stableUnknown.or(s.unknown);
        t.dirty.clear();
        t.unflushed.clear();
    }

    /** The volume holds {@code content} now and durably (a revert wrote and flushed it); nothing is unknown. */
    void settle(String name, byte[] content) {
        Volume v = volumes.get(name);
        v.current = content.clone();
        v.stable = content.clone();
        v.unknown.clear();
        v.stableUnknown.clear();
        v.dirty.clear();
        v.unflushed.clear();
    }

    void markUnknown(String name, int from, int to) {
        volumes.get(name).unknown.set(from, to);
        volumes.get(name).stableUnknown.set(from, to);
    }

    /** A read now (no crash since the last write): exact. */
    void checkNow(String name, long offset, byte[] got, String context) {
        Volume v = volumes.get(name);
        for (int i = 0; i < got.length; i++) {
            int at = (int) offset + i;
            if (!v.unknown.get(at) && got[i] != v.current[at]) {
                fail(name + " byte " + at + ": read " + got[i] + ", expected " + v.current[at] + "\n" + context);
            }
        }
    }

    /**
     * The whole volume after a power loss: stable bytes exact, dirty ones one of their possible values. Then
     * what was read becomes the volume's content, current and stable (the crash settled it).
     *
     * @return bytes that read as an older value than the last acknowledged write (lost but allowed)
     */
    int checkAfterCrash(String name, byte[] got, String context) {
        Volume v = volumes.get(name);
        int lost = 0;
        for (int at = 0; at < got.length; at++) {
            if (v.unknown.get(at) || (v.dirty.get(at) && v.stableUnknown.get(at))) {
                continue; // undefined, or written since it was undefined and not flushed: any value
            }
            if (!v.dirty.get(at)) {
                if (got[at] != v.stable[at]) {
                    fail(name + " byte " + at + " (flushed or stable): read " + got[at] + ", expected " + v.stable[at]
                            + "\n" + context);
                }
                continue;
            }
            if (got[at] == v.current[at]) {
                continue;
            }
            if (!possible(v, at, got[at])) {
                fail(name + " byte " + at + " (not flushed): read " + got[at] + ", which neither the last flushed"
                        + " value " + v.stable[at] + " nor any write since had (current " + v.current[at] + ", "
                        + v.unflushed.size() + " unflushed writes)\n" + context);
            }
            lost++;
        }
        settle(name, got);
        return lost;
    }

    private static boolean possible(Volume v, int at, byte value) {
        if (v.stable[at] == value) {
            return true;
        }
        for (Write w : v.unflushed) {
            if (at >= w.offset() && at < w.offset() + w.data().length && w.data()[at - (int) w.offset()] == value) {
                return true;
            }
        }
        return false;
    }
}
