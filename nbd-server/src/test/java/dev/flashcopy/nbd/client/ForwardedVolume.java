package dev.flashcopy.nbd.client;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A volume {@code vol} behind two servers, set up afresh for each test: the owner serves it (through the far-side
 * device the test wraps it in), and the front serves a forwarding export of the same name through {@link
 * RemoteDevices}, whose device dials the owner. Register it on an instance field: {@code @RegisterExtension final
 * ForwardedVolume<CountingDevice> forward = new ForwardedVolume<>(SIZE, CountingDevice::new);}. Not thread-safe:
 * JUnit calls it from one thread.
 *
 * @param <D> the far-side device the test looks at
 */
final class ForwardedVolume<D extends BlockDevice> implements BeforeEachCallback, AfterEachCallback {
    private static final String NAME = "vol";

    private final long size;
    private final Function<Volume, D> farSide;
    private Path dir;
    private ClientLoops loops;
    private Volume volume;
    private D far;
    private NbdServer owner;
    private LeaseCountingDevices ownerDevices;
    private RemoteDevices forwarded;
    private NbdServer front;

    /** @param farSide wraps the volume in the device the owner serves */
    ForwardedVolume(long size, Function<Volume, D> farSide) {
        this.size = size;
        this.farSide = farSide;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("forwarded-volume");
        loops = ClientLoops.create(1);
        volume = new Volume(NAME, ImageFile.create(image(), size), false);
        far = farSide.apply(volume);
        ownerDevices = new LeaseCountingDevices(far);
        owner = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 4, 1), ownerDevices);
        forwarded = new RemoteDevices(loops);
        forwarded.add(NAME, ownerExport());
        front = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 4, 1), forwarded);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        if (front != null) {
            front.close();
        }
        if (forwarded != null) {
            forwarded.close();
        }
        if (owner != null) {
            owner.close();
        }
        if (loops != null) {
            loops.close();
        }
        if (volume != null) {
            volume.close();
        }
        Files.deleteIfExists(image());
        Files.delete(dir);
    }

    /** The owner's image file. */
    Path image() {
        return dir.resolve(NAME + ".img");
    }

    ClientLoops loops() {
        return loops;
    }

    /** The device the owner serves, as the test wrapped it. */
    D far() {
        return far;
    }

    NbdServer owner() {
        return owner;
    }

    /** How many connections to the owner hold its device now. */
    int ownerLeases() {
        return ownerDevices.openLeases();
    }

    /** The front's forwarding exports: tests add and remove others beside {@code vol}. */
    RemoteDevices forwarded() {
        return forwarded;
    }

    NbdServer front() {
        return front;
    }

    /** {@code vol} on the owner, as the front dials it. */
    RemoteExport ownerExport() {
        return new RemoteExport(new Endpoint.Tcp("127.0.0.1", owner.port()), NAME);
    }

    /** {@code vol} on {@code server}, as an NBD URI for command-line clients. */
    static String uri(NbdServer server) {
        return "nbd://127.0.0.1:" + server.port() + "/" + NAME;
    }
}
