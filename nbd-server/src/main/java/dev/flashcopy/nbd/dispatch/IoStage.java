package dev.flashcopy.nbd.dispatch;

import com.lmax.disruptor.EventHandler;
import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * One I/O consumer of the ring. Every stage sees every sequence and takes those whose number modulo
 * the stage count is its own, so {@code n} stages block on disk {@code n} at a time. Within a batch
 * (the run of sequences available when it woke) it does each of its tasks' device calls at once,
 * defers their syncs and their replies; at the end of the batch it flushes each device that FUA
 * writes or FLUSHes of the batch still need, once (group commit), then hands every reply back, so
 * the event loop wakes once for many replies and flushes its socket once. Not thread-safe: one
 * thread runs each stage.
 */
final class IoStage implements EventHandler<IoEvent> {
    private final int ordinal;
    private final int stages;
    private final List<StagedIoTask> done = new ArrayList<>();
    private final List<StagedIoTask> owing = new ArrayList<>();
    private final List<BlockDevice> owed = new ArrayList<>();

    private final CountDownLatch started;

    IoStage(int ordinal, int stages, CountDownLatch started) {
        this.ordinal = ordinal;
        this.stages = stages;
        this.started = started;
    }

    @Override
    public void onStart() {
        started.countDown();
    }

    @Override
    public void onEvent(IoEvent event, long sequence, boolean endOfBatch) {
        try {
            take(event, sequence);
        } finally {
            if (endOfBatch) {
                endBatch(); // even after a task threw: the batch's other replies must still go out
            }
        }
    }

    private void take(IoEvent event, long sequence) {
        if (sequence % stages == ordinal) {
            IoTask task = event.take();
            if (task instanceof StagedIoTask staged) {
                BlockDevice device = staged.execute(true);
                if (device != null) {
                    owing.add(staged);
                    owed.add(device);
                } else {
                    done.add(staged);
                }
            } else {
                task.perform();
            }
        }
    }

    private void endBatch() {
        for (int i = 0; i < owing.size(); i++) {
            BlockDevice device = owed.get(i);
            if (device == null) {
                continue; // synced already with an earlier task's device
            }
            BlockIoException failure = null;
            try {
                // Durability: every write of this batch on this device has completed (above); this one
                // flush covers the FUA writes and FLUSHes among them, so their replies may now go.
                device.flush();
            } catch (BlockIoException e) {
                failure = e;
            }
            for (int j = i; j < owing.size(); j++) {
                if (owed.get(j) == device) {
                    owed.set(j, null);
                    owing.get(j).synced(failure);
                }
            }
        }
        for (StagedIoTask task : done) {
            task.handBack();
        }
        for (StagedIoTask task : owing) {
            task.handBack();
        }
        done.clear();
        owing.clear();
        owed.clear();
    }
}
