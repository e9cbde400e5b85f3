package dev.flashcopy.engine.copier;

import dev.flashcopy.engine.relationship.CopyProgress;
import java.io.IOException;
import java.nio.ByteBuffer;

/** One relationship as the copier sees it. Implementations are thread-safe. */
public interface CopyJob {
    /** True while the copier should call {@link #step}. */
    boolean wantsCopy();

    /** MiB/s, 0 = unlimited. */
    int rateMiBps();

    /** Host writes in flight now on the relationship's volumes (its family's): the copier yields briefly. */
    int hostWritesInFlight();

    /** The summed duration, in ns, of the host writes that ended on those volumes: the copier's load signal. */
    long hostBusyNanos();

    /** Copies the next piece; {@link CopyProgress#NONE} when nothing is left to copy. */
    CopyProgress step(long maxBytes, ByteBuffer buffer) throws IOException;

    /** Called after a step found nothing left: the relationship is at 100 %. */
    void finished() throws IOException;

    /** The copier's measured rate over the last second or so, MiB/s of the device range settled. */
    void measured(double mibps);
}
