package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.flash.FlashEngine;
import dev.flashcopy.engine.storage.DataDirectoryLock;
import dev.flashcopy.nbd.NbdSecurity;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.tls.TlsCredentials;
import dev.flashcopy.rbd.lease.LeaseTerms;
import dev.flashcopy.tools.Version;
import dev.flashcopy.tools.admin.AdminFile;
import dev.flashcopy.tools.admin.AdminServer;
import dev.flashcopy.tools.admin.AdminTokens;
import dev.flashcopy.tools.admin.BearerToken;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.admin.resource.DashboardResource;
import dev.flashcopy.tools.admin.resource.FreezesResource;
import dev.flashcopy.tools.admin.resource.MonitorResource;
import dev.flashcopy.tools.admin.resource.RelationshipsResource;
import dev.flashcopy.tools.admin.resource.ServerResource;
import dev.flashcopy.tools.admin.resource.VolumesResource;
import dev.flashcopy.tools.metrics.MetricsPage;
import dev.flashcopy.tools.metrics.NbdMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running {@code flashcopy serve}. Start order: data-directory lock, volume store, (demo
 * volume), NBD server, admin API, {@code admin.json}; {@link #close()} stops them in reverse, so
 * {@code admin.json} exists exactly while the server answers and the lock is the last thing let
 * go. Thread-safe: {@link #close()} is idempotent and may race a shutdown hook.
 */
public final class FlashcopyServer implements AutoCloseable {
    private final Path dataDir;
    private final VolumeStore store;
    private final FlashEngine flash;
    private final NbdExport nbd;
    private final AdminServer admin;
    private final AdminFile adminFile;
    private final boolean demoCreated;
    private final Deque<AutoCloseable> stack;
    private final PrintWriter log;
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean closing;
    private final OwnershipLoss loss = new OwnershipLoss();

    private FlashcopyServer(
            Path dataDir,
            VolumeStore store,
            FlashEngine flash,
            NbdExport nbd,
            AdminServer admin,
            AdminFile adminFile,
            boolean demoCreated,
            Deque<AutoCloseable> stack,
            PrintWriter log) {
        this.dataDir = dataDir;
        this.store = store;
        this.flash = flash;
        this.nbd = nbd;
        this.admin = admin;
        this.adminFile = adminFile;
        this.demoCreated = demoCreated;
        this.stack = stack;
        this.log = log;
    }

    /** Starts everything or nothing: on failure whatever was started is stopped again. */
    public static FlashcopyServer start(ServeSettings settings, PrintWriter log) throws StartupException {
        Path dataDir = settings.dataDir().toAbsolutePath().normalize();
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw new StartupException(
                    "--data " + dataDir + " is not a directory (expected: a directory for"
                            + " flashcopy's volumes and metadata; it is created when missing)",
                    null);
        }
        // Named here, with their option, before anything starts: a bind would only say "unresolved address".
        for (Endpoint e : settings.nbd()) {
            if (e instanceof Endpoint.Tcp tcp) {
                resolvable("--listen", new HostPort(tcp.host(), tcp.port()));
            }
        }
        InetSocketAddress adminBind = resolvable("--admin", settings.admin());
        Deque<AutoCloseable> stack = new ArrayDeque<>();
        // A standby listens (forwarding to the owner) before it has an engine; its NBD server joins the stack only
        // where a server's NBD normally sits, after the engine, so that it still closes before the engine does.
        NbdExport early = null;
        try {
            stack.push(DataDirectoryLock.acquire(dataDir));
            ServeSecurity security = settings.security();
            AdminGuard.checkExposure(adminBind, security);
            TlsCredentials credentials = security.hasCertificate()
                    ? TlsCredentials.load(security.certificate(), security.key(), security.clientCa())
                    : null;
            NbdSecurity nbdSecurity =
                    new NbdSecurity(security.tlsMode(), credentials, security.access(), security.handshakeTimeout());
            NbdMetrics requests = new NbdMetrics();
            SwitchableDevices devices = new SwitchableDevices(SwitchableDevices.NONE);
            StoreOwnership ownership = null;
            StandbyExports standby = null;
            VolumeStore store;
            switch (settings.store()) {
                case StoreChoice.Files files -> store = VolumeStore.open(dataDir);
                case StoreChoice.Rbd rbd -> {
                    CephStore ceph = CephStore.open(rbd);
                    stack.push(ceph);
                    String name = settings.effectiveServerName(
                            hostName(), ProcessHandle.current().pid());
                    ownership = StoreOwnership.register(ceph, name, LeaseTerms.DEFAULT);
                    // Popped after the engine and the store closed: the last checkpoint is written while still owner.
                    stack.push(ownership);
                    if (!ownership.tryOwn()) {
                        standby = new StandbyExports(
                                ceph.metadata(dataDir),
                                dataDir,
                                () -> StoreOwnership.ownerEndpoint(ceph.leases(), name));
                        devices.switchTo(standby);
                        early = NbdExport.start(settings.nbd(), nbdSecurity, devices, requests);
                        log.println("flashcopy: standby: " + ownership.standbyNotice());
                        log.println(NbdAddresses.BANNER + NbdAddresses.format(NbdAddresses.primary(early.addresses())));
                        log.flush();
                        ownership.awaitOwnership(log);
                    }
                    store = VolumeStore.open(ceph.metadata(dataDir), dataDir, ceph.images());
                }
            }
            stack.push(store);
            boolean demoCreated = settings.demo() && DemoVolume.ensure(store);
            // Recovery runs here: relationships, bitmaps and copy progress come back before any volume is served
            // (a standby's sockets only forwarded until now).
            FlashEngine flash = FlashEngine.open(store);
            stack.push(flash);
            devices.switchTo(flash.devices());
            if (standby != null) {
                standby.close(); // forwarded connections fail their next request; their hosts reconnect, to us
            }
            NbdExport nbd = early != null ? early : NbdExport.start(settings.nbd(), nbdSecurity, devices, requests);
            stack.push(nbd);
            early = null;
            if (ownership != null) {
                publish(ownership, nbd, settings);
            }
            // Popped before the NBD server closes: writes held by a freeze complete (and are answered) first.
            stack.push(() -> flash.freezes().unfreeze(List.of()));
            Instant startedAt = Instant.now();
            BearerToken token = BearerToken.generate();
            BearerToken readToken = BearerToken.generate();
            String scheme = credentials == null ? "http://" : "https://";
            AtomicReference<AdminServer> adminRef = new AtomicReference<>();
            List<Resource> resources = List.of(
                    new ServerResource(() -> new ServerResource.ServerJson(
                            Version.get(),
                            ProcessHandle.current().pid(),
                            dataDir.toString(),
                            NbdAddresses.format(NbdAddresses.primary(nbd.addresses())),
                            nbd.tlsProvider(),
                            scheme + HostPort.format(adminRef.get().address()),
                            startedAt.toString())),
                    new VolumesResource(
                            store,
                            flash.relationships()::roles,
                            flash.freezes()::frozenUntil,
                            settings.imageDirs(),
                            ownership == null ? null : ownership.serverName()),
                    new RelationshipsResource(flash),
                    new FreezesResource(flash.freezes(), store),
                    new MonitorResource(new MetricsPage(requests, flash.monitor()), flash.monitor()),
                    DashboardResource.load());
            AdminServer admin = AdminServer.start(
                    adminBind,
                    new AdminTokens(token, readToken),
                    resources,
                    log,
                    credentials == null ? null : credentials.httpsContext());
            adminRef.set(admin);
            stack.push(admin);
            AdminFile adminFile = new AdminFile(
                    scheme + HostPort.format(admin.address()),
                    token.value(),
                    ProcessHandle.current().pid(),
                    NbdAddresses.format(NbdAddresses.primary(nbd.addresses())),
                    readToken.value(),
                    credentials == null ? null : credentials.fingerprint());
            adminFile.write(dataDir);
            stack.push(() -> AdminFile.delete(dataDir));
            FlashcopyServer server =
                    new FlashcopyServer(dataDir, store, flash, nbd, admin, adminFile, demoCreated, stack, log);
            if (ownership != null) {
                ownership.onLost(server::leaseLost);
                if (!ownership.owns()) {
                    // Lost between the claim and here (a long recovery under a pause): nothing was served yet.
                    server.leaseLost("the lease lapsed while the server was starting");
                }
            }
            return server;
        } catch (StartupException e) {
            closeEarly(early);
            unwind(stack, log);
            throw e;
        } catch (IOException | RuntimeException e) {
            closeEarly(early);
            unwind(stack, log);
            throw new StartupException(inWords(e), e);
        }
    }

    private static void closeEarly(NbdExport early) {
        if (early != null) {
            early.close();
        }
    }

    /**
     * Publishes where standbys reach this owner: its first TCP listener, with a wildcard address replaced by this
     * host's name (a standby on another host cannot dial 0.0.0.0). Listening on unix sockets only, it publishes
     * nothing, and standbys forward nothing (they still take over).
     */
    private static void publish(StoreOwnership ownership, NbdExport nbd, ServeSettings settings) throws IOException {
        for (SocketAddress a : nbd.addresses()) {
            if (a instanceof InetSocketAddress inet) {
                String host = inet.getAddress().isAnyLocalAddress()
                        ? hostName()
                        : inet.getAddress().getHostAddress();
                ownership.publish(new Endpoint.Tcp(host, inet.getPort()));
                return;
            }
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * The store's lease is gone (another server took it over, or renewals failed): from here on a write could only
     * be refused (the new owner fenced this one) or, worse, race it. So the engine stops where it is without writing
     * any more metadata, and the server closes every connection; the new owner recovers from the cluster. Both may
     * wait on a cluster that does not answer, hence their own thread and {@link #awaitStopped}'s bound.
     */
    private void leaseLost(String reason) {
        if (!loss.record(reason)) {
            return;
        }
        Thread.ofPlatform().daemon().name("flashcopy-lease-lost").start(() -> {
            try {
                flash.abandon();
            } catch (IOException | RuntimeException e) {
                log.println("flashcopy: while stopping the engine: " + e.getMessage());
                log.flush();
            }
            close();
        });
    }

    /** Why the server stopped by itself (it lost ownership of its store), or null when it was told to stop. */
    public String stoppedBecause() {
        return loss.reason();
    }

    private static InetSocketAddress resolvable(String option, HostPort address) throws StartupException {
        try {
            return address.resolve();
        } catch (IllegalArgumentException e) {
            throw new StartupException(option + " " + address + ": " + e.getMessage(), null);
        }
    }

    /**
     * A start failure as a sentence: file system errors say what happened to which path (their own message is
     * often the bare path), and no failure shows as an exception's class name.
     */
    static String inWords(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String file = t instanceof FileSystemException f ? f.getFile() : null;
        String what = switch (t) {
            case NoSuchFileException x -> "no such file or directory: " + file;
            case AccessDeniedException x -> "permission denied: " + file;
            case NotDirectoryException x -> "not a directory: " + file;
            case FileAlreadyExistsException x -> "exists and is in the way: " + file;
            case FileSystemException x -> file + ": " + (x.getReason() == null ? "file system error" : x.getReason());
            default -> t.getMessage();
        };
        return what == null || what.isBlank()
                ? "an unexpected failure with no message; please report it (the" + " server log has the details)"
                : what;
    }

    public Path dataDir() {
        return dataDir;
    }

    public VolumeStore store() {
        return store;
    }

    /**
     * What FlashCopy recovery did at start, one line per pass; empty when there were no relationships
     * to recover, so a new data directory starts with a short banner.
     */
    public List<String> recoveryReport() {
        return flash.relationships().list().isEmpty() ? List.of() : flash.recoveryReport();
    }

    /** The engine NBD's TLS runs on ({@code openssl (BoringSSL)}, {@code jdk}), null without TLS. */
    public String nbdTlsProvider() {
        return nbd.tlsProvider();
    }

    /** The first TCP address NBD listens on; null when it listens on unix sockets only. */
    public InetSocketAddress nbdAddress() {
        return nbdAddresses().stream()
                .filter(a -> a instanceof InetSocketAddress)
                .map(InetSocketAddress.class::cast)
                .findFirst()
                .orElse(null);
    }

    /** Every address NBD listens on, TCP and unix, in the order they were asked for. */
    public List<SocketAddress> nbdAddresses() {
        return nbd.addresses();
    }

    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    /** What was published in {@code admin.json}, token included. */
    public AdminFile adminFile() {
        return adminFile;
    }

    /** Whether {@code --demo} created the demo volume now (false when it was kept from an earlier run). */
    public boolean demoCreated() {
        return demoCreated;
    }

    /** Blocks until {@link #close()} has finished; after a lost lease, at most {@link OwnershipLoss#STOP_BOUND}. */
    public void awaitStopped() throws InterruptedException {
        while (!closed.await(100, TimeUnit.MILLISECONDS)) {
            if (loss.pastStopBound()) {
                return;
            }
        }
    }

    /**
     * Stops admin.json, admin API, freezes (held writes go on), NBD, store and lock, in that order; errors are
     * logged and skipped.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        try {
            unwind(stack, log);
        } finally {
            closed.countDown();
        }
    }

    private static void unwind(Deque<AutoCloseable> stack, PrintWriter log) {
        while (!stack.isEmpty()) {
            AutoCloseable c = stack.pop();
            try {
                c.close();
            } catch (Exception e) {
                // Keep stopping the rest: a failed step must not leave the lock or the ports held.
                log.println("flashcopy: while stopping: " + e.getMessage());
                log.flush();
            }
        }
    }
}
