package dev.flashcopy.nbd.dispatch;

import com.lmax.disruptor.ExceptionHandler;

/**
 * What the ring does when a stage throws, which a task never should (its failures become replies):
 * log it as the bug it is and keep the stage running, so one broken request does not stop the
 * server's I/O. The request's reply is lost; its client times out or reconnects. Thread-safe.
 */
final class IoExceptionHandler implements ExceptionHandler<IoEvent> {
    private static final System.Logger LOG = System.getLogger(IoExceptionHandler.class.getName());

    @Override
    public void handleEventException(Throwable ex, long sequence, IoEvent event) {
        LOG.log(System.Logger.Level.ERROR, "I/O task at sequence " + sequence + " threw; its reply is lost", ex);
    }

    @Override
    public void handleOnStartException(Throwable ex) {
        LOG.log(System.Logger.Level.ERROR, "I/O stage failed to start", ex);
    }

    @Override
    public void handleOnShutdownException(Throwable ex) {
        LOG.log(System.Logger.Level.WARNING, "I/O stage failed to stop cleanly", ex);
    }
}
