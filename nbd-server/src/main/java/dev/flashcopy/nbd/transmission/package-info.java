/**
 * The transmission phase: {@link dev.flashcopy.nbd.transmission.RequestDecoder} frames requests,
 * {@link dev.flashcopy.nbd.transmission.TransmissionHandler} checks them on the event loop, answers
 * there the reads the page cache holds ({@link dev.flashcopy.nbd.transmission.CachedReads}) and the plain
 * writes it takes at once ({@link dev.flashcopy.nbd.transmission.InlineWrites}), and dispatches the rest, {@link dev.flashcopy.nbd.transmission.CommandRunner} does the device call on an
 * I/O thread and builds the whole reply as one buffer (a READ's data is read straight into the pooled
 * direct reply buffer; a WRITE goes down from the received buffers, gathered), and the handler writes it
 * back on the loop, flushing once per burst of replies. A large READ of a range the device lends as a
 * file ({@link dev.flashcopy.nbd.transmission.FileReads}; not under TLS) is a header buffer followed by a
 * file region the transport sends with {@code sendfile}: its data never enters user memory. Such a reply
 * is read as it is sent, so a failure while sending cannot become an error reply: the connection closes.
 * Under the Disruptor dispatcher a FUA write or FLUSH may leave its sync to the end of the stage's batch,
 * shared with the others there. A remote device's READs and WRITEs ({@code export.RemoteBacked}: a forwarding
 * export) are not dispatched: {@link dev.flashcopy.nbd.transmission.RemoteForwards} starts them on the loop and
 * builds the reply when the far server answers, so no I/O thread waits out the round trip.
 *
 * <p><b>ByteBuf ownership.</b> A WRITE payload is a retained slice of the decoder's cumulation
 * (or, for a large payload gathered as it streamed in, a composite of retained slices of the
 * buffers it arrived in), owned by its {@link dev.flashcopy.nbd.transmission.NbdRequest} from decode on;
 * whoever consumes the request last releases it: the runner after the device call, the handler when it
 * answers the request early or drops it. Releasing it also gives back the bytes its decoder reserved from
 * the server-wide {@link dev.flashcopy.nbd.transmission.PayloadBudget} before reading the payload, which
 * bounds the write data all connections hold at once (a connection waiting for room reads nothing). A READ
 * likewise holds its length of the server-wide reply budget from decode until its reply has been written (the
 * request listens to that write), so copied reply data is bounded too. A reply buffer is owned by the request
 * from the moment the runner builds it until the handler passes it to {@code ctx.write} (which then owns it, and
 * releases it even if the channel is closed), or releases it itself when the channel is gone; a READ's
 * file region goes the same way, and its release gives the device's hold on the file back.
 */
package dev.flashcopy.nbd.transmission;
