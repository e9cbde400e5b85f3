package dev.flashcopy.tools.metrics;

import dev.flashcopy.nbd.metrics.ExportMetrics;
import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import java.util.concurrent.atomic.LongAdder;

/**
 * The request counters of one export: requests by command, bytes read and written, a latency
 * histogram, errors by NBD error. Every field is a {@link LongAdder} found by array index, so the
 * hot path takes no lock and allocates nothing; contended increments spread over cells rather than
 * spinning on one word. Thread-safe.
 */
public final class ExportCounters implements ExportMetrics {
    private static final NbdCommand[] COMMANDS = NbdCommand.values();
    private static final NbdError[] ERRORS = NbdError.values();

    /** Index {@code COMMANDS.length} counts requests whose type the spec does not define. */
    private final LongAdder[] requests = adders(COMMANDS.length + 1);

    private final LongAdder[] errors = adders(ERRORS.length);
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LatencyHistogram latency = new LatencyHistogram();
    private final LatencyHistogram loopReads = LatencyHistogram.loopHolds();
    private final LatencyHistogram loopWrites = LatencyHistogram.loopHolds();

    private static LongAdder[] adders(int n) {
        LongAdder[] out = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            out[i] = new LongAdder();
        }
        return out;
    }

    @Override
    public void request(NbdCommand command, long bytes, long nanos, NbdError error) {
        requests[command == null ? COMMANDS.length : command.ordinal()].increment();
        if (error != null) {
            errors[error.ordinal()].increment();
        } else if (command == NbdCommand.READ) {
            bytesRead.add(bytes);
        } else if (command == NbdCommand.WRITE) {
            bytesWritten.add(bytes);
        }
        latency.record(nanos);
    }

    @Override
    public void loopHeld(NbdCommand command, long nanos) {
        (command == NbdCommand.WRITE ? loopWrites : loopReads).record(nanos);
    }

    /** Times a READ ({@code write} false) or a WRITE held the event loop, tried inline. */
    public LatencyHistogram loopHolds(boolean write) {
        return write ? loopWrites : loopReads;
    }

    /** Requests of {@code command}; null asks for those of unknown type. */
    public long requests(NbdCommand command) {
        return requests[command == null ? COMMANDS.length : command.ordinal()].sum();
    }

    public long errors(NbdError error) {
        return errors[error.ordinal()].sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }

    public long bytesWritten() {
        return bytesWritten.sum();
    }

    public LatencyHistogram latency() {
        return latency;
    }
}
