package dev.flashcopy.engine.monitor;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtySink;
import dev.flashcopy.engine.membership.Registry;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.relationship.Relationship;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The named dirty maps of one volume, drawn from the relationships it is in at the moment of asking:
 * <ul>
 *   <li>{@code to-copy} (a target): grains the target still reads from its source side;</li>
 *   <li>{@code changed} (a target of a recording relationship): grains written on the target since T0;</li>
 *   <li>{@code changed-since:TARGET} (a source, one per recording relationship): grains written on the source
 *       since TARGET's T0.</li>
 * </ul>
 * Walks read the live bitmaps with {@code nextSet}/{@code nextClear}, one run at a time, copying nothing; a
 * grain changing during a walk shows either state, as it would a moment earlier or later.
 *
 * <p>Stateless and thread-safe.
 */
public final class DirtyMaps {
    static final String TO_COPY = "to-copy";
    static final String CHANGED = "changed";
    static final String CHANGED_SINCE = "changed-since:";

    private DirtyMaps() {}

    public static List<String> names(Registry registry, String volume) {
        List<String> names = new ArrayList<>();
        registry.ofTarget(volume).ifPresent(r -> {
            names.add(TO_COPY);
            if (r.recording()) {
                names.add(CHANGED);
            }
        });
        for (String target : registry.roles(volume, v -> true).targets()) {
            if (registry.findLive(volume, target).map(Relationship::recording).orElse(false)) {
                names.add(CHANGED_SINCE + target);
            }
        }
        names.sort(null);
        return List.copyOf(names);
    }

    public static void walk(Registry registry, String volume, String name, long offset, long length, DirtySink sink)
            throws BlockIoException {
        Optional<Relationship> rel;
        if (name.startsWith(CHANGED_SINCE)) {
            rel = registry.findLive(volume, name.substring(CHANGED_SINCE.length()))
                    .filter(Relationship::recording);
        } else if (name.equals(TO_COPY)) {
            rel = registry.ofTarget(volume);
        } else if (name.equals(CHANGED)) {
            rel = registry.ofTarget(volume).filter(Relationship::recording);
        } else {
            rel = Optional.empty();
        }
        if (rel.isEmpty()) {
            throw new BlockIoException(
                    BlockError.INVALID, "volume " + volume + " has no dirty map '" + name + "' (any more)");
        }
        Relationship r = rel.get();
        GrainBitmap bits =
                name.equals(TO_COPY) ? r.toCopy() : name.equals(CHANGED) ? r.targetChanged() : r.sourceChanged();
        if (r.extents() != null && !name.startsWith(CHANGED_SINCE)) {
            bits = onTarget(r, bits); // an extent relationship's bits are numbered by source grain
        }
        walk(bits, r.geometry().grainSize(), offset, length, sink);
    }

    /** A snapshot of an extent relationship's {@code bits} (source numbering) moved to the target's grains. */
    private static GrainBitmap onTarget(Relationship r, GrainBitmap bits) {
        int grain = r.geometry().grainSize();
        GrainBitmap moved = GrainBitmap.empty((r.target().size() + grain - 1) / grain);
        for (Extent e : r.extents().extents()) {
            long first = e.sourceOffset() / grain;
            long shift = e.targetOffset() / grain - first;
            long end = e.sourceEnd() / grain;
            for (long g = bits.nextSet(first); g >= 0 && g < end; g = bits.nextSet(g + 1)) {
                moved.set(g + shift, g + shift + 1);
            }
        }
        return moved;
    }

    /**
     * Runs of equal bits over {@code [offset, offset + length)}, cut at the range's ends; grains past the map
     * are clean.
     */
    public static void walk(GrainBitmap bits, int grainSize, long offset, long length, DirtySink sink) {
        long end = offset + length;
        long pos = offset;
        while (pos < end) {
            long grain = pos / grainSize;
            boolean dirty = bits.isSet(grain);
            long runEnd;
            if (grain >= bits.grains()) {
                runEnd = Long.MAX_VALUE;
            } else if (dirty) {
                runEnd = bits.nextClear(grain);
            } else {
                long next = bits.nextSet(grain);
                runEnd = next < 0 ? Long.MAX_VALUE : next;
            }
            long stop = runEnd >= end / grainSize + 1 ? end : Math.min(end, runEnd * grainSize);
            if (!sink.extent(stop - pos, dirty)) {
                return;
            }
            pos = stop;
        }
    }
}
